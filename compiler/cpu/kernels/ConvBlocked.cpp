//===- ConvBlocked.cpp - Direct convolution on the NCHWc layout -----------===//
//
// conv_blocked            groups 1: y (NCHWc) from x in NCHWc or plain NCHW.
// conv_depthwise_blocked  groups == C == M: x and y in NCHWc.
//
// Both walk an output row (od, oh) in register tiles along W, like
// oneDNN's direct convolution: a tile of R pixels x NB output-channel
// blocks of conv_blocked keeps NB * R vectors of V channels in registers
// and accumulates broadcast(x[c][ih][iw]) * w[ocb][c][kd][kh][kw][0..V)
// over input channels and taps. Taps in the padding along D and H are
// skipped for the whole row. conv_blocked cuts a row into tiles of R = MR
// pixels (then 4, 2, 1 for the rest); a tile whose windows all lie inside
// the input reads x directly, one that reaches into the padding reads a
// zero vector there instead (a pointer chosen per pixel and tap, used for
// the lanes of a channel block). The depthwise kernel computes pixels
// outside [owLo, owHi) one at a time over their taps inside the input.
// Bias and the epilogue are applied in registers. A conv_blocked task
// walks its output-channel blocks NB at a time, all its rows for each, so
// a block's weights are read from memory once per task (the lowering keeps
// the input rows of a task within L2). The accumulation order of a pixel
// does not depend on the task split, so any thread count gives identical
// results.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/kernels/Epilogue.h"
#include "compiler/cpu/kernels/WindowTaps.h"

using namespace cnnk;

namespace {

/// What a tile of one output row needs: the input of batch element n, the
/// valid tap rows, and where the row's outputs go.
struct RowCtx {
  const float *x;    // input of this batch element
  TapRange td, th;   // valid taps along D and H
  int64_t id0, ih0;  // window start along D and H
  int64_t outOff;    // float offset of (n, ocb 0 of the tile, row, ow 0)
  const float *w;    // weights of the tile's first block
  const float *bias; // bias of the tile's first channel, or nullptr
};

//===--- conv_blocked -----------------------------------------------------===//

/// Output pixels ow0 .. ow0+R-1 of NB channel blocks. Checked tiles (at
/// the borders along W) read a pixel in the padding from a zero vector
/// instead of x; the others read x directly.
template <int V, int NB, int R, bool Checked>
CNNK_INLINE void convTile(const ConvBlockedParams &p, const RowCtx &rc,
                          const float *res, float *__restrict y, int64_t ow0) {
  const ConvGeom &g = p.geom;
  const int64_t L = p.inLanes, sw = g.stride[2];
  const int64_t rowStride = g.in[2] * L;
  const int64_t icbStride = g.inSize * L, ocbStride = p.channels * g.kSize * V;
  float zeros[V] = {};
  // Every loop over the register tile is unrolled in full, so the
  // accumulators are registers: left to the unroller's cost model, the
  // 4 x 6 tile of the 16-lane kernel stayed an array on the stack (a load
  // and a store around every FMA, 4x slower).
  Vec<V> acc[NB][R];
#pragma unroll
  for (int j = 0; j < NB; ++j) {
    Vec<V> b = rc.bias ? load<V>(rc.bias + j * V) : splat<V>(0.0f);
#pragma unroll
    for (int r = 0; r < R; ++r)
      acc[j][r] = b;
  }
  int64_t iw0 = ow0 * sw - g.padBegin[2];
  for (int64_t icb = 0; icb < p.channels / L; ++icb) {
    const float *xc = rc.x + icb * icbStride;
    const float *wc = rc.w + icb * g.kSize * L * V;
    for (int64_t kd = rc.td.lo; kd < rc.td.hi; ++kd)
      for (int64_t kh = rc.th.lo; kh < rc.th.hi; ++kh) {
        int64_t id = rc.id0 + kd * g.dilation[0];
        int64_t ih = rc.ih0 + kh * g.dilation[1];
        const float *xrow = xc + (id * g.in[1] + ih) * rowStride;
        const float *wrow = wc + (kd * g.kernel[1] + kh) * g.kernel[2] * L * V;
        for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
          const float *xp[R];
#pragma unroll
          for (int r = 0; r < R; ++r) {
            int64_t iw = iw0 + r * sw + kw * g.dilation[2];
            xp[r] = xrow + iw * L;
            if (Checked && (iw < 0 || iw >= g.in[2]))
              xp[r] = zeros;
          }
          const float *wp = wrow + kw * L * V;
          for (int64_t l = 0; l < L; ++l) {
            Vec<V> wv[NB];
#pragma unroll
            for (int j = 0; j < NB; ++j)
              wv[j] = load<V>(wp + j * ocbStride + l * V);
#pragma unroll
            for (int r = 0; r < R; ++r) {
              Vec<V> b = splat<V>(xp[r][l]);
#pragma unroll
              for (int j = 0; j < NB; ++j)
                acc[j][r] += b * wv[j];
            }
          }
        }
      }
  }
  // The bias is in; the rest of the epilogue runs over the finished row
  // (epilogueRow).
  int64_t blockStride = g.outSize * V;
#pragma unroll
  for (int j = 0; j < NB; ++j)
#pragma unroll
    for (int r = 0; r < R; ++r)
      store<V>(y + rc.outOff + j * blockStride + (ow0 + r) * V, acc[j][r]);
}

