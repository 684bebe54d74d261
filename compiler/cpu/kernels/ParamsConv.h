//===- ParamsConv.h - Params of the conv and GEMM kernels -------*- C++ -*-===//
//
// Parameter structs of conv (implicit GEMM and direct depthwise),
// conv_transpose, the unshared and deformable convolutions, gemm and
// matmul, and the panel layout the lowering and the kernels share. See
// Params.h for the rules (int64_t, double and fixed arrays only).
//
// The GEMM core computes C[M][N] += A[M][K] * B[K][N] in register tiles of
// MR x NR (NR = NRV vectors of V floats). A is read as packed panels of MR
// rows and B as packed panels of NR columns, both K-blocked by kc:
//
//   panel layout of an R x K matrix (R rows, panels of P rows, padded to
//   RPad = ceil(R / P) * P with zeros):
//     [k block kb][panel r / P][k - kb*kc][r % P]
//   so the k block kb of every panel is contiguous, RPad * kcb floats.
//
//===----------------------------------------------------------------------===//
#pragma once
#include "compiler/cpu/kernels/ParamsAct.h"

#include <stdint.h>

// Included by Params.h after kMaxRank.

namespace cnnk {

//===--- Register blocking of the GEMM micro-kernel -----------------------===//

/// Rows of a micro-kernel tile for vector width `v` (floats per register):
/// MR * NRV accumulators + NRV B vectors + one broadcast fit the 16
/// (v = 4, 8) or 32 (v = 16) vector registers.
constexpr int gemmMR(int v) { return v == 16 ? 8 : 6; }
/// Vectors per tile row.
constexpr int gemmNRV(int) { return 2; }
/// Columns of a tile.
constexpr int gemmNR(int v) { return gemmNRV(v) * v; }

/// Floats of the stack buffer that holds one packed B panel ([kc][NR]):
/// the lowering keeps kc * NR within it.
constexpr int64_t kBPanelFloats = 8192;

/// Floats of the stack buffer of the depthwise kernel's padded input tile.
constexpr int64_t kDwTileFloats = 8192;

/// Floats of the deform_conv kernel's per-pixel sample buffer: the lowering
/// rejects kernels of more taps.
constexpr int64_t kDeformSamples = 4096;

/// Offset of element (r, k) of a panel-packed R x K matrix (see the file
/// comment); rPad is R rounded up to the panel size p.
inline __attribute__((always_inline)) int64_t
panelOffset(int64_t r, int64_t k, int64_t kTotal, int64_t rPad, int64_t p,
            int64_t kc) {
  int64_t kb = k / kc, k0 = kb * kc;
  int64_t kcb = kTotal - k0 < kc ? kTotal - k0 : kc;
  return k0 * rPad + (r / p) * kcb * p + (k - k0) * p + r % p;
}

/// Packs k block `kb` of an R x K matrix whose element (r, k) is
/// src[r*rs + k*ks] into its panels (see panelOffset) in dst, which holds
/// the whole packed matrix (rPad * kTotal floats).
/// Only panels [panel0, panel1) when given (a task's share).
inline __attribute__((always_inline)) void
packPanelBlock(const float *__restrict src, int64_t rows, int64_t kTotal,
               int64_t rs, int64_t ks, int64_t p, int64_t kc, int64_t kb,
               float *__restrict dst, int64_t panel0 = 0,
               int64_t panel1 = -1) {
  int64_t rPad = (rows + p - 1) / p * p;
  int64_t k0 = kb * kc, kcb = kTotal - k0 < kc ? kTotal - k0 : kc;
  int64_t rEnd = panel1 < 0 ? rPad : panel1 * p;
  for (int64_t r0 = panel0 * p; r0 < rEnd; r0 += p) {
    float *d = dst + k0 * rPad + r0 * kcb;
    if (r0 + p <= rows && rs == 1) {
      // A whole panel of contiguous rows: p floats per k, copied as a
      // block (vector moves once p is a constant; as loops, LLVM
      // vectorised the one over k, with gathers and scatters).
      for (int64_t k = 0; k < kcb; ++k)
        __builtin_memcpy(d + k * p, src + r0 + (k0 + k) * ks,
                         (unsigned long)p * sizeof(float));
      continue;
    }
    for (int64_t k = 0; k < kcb; ++k)
      for (int64_t i = 0; i < p; ++i) {
        int64_t r = r0 + i;
        d[k * p + i] = r < rows ? src[r * rs + (k0 + k) * ks] : 0.0f;
      }
  }
}

/// Packs a whole R x K matrix (see packPanelBlock); the lowering packs
/// constant weights with it.
inline void packPanels(const float *src, int64_t rows, int64_t kTotal,
                       int64_t rs, int64_t ks, int64_t p, int64_t kc,
                       float *dst) {
  for (int64_t kb = 0; kb * kc < kTotal; ++kb)
    packPanelBlock(src, rows, kTotal, rs, ks, p, kc, kb, dst);
}

//===--- Convolution ------------------------------------------------------===//

/// Zero padding or the padding modes of conv's `padding_mode`.
enum ConvPadMode : int64_t {
  kConvPadZeros = 0,
  kConvPadReflect,
  kConvPadReplicate,
  kConvPadCircular
};

/// Geometry of a convolution over three spatial axes (D, H, W); a 1D or
/// 2D convolution has leading axes of size, kernel and stride 1.
struct ConvGeom {
  int64_t in[3];
  int64_t out[3];
  int64_t kernel[3];
  int64_t stride[3];
  int64_t dilation[3];
  int64_t padBegin[3];
  int64_t padMode; // ConvPadMode
  int64_t inSize;  // in[0]*in[1]*in[2]
  int64_t outSize; // out[0]*out[1]*out[2]
  int64_t kSize;   // kernel[0]*kernel[1]*kernel[2]
};

/// bufs: x, w (packed), bias, residual, y. Conv as implicit GEMM per batch
/// element and group: C[mg][outSize] = W[mg][K] * im2col(x)[K][outSize],
/// K = cg * kSize ordered (c, kd, kh, kw). w is packed per group (at
/// g * mPad * K) in panels of MR rows K-blocked by kc. Tasks are
/// (n, g, m block, pixel block), the pixel block fastest.
struct ConvParams {
  ConvGeom geom;
  int64_t batch;
  int64_t channels;    // C
  int64_t outChannels; // M
  int64_t groups;
  int64_t cg; // C / groups
  int64_t mg; // M / groups
  int64_t k;  // cg * kSize
  int64_t kc;
  int64_t mPad;        // mg rounded up to MR
  int64_t mBlock;      // rows per task, a multiple of MR
  int64_t mBlocks;     // ceil(mPad / mBlock)
  int64_t pixelBlock;  // output pixels per task, a multiple of NR
  int64_t pixelBlocks; // ceil(outSize / pixelBlock)
  int64_t hasBias;
  Epilogue epi;
};

/// bufs: x, w [M][kSize] (as is), bias, residual, y. Direct convolution
/// for one input channel per output channel (depthwise, c = m / mult) over
/// D = 1, vectorised along the output width. A task is (n, m, block of
/// rowBlock output rows, block of colBlock output columns); it first
/// copies its padded input window (padding mode applied) to a stack tile
/// whose rows are split into stride[2] phases of phaseLen floats (input
/// column c of the window at phase c % stride, index c / stride), so every
/// tap reads V consecutive floats whatever the stride.
struct DepthwiseParams {
  ConvGeom geom;
  int64_t batch;
  int64_t channels;    // C
  int64_t outChannels; // M
  int64_t mult;        // M / C
  int64_t rowBlock;
  int64_t rowBlocks;
  int64_t colBlock; // a multiple of the vector width
  int64_t colBlocks;
  int64_t phaseLen;
  int64_t tileCols; // row pitch of the stack tile: stride[2] * phaseLen
  int64_t hasBias;
  Epilogue epi;
};

/// bufs: src, dst. Packs `batch` R x K matrices (element (r, k) of matrix
/// b at src[b*srcBatch + r*rs + k*ks]) into panels of `panel` rows
/// K-blocked by kc, matrix b at dst + b * rPad * kTotal. Tasks are
/// (matrix, k block, group of panelsPerTask panels), kBlocks k blocks per
/// matrix, panelGroups groups per k block.
struct PackParams {
  int64_t rows;
  int64_t kTotal;
  int64_t rs;
  int64_t ks;
  int64_t srcBatch;
  int64_t panel;
  int64_t kc;
  int64_t kBlocks;
  int64_t panelsPerTask;
  int64_t panelGroups;
};

/// bufs: x, w [C][M/groups][kSize], bias, y. conv_transpose in gather form:
/// y[n,m,o] = b[m] + sum over c of m's group and taps k with
/// i*s = o + pb - k*d of w[c, m % mg, k] * x[n, c, i]. Tasks are (n, m).
struct ConvTransposeParams {
  ConvGeom geom;
  int64_t batch;
  int64_t channels;
  int64_t outChannels;
  int64_t cg;
  int64_t mg;
  int64_t hasBias;
};

/// bufs: x, w [TH,TW,M,C,KH,KW], bias, y. locally_connected (TH = OH,
/// TW = OW, bias [M,OH,OW]) and tiled_conv (bias [M]), zero padding, 2D
/// (D = 1). Output (oh, ow) uses w[oh % TH][ow % TW]. Tasks are (n, m).
struct UnsharedConvParams {
  ConvGeom geom;
  int64_t batch;
  int64_t channels;
  int64_t outChannels;
  int64_t tileH;
  int64_t tileW;
  int64_t hasBias;
  int64_t biasPerPixel;
};

/// bufs: x, offset, w [M][C/groups][KH][KW], bias, y. Deformable conv
/// (bilinear, zero outside), 2D (D = 1). Tasks are (n, output row).
struct DeformConvParams {
  ConvGeom geom;
  int64_t batch;
  int64_t channels;
  int64_t outChannels;
  int64_t groups;
  int64_t offsetGroups;
  int64_t hasBias;
};

//===--- GEMM -------------------------------------------------------------===//

/// bufs: a (packed, panels of MR rows), b (packed, panels of NR columns),
/// c, residual, y. For each of `batch` products: y[M][N] = act(alpha *
/// A[M][K] B[K][N] + beta * c + residual), A at packed a +
/// aIndex * mPad * K, B at packed b + bIndex * nPad * K, the indices from
/// the batch position through the broadcast strides aStride / bStride
/// over batchShape (batchRank axes). c (if hasC) element (i, j) is
/// c[i*cRowStride + j*cColStride], cColStride 0 or 1. Tasks are (batch,
/// m block, n block), the n block fastest.
struct GemmParams {
  int64_t m;
  int64_t n;
  int64_t k;
  int64_t kc;
  int64_t mPad;
  int64_t nPad;
  int64_t mBlock; // rows per task, a multiple of MR
  int64_t mBlocks;
  int64_t nBlock; // columns per task, a multiple of NR
  int64_t nBlocks;
  int64_t batch;
  int64_t batchRank;
  int64_t batchShape[kMaxRank];
  int64_t aStride[kMaxRank];
  int64_t bStride[kMaxRank];
  double alpha;
  double beta;
  int64_t hasC;
  int64_t cRowStride;
  int64_t cColStride;
  Epilogue epi;
};

} // namespace cnnk
