//===- ParamsMisc.h - Params of the pooling, elementwise and shape kernels ===//
//
// Parameter structs of every kernel but the convolutions and GEMM: pools,
// activations, broadcasting arithmetic, per-channel ops, normalisations,
// softmax, data movement and resize. See Params.h for the rules (int64_t,
// double and fixed arrays only). Most kernels split a flat range of work
// units (elements, rows, planes) into tasks of `block` units.
//
//===----------------------------------------------------------------------===//
#pragma once
#include "compiler/cpu/kernels/ParamsAct.h"

#include <stdint.h>

// Included by Params.h after kMaxRank.

namespace cnnk {

//===--- Activations ------------------------------------------------------===//

// ActKind and ActParams: ParamsAct.h.

/// bufs: x, y. y = act(x) over `count` elements; task t does elements
/// [t*block, (t+1)*block), block a multiple of 16.
struct UnaryParams {
  ActParams act;
  int64_t count;
  int64_t block;
};

//===--- Broadcasting arithmetic ------------------------------------------===//

enum BinaryOp : int64_t { kBinAdd = 0, kBinSub, kBinMul, kBinDiv };

/// bufs: a, b, y. y = a op b over an iteration space of `rank` axes
/// (simplified: no axis of size 1, adjacent axes merged), read through
/// per-axis element strides (0 where broadcast). Tasks are blocks of
/// `block` flat output elements.
struct BinaryParams {
  int64_t op; // BinaryOp
  int64_t rank;
  int64_t shape[kMaxRank];
  int64_t aStride[kMaxRank];
  int64_t bStride[kMaxRank];
  int64_t count;
  int64_t block;
};

//===--- Per-channel ops --------------------------------------------------===//

enum ChannelOp : int64_t {
  kChanAffine = 0, // y = x * k[c] + s[c] (folded batch_norm)
  kChanPrelu,      // y = x < 0 ? k[c] * x : x (s unused)
};

/// bufs: x, k, s, y. x is [outer, channels, inner], or with lanes = b the
/// blocked [outer, channels/b, inner, b] (NCHWc, ir/Types.h; k and s are
/// read b channels at a time); tasks are blocks of `block` flat elements.
struct ChannelParams {
  int64_t op; // ChannelOp
  int64_t channels;
  int64_t inner;
  int64_t count;
  int64_t block;
  int64_t lanes; // 0: plain; b: blocked with block b (b = the kernel's V)
};

/// bufs: scale, bias, mean, var, k, s (one task). Folds batch_norm's
/// operands into y = x * k + s: k = scale / sqrt(var + epsilon),
/// s = bias - mean * k, computed in double.
struct BnFoldParams {
  int64_t channels;
  double epsilon;
};

/// bufs: x, y. x [outer, groups*k, inner] -> y [outer, groups, inner], the
/// maximum over k consecutive channels (NaN wins). Tasks are blocks of
/// `block` (outer, group) planes.
struct MaxoutParams {
  int64_t k;
  int64_t groups;
  int64_t inner;
  int64_t planes;
  int64_t block;
};

//===--- Pooling ----------------------------------------------------------===//

enum PoolKind : int64_t { kPoolMax = 0, kPoolAvg };

/// bufs: x, y. Max or average pooling of `planes` planes over three spatial
/// axes (D, H, W; missing leading axes have size, kernel and stride 1).
/// Tasks are blocks of `block` output rows (plane, od, oh). Along W the
/// windows of outputs [owLo, owHi) lie wholly inside the input.
struct PoolParams {
  int64_t kind; // PoolKind
  int64_t countIncludePad;
  int64_t in[3];
  int64_t out[3];
  int64_t kernel[3];
  int64_t stride[3];
  int64_t dilation[3];
  int64_t padBegin[3];
  int64_t padEnd[3];
  int64_t owLo;
  int64_t owHi;
  int64_t planes;
  int64_t rows;
  int64_t block;
};

/// bufs: x, y. Max or mean of each of `planes` planes of `size` elements;
/// tasks are blocks of `block` planes.
struct GlobalPoolParams {
  int64_t kind; // PoolKind
  int64_t planes;
  int64_t size;
  int64_t block;
};

//===--- Normalisations ---------------------------------------------------===//

/// bufs: x, y. LRN of x [outer, channels, inner] across channels: window
/// [c - before, c + after] clipped. Tasks: (outer, chunk of `chunk` inner
/// positions), chunksPerOuter per outer index.
struct LrnParams {
  int64_t channels;
  int64_t inner;
  int64_t before;
  int64_t after;
  int64_t chunk;
  int64_t chunksPerOuter;
  double alphaOverSize;
  double beta;
  double bias;
};

/// bufs: x, scale, bias, y, mean, invStd. Layer normalisation of each
/// contiguous row of `len` elements of x [rows, len]: (x - mean) /
/// sqrt(var + epsilon) * scale + bias (bias only if hasBias; else bufs[2]
/// is unused); with hasStats each row's mean and 1 / sqrt(var + epsilon)
/// go to mean [rows] and invStd [rows] (else bufs[4] and [5] are unused).
/// Tasks are blocks of `block` rows.
struct LayerNormParams {
  int64_t rows;
  int64_t len;
  int64_t hasBias;
  int64_t hasStats;
  int64_t block;
  double epsilon;
};

/// bufs: a, scale, bias, dst. pack_panels_ln: the A operand of a
/// layer_norm_gemm packed as pack_panels packs it (panels of gemmMR(V)
/// rows, K-blocked by kc; element (r, k) of op(a) at a[r*rs + k*ks]), each
/// row normalised over its kTotal elements on the way: (x - mean) /
/// sqrt(var + epsilon) * scale[k] + bias[k]. Rows past `rows` are zero.
/// Tasks are groups of panelsPerTask panels (each writes every k block of
/// its panels: a row's statistics need all of it).
struct PackNormParams {
  int64_t rows;
  int64_t kTotal;
  int64_t rs;
  int64_t ks;
  int64_t kc;
  int64_t panelsPerTask;
  int64_t panelGroups;
  double epsilon;
};

/// bufs: x, y. (Log-)softmax of x [outer, len, inner] along len. With
/// inner == 1, tasks are blocks of `block` rows; else a task is one
/// (outer, chunk of `chunk` inner positions), chunksPerOuter per outer.
struct SoftmaxParams {
  int64_t log;
  int64_t outer;
  int64_t len;
  int64_t inner;
  int64_t block;
  int64_t chunk;
  int64_t chunksPerOuter;
};

//===--- Data movement ----------------------------------------------------===//

/// bufs: x, y. y[outOffset + sum i*outStride] = x[inOffset + sum
/// i*inStride] over an iteration space of `rank` axes (element strides,
/// possibly negative on x). Serves transpose, slice, split, concat and
/// depth_to_space. Tasks are blocks of `block` flat iteration indices.
struct StridedCopyParams {
  int64_t rank;
  int64_t shape[kMaxRank];
  int64_t inStride[kMaxRank];
  int64_t outStride[kMaxRank];
  int64_t inOffset;
  int64_t outOffset;
  int64_t count;
  int64_t block;
};

/// bufs: x, y. transpose_tiles: the strided copies that read x contiguous
/// along one axis (p) and write y contiguous along another (q):
/// y[outOffset + b*ob + p*op + q] = x[inOffset + b*ib + p + q*iq] for b <
/// outer, p < pLen, q < qLen, in tiles of kTransposeTile x kTransposeTile
/// (both sides touch whole cache lines of a tile that stays in L1). Tasks
/// are blocks of `block` tiles, tiles numbered (b, p tile, q tile).
struct TransposeTilesParams {
  int64_t outer;
  int64_t ib;
  int64_t ob;
  int64_t pLen;
  int64_t qLen;
  int64_t iq;
  int64_t op;
  int64_t inOffset;
  int64_t outOffset;
  int64_t tiles;
  int64_t block;
};

/// The side of a transpose_tiles tile.
constexpr int64_t kTransposeTile = 16;

enum PadMode : int64_t { kPadConstant = 0, kPadReflect, kPadEdge };

/// bufs: x, y. y [outShape] = pad of x [inShape] by padBegin per axis
/// (negative crops). Tasks are blocks of `block` output rows (all axes but
/// the last).
struct PadParams {
  int64_t rank;
  int64_t inShape[kMaxRank];
  int64_t outShape[kMaxRank];
  int64_t padBegin[kMaxRank];
  int64_t mode; // PadMode
  double value;
  int64_t rows;
  int64_t block;
};

enum ResizeCoord : int64_t {
  kCoordHalfPixel = 0,
  kCoordAsymmetric,
  kCoordAlignCorners,
  kCoordPytorchHalfPixel,
  kCoordHalfPixelSymmetric,
};
enum ResizeNearest : int64_t {
  kRoundPreferFloor = 0,
  kRoundPreferCeil,
  kRoundFloor,
  kRoundCeil,
};

/// bufs: x, y. Resize of `planes` planes over three spatial axes (missing
/// leading ones have in = out = 1), coordinates as ResizeOps.cpp computes
/// them (in double). Tasks are blocks of `block` output rows.
struct ResizeParams {
  int64_t linear;
  int64_t coordMode;   // ResizeCoord
  int64_t nearestMode; // ResizeNearest
  int64_t in[3];
  int64_t out[3];
  int64_t fromSizes[3];
  double scale[3];
  int64_t planes;
  int64_t rows;
  int64_t block;
};

/// bufs: x, table, y. Resize by a filter table (cubic, antialiased linear,
/// tf_crop_and_resize; ir/ops/Resolve.h's resizeAxisFilter): axis a (D, H,
/// W; missing leading axes have in = out = taps = 1) has out[a] * taps[a]
/// (index, weight) float pairs from table + off[a]; an index of -1 in an
/// output coordinate's first pair marks it outside the input (the output
/// is `extrapolation`). Tasks are blocks of `block` output rows.
struct ResizeTableParams {
  int64_t in[3];
  int64_t out[3];
  int64_t taps[3];
  int64_t off[3];
  int64_t planes;
  int64_t rows;
  int64_t block;
  double extrapolation;
};

} // namespace cnnk