/// The epilogue (activation, residual, activation) of one finished output
/// row of NB channel blocks, in a loop of its own: applied in the tiles,
/// its operands took registers the 12 accumulators need and a fused clip
/// made the tiles spill (2.6x slower).
template <int V, int NB>
CNNK_INLINE void epilogueRow(const ConvBlockedParams &p, const RowCtx &rc,
                             const float *res, float *__restrict y) {
  if (p.epi.act.kind == kActNone && !p.epi.hasResidual)
    return;
  int64_t blockStride = p.geom.outSize * V;
  for (int j = 0; j < NB; ++j)
    for (int64_t ow = 0; ow < p.geom.out[2]; ++ow) {
      int64_t off = rc.outOff + j * blockStride + ow * V;
      store<V>(y + off, applyEpilogue<V>(load<V>(y + off), p.epi, res + off));
    }
}

/// A tile of R pixels at ow, checked when it reaches outside [owLo, owHi).
template <int V, int NB, int R>
CNNK_INLINE void convTileAt(const ConvBlockedParams &p, const RowCtx &rc,
                            const float *res, float *__restrict y, int64_t ow) {
  if (ow < p.owLo || ow + R > p.owHi)
    convTile<V, NB, R, true>(p, rc, res, y, ow);
  else
    convTile<V, NB, R, false>(p, rc, res, y, ow);
}

/// One output row of NB channel blocks in tiles of MR pixels, then 4, 2
/// and 1 for the rest.
template <int V, int NB>
CNNK_INLINE void convRow(const ConvBlockedParams &p, const RowCtx &rc,
                         const float *res, float *__restrict y) {
  constexpr int MR = blockedMR(V);
  int64_t width = p.geom.out[2], ow = 0;
  for (; ow + MR <= width; ow += MR)
    convTileAt<V, NB, MR>(p, rc, res, y, ow);
  if (ow + 4 <= width) {
    convTileAt<V, NB, 4>(p, rc, res, y, ow);
    ow += 4;
  }
  if (ow + 2 <= width) {
    convTileAt<V, NB, 2>(p, rc, res, y, ow);
    ow += 2;
  }
  if (ow < width)
    convTileAt<V, NB, 1>(p, rc, res, y, ow);
  epilogueRow<V, NB>(p, rc, res, y);
}

