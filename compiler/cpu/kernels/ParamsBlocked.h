//===- ParamsBlocked.h - Params of the NCHWc kernels ------------*- C++ -*-===//
//
// Parameter structs of the kernels that compute on the channel-blocked
// layout NCHWc (ir/Types.h: [N][C/b][*S][b], b channels innermost), and the
// register blocking of the blocked convolution. See Params.h for the rules
// (int64_t, double and fixed arrays only).
//
// The kernels are not instantiated per target width: each reads the block
// b of its blocked tensors from its params (`block`: 4, 8 or 16) and
// computes with vectors of V = b floats, one vector holding the b channels
// of one pixel, so every multiply-add, max or sum is a whole vector
// operation with no shuffles. Once specialised, the dispatch on `block`
// folds away. On a target whose registers are narrower than b the vectors
// are split by LLVM (correct, not fast); the layout pass picks b = the
// target's width.
//
//===----------------------------------------------------------------------===//
#pragma once
#include "compiler/cpu/kernels/ParamsConv.h"

#include <stdint.h>

// Included by Params.h after ParamsConv.h (ConvGeom, Epilogue).

namespace cnnk {

/// Output-channel blocks of a conv_blocked register tile for vector width
/// `v`: NB blocks x MR pixels of accumulators, NB weight vectors and a
/// broadcast fit the 16 (v = 4, 8) or 32 (v = 16) vector registers.
constexpr int blockedNB(int v) { return v == 16 ? 4 : 2; }
/// Output pixels (along W) of a conv_blocked register tile.
constexpr int blockedMR(int) { return 6; }

/// Pixels per chunk of conv_blocked's pixel loop, for an output plane
/// `width` wide: a row where rows are wide (tiles stay in their row), whole
/// rows of at least 8 tiles where they are short (tiles span rows), 8 tiles
/// when `flat`. A task's last chunk may be shorter.
inline int64_t blockedChunk(int64_t width, int64_t flat, int mr) {
  if (flat)
    return 8 * mr;
  if (width < 4 * mr)
    return width * ((8 * mr + width - 1) / width);
  return width;
}

/// The units conv_blocked's tasks count (rowBlock of them per task): output
/// rows (od, oh) of `width` = out[2] pixels, or single pixels of a `flat`
/// conv, whose tiles run across rows.
inline int64_t blockedTaskUnits(const ConvGeom &g, int64_t flat) {
  return flat ? g.outSize : g.out[0] * g.out[1];
}
inline int64_t blockedTaskWidth(const ConvGeom &g, int64_t flat) {
  return flat ? 1 : g.out[2];
}

/// bufs: x, w (re-laid out), bias, residual, y. Direct convolution with
/// groups 1, zero padding, over three spatial axes (D, H, W), y in NCHWc
/// (block V). x is NCHWc with block V (inLanes = V) or plain NCHW
/// (inLanes = 1). w is [M/V][C/inLanes][KD][KH][KW][inLanes][V]. A task
/// is (n, group of ocGroup output-channel blocks, block of rowBlock output
/// rows (od, oh)); it computes whole rows in tiles of MR pixels x NB
/// blocks kept in registers, icChunk input-channel blocks at a time (the
/// weights of NB blocks for a chunk stay in L1 while every tile of a
/// chunk of pixels reads them). With `flat` (a 1x1 conv, stride 1, no
/// pads) every tile reads x unchecked across rows, in whole tiles up to the
/// task's end. Output columns [owLo, owHi) have their whole
/// window inside the input along W: tiles within them read x unchecked,
/// the others read zeros for the taps in the padding.
struct ConvBlockedParams {
  int64_t block; // V: 4, 8 or 16
  ConvGeom geom;
  int64_t batch;
  int64_t channels;    // C
  int64_t outChannels; // M
  int64_t inLanes;     // 1: x plain; V: x blocked
  int64_t ocGroup;     // output-channel blocks per task
  int64_t ocGroups;    // ceil(M / V / ocGroup)
  int64_t rowBlock;    // output rows per task (flat: pixels)
  int64_t rowBlocks;   // ceil(out[0] * out[1] / rowBlock) (flat: pixels)
  int64_t owLo;
  int64_t owHi;
  int64_t icChunk; // input-channel blocks (of inLanes) per weight chunk
  int64_t flat;    // 1x1, stride 1, no pads: pixels contiguous across rows
  // Which tiles a task may need, decided by the lowering so that a body
  // shared by calls of different sizes has only those (Specialise.h):
  int64_t wholeGroups; // every task's blocks are whole groups of NB
  int64_t shortChunks; // some chunk has fewer than MR pixels
  int64_t hasBias;
  Epilogue epi;
};

/// Output tile edge and input tile edge of the Winograd convolution
/// F(4x4, 3x3): a 6x6 input tile gives a 4x4 output tile.
constexpr int kWinoOut = 4;
constexpr int kWinoIn = 6;
constexpr int kWinoPoints = kWinoIn * kWinoIn; // 36 GEMMs

/// bufs: x, u, bias, residual, y, scratch. Winograd F(4x4, 3x3) of a 2D
/// conv with a 3x3 kernel, stride 1, dilation 1, groups 1, x and y in NCHWc
/// (block V). u is the weights transformed at compile time (G g G^T, 6x6
/// per (m, c)) as [36][M/V][C][V]. The output plane is cut into tiles of
/// 4x4 pixels (tiles[0] x tiles[1] of them; the last ones may reach past
/// the plane), whose 6x6 input tiles read zeros outside the input. A unit
/// of work is (n, block of tileBlock tiles, group of ocGroup output-channel
/// blocks): it transforms its input tiles (B^T d B, all C channels) into
/// its scratch, computes the 36 products with u as GEMMs in register tiles
/// of NB blocks x MR tiles, and transforms each group of NB blocks back
/// (A^T m A), adds the bias, applies the epilogue and writes the tiles'
/// pixels inside the plane. Tasks are `lanes` contiguous runs of the
/// units, each with its own `laneFloats` of scratch: the scratch does not
/// grow with the number of units, and any split of the tasks over threads
/// gives the same results (a unit's arithmetic does not depend on its lane).
struct ConvWinogradParams {
  int64_t block; // V: 4, 8 or 16
  int64_t batch;
  int64_t channels;    // C
  int64_t outChannels; // M
  int64_t in[2];       // H, W
  int64_t out[2];      // OH, OW
  int64_t padBegin[2];
  int64_t tiles[2];   // ceil(OH / 4), ceil(OW / 4)
  int64_t tileBlock;  // tiles per unit (in scratch: rounded up to MR)
  int64_t tileBlocks; // ceil(tiles[0] * tiles[1] / tileBlock)
  int64_t ocGroup;    // output-channel blocks per unit
  int64_t ocGroups;   // ceil(M / V / ocGroup)
  int64_t units;      // batch * tileBlocks * ocGroups
  int64_t lanes;      // tasks
  int64_t laneFloats; // scratch per lane
  int64_t icChunk;    // input-channel blocks per weight chunk (L1)
  int64_t hasBias;
  Epilogue epi;
};

/// bufs: x, w [C/V][KD][KH][KW][V], bias, residual, y. Depthwise conv
/// (groups == C == M), zero padding, x and y in NCHWc (block V): each
/// vector holds V channels of one pixel. Tasks are (n, channel block,
/// block of rowBlock output rows); owLo/owHi as in ConvBlockedParams.
struct DepthwiseBlockedParams {
  int64_t block; // V: 4, 8 or 16
  ConvGeom geom;
  int64_t batch;
  int64_t channels;
  int64_t rowBlock;
  int64_t rowBlocks;
  int64_t owLo;
  int64_t owHi;
  int64_t hasBias;
  Epilogue epi;
};

/// bufs: x, y. max_pool / avg_pool (PoolParams semantics: PoolKind,
/// count_include_pad, ceil mode through out and padEnd) over three spatial
/// axes with x and y in NCHWc (block V). Tasks are blocks of `perTask`
/// output rows (n, channel block, od, oh); `rows` in all.
struct PoolBlockedParams {
  int64_t block; // V: 4, 8 or 16
  int64_t kind;  // PoolKind
  int64_t countIncludePad;
  int64_t in[3];
  int64_t out[3];
  int64_t kernel[3];
  int64_t stride[3];
  int64_t dilation[3];
  int64_t padBegin[3];
  int64_t padEnd[3];
  int64_t rows;
  int64_t perTask;
};

/// bufs: x, y. global_avg_pool / global_max_pool of x in NCHWc (block V):
/// the max or mean over `size` pixels of each of `planes` channel blocks
/// (n, C/V), written as V consecutive floats, which is y [N,C,1,1] in the
/// plain and the blocked layout alike. Tasks are blocks of `perTask`
/// channel blocks.
struct GlobalPoolBlockedParams {
  int64_t block; // V: 4, 8 or 16
  int64_t kind;  // PoolKind
  int64_t planes;
  int64_t size;
  int64_t perTask;
};

} // namespace cnnk