/// The window of output row `row` (od, oh) of batch element n.
template <typename P>
CNNK_INLINE RowCtx rowCtx(const P &p, const float *x, int64_t n, int64_t row) {
  const ConvGeom &g = p.geom;
  RowCtx rc;
  int64_t od = row / g.out[1], oh = row % g.out[1];
  rc.x = x + n * p.channels * g.inSize;
  rc.id0 = od * g.stride[0] - g.padBegin[0];
  rc.ih0 = oh * g.stride[1] - g.padBegin[1];
  rc.td = tapRange(rc.id0, g.kernel[0], g.dilation[0], g.in[0]);
  rc.th = tapRange(rc.ih0, g.kernel[1], g.dilation[1], g.in[1]);
  return rc;
}

template <int V>
void convBlockedV(const ConvBlockedParams &p, void *const *bufs, int64_t begin,
                  int64_t end) {
  const float *x = in(bufs, 0), *w = in(bufs, 1), *bias = in(bufs, 2);
  const float *res = in(bufs, 3);
  float *y = out(bufs, 4);
  const ConvGeom &g = p.geom;
  constexpr int NB = blockedNB(V);
  int64_t ocBlocks = p.outChannels / V, rows = g.out[0] * g.out[1];
  for (int64_t t = begin; t < end; ++t) {
    int64_t rb = t % p.rowBlocks, r = t / p.rowBlocks;
    int64_t og = r % p.ocGroups, n = r / p.ocGroups;
    int64_t ob0 = og * p.ocGroup, ob1 = min(ob0 + p.ocGroup, ocBlocks);
    int64_t row0 = rb * p.rowBlock, row1 = min(row0 + p.rowBlock, rows);
    // The weights of NB blocks stay in cache across the task's rows, whose
    // input the lowering keeps within L2.
    for (int64_t ob = ob0; ob < ob1;) {
      int64_t nb = ob + NB <= ob1 ? NB : 1;
      for (int64_t row = row0; row < row1; ++row) {
        RowCtx rc = rowCtx(p, x, n, row);
        rc.outOff = ((n * ocBlocks + ob) * g.outSize + row * g.out[2]) * V;
        rc.w = w + ob * p.channels * g.kSize * V;
        rc.bias = p.hasBias ? bias + ob * V : nullptr;
        if (nb == NB)
          convRow<V, NB>(p, rc, res, y);
        else
          convRow<V, 1>(p, rc, res, y);
      }
      ob += nb;
    }
  }
}

void convBlocked(const ConvBlockedParams &p, void *const *bufs, int64_t begin,
                 int64_t end) {
  if (p.block == 4)
    convBlockedV<4>(p, bufs, begin, end);
  else if (p.block == 8)
    convBlockedV<8>(p, bufs, begin, end);
  else
    convBlockedV<16>(p, bufs, begin, end);
}

//===--- conv_depthwise_blocked -------------------------------------------===//

/// Output pixels ow0 .. ow0+R-1 of one channel block over taps [kwLo, kwHi)
/// along W; rc.x is the channel block's input plane.
template <int V, int R>
CNNK_INLINE void dwTile(const DepthwiseBlockedParams &p, const RowCtx &rc,
                        const float *res, float *__restrict y, int64_t ow0,
                        int64_t kwLo, int64_t kwHi) {
  const ConvGeom &g = p.geom;
  int64_t sw = g.stride[2], iw0 = ow0 * sw - g.padBegin[2];
  Vec<V> acc[R];
  Vec<V> b = rc.bias ? load<V>(rc.bias) : splat<V>(0.0f);
#pragma unroll
  for (int r = 0; r < R; ++r)
    acc[r] = b;
  for (int64_t kd = rc.td.lo; kd < rc.td.hi; ++kd)
    for (int64_t kh = rc.th.lo; kh < rc.th.hi; ++kh) {
      int64_t id = rc.id0 + kd * g.dilation[0];
      int64_t ih = rc.ih0 + kh * g.dilation[1];
      const float *xrow = rc.x + (id * g.in[1] + ih) * g.in[2] * V;
      const float *wrow = rc.w + (kd * g.kernel[1] + kh) * g.kernel[2] * V;
      for (int64_t kw = kwLo; kw < kwHi; ++kw) {
        Vec<V> wv = load<V>(wrow + kw * V);
        const float *xp = xrow + (iw0 + kw * g.dilation[2]) * V;
#pragma unroll
        for (int r = 0; r < R; ++r)
          acc[r] += load<V>(xp + r * sw * V) * wv;
      }
    }
#pragma unroll
  for (int r = 0; r < R; ++r) {
    int64_t off = rc.outOff + (ow0 + r) * V;
    store<V>(y + off, applyEpilogue<V>(acc[r], p.epi, res + off));
  }
}

template <int V>
CNNK_INLINE void dwRow(const DepthwiseBlockedParams &p, const RowCtx &rc,
                       const float *res, float *__restrict y) {
  const ConvGeom &g = p.geom;
  int64_t kw = g.kernel[2], width = g.out[2];
  auto border = [&](int64_t ow) {
    TapRange t =
        tapRange(ow * g.stride[2] - g.padBegin[2], kw, g.dilation[2], g.in[2]);
    dwTile<V, 1>(p, rc, res, y, ow, t.lo, t.hi);
  };
  for (int64_t ow = 0; ow < p.owLo; ++ow)
    border(ow);
  constexpr int R = V == 16 ? 12 : 8;
  int64_t ow = p.owLo;
  for (; ow + R <= p.owHi; ow += R)
    dwTile<V, R>(p, rc, res, y, ow, 0, kw);
  if (ow + 4 <= p.owHi) {
    dwTile<V, 4>(p, rc, res, y, ow, 0, kw);
    ow += 4;
  }
  for (; ow < p.owHi; ++ow)
    dwTile<V, 1>(p, rc, res, y, ow, 0, kw);
  for (ow = max(ow, p.owHi); ow < width; ++ow)
    border(ow);
}

template <int V>
void depthwiseBlockedV(const DepthwiseBlockedParams &p, void *const *bufs,
                       int64_t begin, int64_t end) {
  const float *x = in(bufs, 0), *w = in(bufs, 1), *bias = in(bufs, 2);
  const float *res = in(bufs, 3);
  float *y = out(bufs, 4);
  const ConvGeom &g = p.geom;
  int64_t blocks = p.channels / V, rows = g.out[0] * g.out[1];
  for (int64_t t = begin; t < end; ++t) {
    int64_t rb = t % p.rowBlocks, r = t / p.rowBlocks;
    int64_t cb = r % blocks, n = r / blocks;
    int64_t row1 = min((rb + 1) * p.rowBlock, rows);
    for (int64_t row = rb * p.rowBlock; row < row1; ++row) {
      // The plane of channel block cb is what rowCtx calls batch element
      // n * blocks + cb of one "channel" of V lanes.
      RowCtx rc = rowCtx(p, x, 0, row);
      rc.x = x + (n * blocks + cb) * g.inSize * V;
      rc.outOff = ((n * blocks + cb) * g.outSize + row * g.out[2]) * V;
      rc.w = w + cb * g.kSize * V;
      rc.bias = p.hasBias ? bias + cb * V : nullptr;
      dwRow<V>(p, rc, res, y);
    }
  }
}

void depthwiseBlocked(const DepthwiseBlockedParams &p, void *const *bufs,
                      int64_t begin, int64_t end) {
  if (p.block == 4)
    depthwiseBlockedV<4>(p, bufs, begin, end);
  else if (p.block == 8)
    depthwiseBlockedV<8>(p, bufs, begin, end);
  else
    depthwiseBlockedV<16>(p, bufs, begin, end);
}

} // namespace

CNNK_KERNEL(conv_blocked, ConvBlockedParams, convBlocked)
CNNK_KERNEL(conv_depthwise_blocked, DepthwiseBlockedParams, depthwiseBlocked)
