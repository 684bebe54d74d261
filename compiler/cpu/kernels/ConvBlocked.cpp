//===- ConvBlocked.cpp - Direct convolution on the NCHWc layout -----------===//
//
// conv_blocked            groups 1: y (NCHWc) from x in NCHWc or plain NCHW.
// conv_depthwise_blocked  groups == C == M: x and y in NCHWc.
//
// Both compute register tiles of output pixels, like oneDNN's direct
// convolution: a tile of R pixels x NB output-channel blocks of
// conv_blocked keeps NB * R vectors of V channels in registers and
// accumulates broadcast(x[c][id][ih][iw]) * w[ocb][c][kd][kh][kw][0..V)
// over input channels and taps. conv_blocked takes its tiles of R = MR
// pixels (the rest of a chunk as one more tile overlapping the one before)
// over the output plane flattened, so a tile spans rows where rows are
// short (7x7 and 14x14 planes keep full tiles). A tile in one row whose
// windows all lie inside the input reads x directly; one that reaches into
// the padding reads a zero vector for a pixel's taps outside the input,
// and skips the taps along D and H that no pixel of the tile has inside.
// The depthwise kernel walks an output row (od, oh), skips the padded taps
// along D and H for the whole row, and computes pixels outside [owLo,
// owHi) one at a time over their taps inside the input. Bias is applied in
// registers, the rest of the epilogue over each finished chunk (about a
// row) while it is in L1. A conv_blocked task walks its output-channel
// blocks NB at a time, all its rows for each, so a block's weights are read
// from memory once per task (the lowering keeps the input rows of a task
// within L2). Tiles depend only on the task (fixed at compile time), and
// the accumulation order of a pixel only on its tile, so any thread count
// gives identical results.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/kernels/Epilogue.h"
#include "compiler/cpu/kernels/Prefetch.h"
#include "compiler/cpu/kernels/WindowTaps.h"

using namespace cnnk;

namespace {

/// What a depthwise tile of one output row needs: the input of batch
/// element n, the valid tap rows, and where the row's outputs go.
struct RowCtx {
  const float *x;    // input of this batch element
  TapRange td, th;   // valid taps along D and H
  int64_t id0, ih0;  // window start along D and H
  int64_t outOff;    // float offset of (n, ocb 0 of the tile, row, ow 0)
  const float *w;    // weights of the tile's first block
  const float *bias; // bias of the tile's first channel, or nullptr
};

//===--- conv_blocked -----------------------------------------------------===//

/// Where the R pixels of a conv_blocked tile read: per pixel the start of
/// its window along D, H and W, and the taps along D and H that some pixel
/// of the tile has inside the input (the union; a pixel outside its own
/// range reads zeros there).
template <int R> struct TileWindows {
  int64_t d0[R], h0[R], w0[R];
  TapRange td, th;
};

/// An output pixel (od, oh, ow) of one batch element, stepped along the
/// flattened pixels without divisions (a tile of a 1x1 conv over 16
/// channels is ~100 cycles of FMAs: three divisions per tile cost half).
struct PixelPos {
  int64_t od, oh, ow;
};

CNNK_INLINE PixelPos pixelPos(const ConvGeom &g, int64_t pix) {
  int64_t row = pix / g.out[2];
  return {row / g.out[1], row % g.out[1], pix % g.out[2]};
}

/// Moves `q` n pixels on.
CNNK_INLINE void stepPixel(const ConvGeom &g, PixelPos &q, int64_t n) {
  q.ow += n;
  while (q.ow >= g.out[2]) {
    q.ow -= g.out[2];
    if (++q.oh == g.out[1]) {
      q.oh = 0;
      ++q.od;
    }
  }
}

/// The windows of the R output pixels from `q` on (across rows).
template <int R>
CNNK_INLINE TileWindows<R> tileWindows(const ConvGeom &g, PixelPos q) {
  TileWindows<R> t;
  t.td = {g.kernel[0], 0};
  t.th = {g.kernel[1], 0};
#pragma unroll
  for (int r = 0; r < R; ++r) {
    if (r > 0)
      stepPixel(g, q, 1);
    t.d0[r] = q.od * g.stride[0] - g.padBegin[0];
    t.h0[r] = q.oh * g.stride[1] - g.padBegin[1];
    t.w0[r] = q.ow * g.stride[2] - g.padBegin[2];
    TapRange d = tapRange(t.d0[r], g.kernel[0], g.dilation[0], g.in[0]);
    TapRange h = tapRange(t.h0[r], g.kernel[1], g.dilation[1], g.in[1]);
    t.td = {min(t.td.lo, d.lo), max(t.td.hi, d.hi)};
    t.th = {min(t.th.lo, h.lo), max(t.th.hi, h.hi)};
  }
  if (t.td.lo > t.td.hi)
    t.td = {0, 0};
  if (t.th.lo > t.th.hi)
    t.th = {0, 0};
  return t;
}

/// Whether the R pixels from `q` lie in one row with every window inside
/// the input (the unchecked tile), and if so their windows.
template <int R>
CNNK_INLINE bool interiorTile(const ConvBlockedParams &p, PixelPos q,
                              TileWindows<R> &t) {
  const ConvGeom &g = p.geom;
  if (p.flat) {
    // Input pixel = output pixel, contiguous across rows: the flattened
    // index as the column of row 0.
    int64_t pix = (q.od * g.out[1] + q.oh) * g.out[2] + q.ow;
    t.td = {0, 1};
    t.th = {0, 1};
#pragma unroll
    for (int r = 0; r < R; ++r) {
      t.d0[r] = 0;
      t.h0[r] = 0;
      t.w0[r] = pix + r;
    }
    return true;
  }
  if (q.ow < p.owLo || q.ow + R > p.owHi)
    return false;
  int64_t d0 = q.od * g.stride[0] - g.padBegin[0];
  int64_t h0 = q.oh * g.stride[1] - g.padBegin[1];
  if (d0 < 0 || d0 + (g.kernel[0] - 1) * g.dilation[0] >= g.in[0] ||
      h0 < 0 || h0 + (g.kernel[1] - 1) * g.dilation[1] >= g.in[1])
    return false;
  t.td = {0, g.kernel[0]};
  t.th = {0, g.kernel[1]};
#pragma unroll
  for (int r = 0; r < R; ++r) {
    t.d0[r] = d0;
    t.h0[r] = h0;
    t.w0[r] = (q.ow + r) * g.stride[2] - g.padBegin[2];
  }
  return true;
}

/// Whether the epilogue runs in the tiles' registers (it needs at most a
/// zero besides the accumulators): relu or nothing around a residual.
/// Others run over each finished chunk of pixels (epilogueChunk).
CNNK_INLINE bool inTileEpilogue(const Epilogue &e) {
  return (e.act.kind == kActNone || e.act.kind == kActRelu) &&
         (e.resAct.kind == kActNone || e.resAct.kind == kActRelu);
}

/// The input-channel blocks [lo, hi) a tile accumulates: from the bias
/// when `first`, else onto the partial sums in y; its first `skip` pixels
/// are computed but not stored (they belong to the tile before).
struct ChannelChunk {
  int64_t lo, hi;
  bool first, last;
  int64_t skip;
  /// The next chunk's weights this tile prefetches (Prefetch.h): one
  /// share per row of taps (kd, kh).
  PrefetchShare pf;
};

/// Output pixels p0 .. p0+R-1 (flattened over the rows, so a tile may span
/// rows) of NB channel blocks: NB x R accumulators in registers. Checked
/// tiles (some window reaches into the padding, or the tile spans rows)
/// find each pixel's input per tap and read a zero vector for its taps
/// outside the input; the others (one row, inside) read x at fixed strides
/// from the first pixel.
template <int V, int NB, int R, bool Checked>
CNNK_INLINE void convTile(const ConvBlockedParams &p, const float *x,
                          const float *w, const float *bias,
                          float *__restrict y, const TileWindows<R> &t,
                          const ChannelChunk &cc, const float *res) {
  const ConvGeom &g = p.geom;
  const int64_t L = p.inLanes;
  const int64_t icbStride = g.inSize * L, ocbStride = p.channels * g.kSize * V;
  float zeros[V] = {};
  // Every loop over the register tile is unrolled in full, so the
  // accumulators are registers: left to the unroller's cost model, the
  // 4 x 6 tile of the 16-lane kernel stayed an array on the stack (a load
  // and a store around every FMA, 4x slower).
  int64_t blockStride = g.outSize * V;
  // From the bias in the first chunk, else from the partial sums (selects,
  // not branches: one copy of the tile's code keeps compiling fast).
  Vec<V> acc[NB][R];
#pragma unroll
  for (int j = 0; j < NB; ++j) {
    Vec<V> b = bias ? load<V>(bias + j * V) : splat<V>(0.0f);
#pragma unroll
    for (int r = 0; r < R; ++r)
      acc[j][r] = cc.first ? b : load<V>(y + j * blockStride + r * V);
  }
  PrefetchWalk pf(cc.pf);
  for (int64_t icb = cc.lo; icb < cc.hi; ++icb) {
    const float *xc = x + icb * icbStride;
    const float *wc = w + icb * g.kSize * L * V;
    for (int64_t kd = t.td.lo; kd < t.td.hi; ++kd)
      for (int64_t kh = t.th.lo; kh < t.th.hi; ++kh) {
        const float *wrow = wc + (kd * g.kernel[1] + kh) * g.kernel[2] * L * V;
        // Checked: each pixel's input row for this (kd, kh), and where its
        // window starts along W; a pixel whose row lies in the padding
        // starts far outside, so every tap of it reads zeros.
        const float *xrow[R];
        int64_t wStart[R];
#pragma unroll
        for (int r = 0; r < (Checked ? R : 1); ++r) {
          int64_t id = t.d0[r] + kd * g.dilation[0];
          int64_t ih = t.h0[r] + kh * g.dilation[1];
          xrow[r] = xc + (id * g.in[1] + ih) * g.in[2] * L;
          wStart[r] = uint64_t(id) < uint64_t(g.in[0]) &&
                              uint64_t(ih) < uint64_t(g.in[1])
                          ? t.w0[r]
                          : -(int64_t(1) << 40);
        }
        pf.step();
        for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
          const float *xp[R];
          if (!Checked) {
            // One row, whole windows inside: pixel r reads r strides on
            // from pixel 0 (constant offsets once specialised).
            const float *x0 = xrow[0] + (t.w0[0] + kw * g.dilation[2]) * L;
#pragma unroll
            for (int r = 0; r < R; ++r)
              xp[r] = x0 + r * g.stride[2] * L;
          } else {
#pragma unroll
            for (int r = 0; r < R; ++r) {
              int64_t iw = wStart[r] + kw * g.dilation[2];
              xp[r] = uint64_t(iw) < uint64_t(g.in[2]) ? xrow[r] + iw * L
                                                        : zeros;
            }
          }
          const float *wp = wrow + kw * L * V;
          // Unrolled by 2, not in full: 16 copies of a 24-FMA body in
          // 16 tile variants doubled the optimiser's time for no speed,
          // and 2 runs as fast as 4 (ResNet-18/50) in 20% less compile.
#pragma unroll 2
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
  // The bias is in; the rest of the epilogue runs over the finished chunk
  // (epilogueChunk). In a checked tile the first cc.skip pixels belong to
  // the tile before and keep what is in y (an overlapping rest tile is
  // always checked; selects, not branches, as above).
  // A cheap epilogue (relu, a residual) in registers after the last
  // chunk, saving a pass over y.
  if (cc.last && inTileEpilogue(p.epi)) {
#pragma unroll
    for (int j = 0; j < NB; ++j)
#pragma unroll
      for (int r = 0; r < R; ++r)
        acc[j][r] = applyEpilogue<V>(acc[j][r], p.epi,
                                     res + j * blockStride + r * V);
  }
#pragma unroll
  for (int j = 0; j < NB; ++j)
#pragma unroll
    for (int r = 0; r < R; ++r) {
      float *yp = y + j * blockStride + r * V;
      store<V>(yp, Checked && r < cc.skip ? load<V>(yp) : acc[j][r]);
    }
}

/// The tile of R pixels at flattened pixel `pix` (position q); y points
/// at pixel 0 of the first block.
template <int V, int NB, int R>
CNNK_INLINE void convTileAt(const ConvBlockedParams &p, const float *x,
                            const float *w, const float *bias, float *y,
                            int64_t pix, PixelPos q, const ChannelChunk &cc,
                            const float *res) {
  TileWindows<R> t;
  if (cc.skip == 0 && interiorTile<R>(p, q, t))
    convTile<V, NB, R, false>(p, x, w, bias, y + pix * V, t, cc,
                              res + pix * V);
  else
    convTile<V, NB, R, true>(p, x, w, bias, y + pix * V,
                             tileWindows<R>(p.geom, q), cc, res + pix * V);
}

/// The epilogue (activation, residual, activation) of finished pixels
/// [p0, p1) of NB channel blocks, in a loop of its own: applied in the
/// tiles, its operands took registers the accumulators need and a fused
/// clip made the tiles spill (2.6x slower). y and res point at pixel 0 of
/// the first block.
template <int V, int NB>
CNNK_INLINE void epilogueChunk(const ConvBlockedParams &p, const float *res,
                               float *__restrict y, int64_t p0, int64_t p1) {
  if ((p.epi.act.kind == kActNone && !p.epi.hasResidual) ||
      inTileEpilogue(p.epi))
    return;
  int64_t blockStride = p.geom.outSize * V;
  for (int j = 0; j < NB; ++j)
    for (int64_t pix = p0; pix < p1; ++pix) {
      int64_t off = j * blockStride + pix * V;
      store<V>(y + off, applyEpilogue<V>(load<V>(y + off), p.epi, res + off));
    }
}

/// Flattened pixels [p0, p1) (whole rows) of NB channel blocks, in chunks
/// of whole rows: tiles of MR pixels (spanning rows where rows are short:
/// 7x7 and 14x14 planes keep full tiles), the rest of a chunk as one more
/// tile overlapping the one before (pixels one at a time only in a chunk
/// shorter than a tile), and the epilogue over the chunk while it is in
/// L1. Two tile shapes in all keep the specialised kernel small.
template <int V, int NB>
CNNK_INLINE void convPixels(const ConvBlockedParams &p, const float *x,
                            const float *w, const float *bias,
                            const float *res, float *y, int64_t p0,
                            int64_t p1, const float *wNext) {
  constexpr int MR = blockedMR(V);
  // Wide rows: a chunk is a row (tiles stay in their row, on the fast
  // path). Short rows: chunks of whole rows of at least 8 tiles, cut into
  // tiles across the rows.
  int64_t chunk = blockedChunk(p.geom.out[2], p.flat, MR);
  const ConvGeom &g = p.geom;
  int64_t icBlocks = p.channels / p.inLanes;
  PixelPos q0 = pixelPos(g, p0);
  for (int64_t c0 = p0; c0 < p1; c0 += chunk) {
    int64_t c1 = min(c0 + chunk, p1);
    // The input channels in chunks whose weights stay in L1 while every
    // tile of the pixel chunk reads them; tiles after the first chunk add
    // to the partial sums in y.
    PixelPos q = q0;
    for (int64_t lo = 0; lo < icBlocks; lo += p.icChunk) {
      int64_t hi = min(lo + p.icChunk, icBlocks);
      ChannelChunk cc{lo, hi, lo == 0, hi == icBlocks, 0};
      // The weights of the chunk after this one where they are new: the
      // next channel chunk in the first pixel chunk (later pixel chunks
      // find them in L2), and after the last chunk of the last pixel
      // chunk the first of the task's next output-channel group (wNext).
      const float *nw = hi < icBlocks ? (c0 == p0 ? w : nullptr)
                        : c1 >= p1    ? wNext
                                      : nullptr;
      int64_t nlo = hi < icBlocks ? hi : 0;
      int64_t nhi = min(nlo + p.icChunk, icBlocks);
      if (nw) {
        int64_t tapFloats = g.kSize * p.inLanes * V;
        cc.pf = prefetchShare(nw + nlo * tapFloats, NB,
                              p.channels * g.kSize * V,
                              (nhi - nlo) * tapFloats,
                              (c1 - c0 + MR - 1) / MR,
                              (hi - lo) * g.kernel[0] * g.kernel[1]);
      }
      int64_t pix = c0;
      q = q0;
      if (!p.shortChunks || c1 - c0 >= MR) {
        for (; pix + MR <= c1; pix += MR, stepPixel(g, q, MR)) {
          convTileAt<V, NB, MR>(p, x, w, bias, y, pix, q, cc, res);
          cc.pf.first += cc.pf.count;
        }
        // The rest: the last MR pixels, overlapping the previous tile,
        // whose pixels it computes but does not store: one tile shape,
        // not one per remainder.
        if (pix < c1) {
          ChannelChunk rest = cc;
          rest.skip = pix - (c1 - MR);
          convTileAt<V, NB, MR>(p, x, w, bias, y, c1 - MR,
                                pixelPos(g, c1 - MR), rest, res);
          stepPixel(g, q, c1 - pix);
        }
      } else {
        cc.pf = PrefetchShare{}; // single pixels: too little work
        for (; pix < c1; ++pix, stepPixel(g, q, 1))
          convTile<V, NB, 1, true>(p, x, w, bias, y + pix * V,
                                   tileWindows<1>(g, q), cc, res + pix * V);
      }
    }
    q0 = q;
    epilogueChunk<V, NB>(p, res, y, c0, c1);
  }
}

template <int V>
void convBlockedV(const ConvBlockedParams &p, void *const *bufs, int64_t begin,
                  int64_t end) {
  const float *x = in(bufs, 0), *w = in(bufs, 1), *bias = in(bufs, 2);
  const float *res = in(bufs, 3);
  float *y = out(bufs, 4);
  const ConvGeom &g = p.geom;
  constexpr int NB = blockedNB(V);
  int64_t ocBlocks = p.outChannels / V, rows = blockedTaskUnits(g, p.flat),
          width = blockedTaskWidth(g, p.flat);
  for (int64_t t = begin; t < end; ++t) {
    int64_t rb = t % p.rowBlocks, r = t / p.rowBlocks;
    int64_t og = r % p.ocGroups, n = r / p.ocGroups;
    int64_t ob0 = og * p.ocGroup, ob1 = min(ob0 + p.ocGroup, ocBlocks);
    int64_t row0 = rb * p.rowBlock, row1 = min(row0 + p.rowBlock, rows);
    const float *xn = x + n * p.channels * g.inSize;
    // The weights of NB blocks stay in cache across the task's rows, whose
    // input the lowering keeps within L2.
    // A constant (a shaping parameter): when every group is whole blocks
    // of NB, the 1-block tiles are never needed and fold away.
    for (int64_t ob = ob0; ob < ob1;) {
      int64_t nb = p.wholeGroups || ob + NB <= ob1 ? NB : 1;
      int64_t outOff = (n * ocBlocks + ob) * g.outSize * V;
      const float *wb = w + ob * p.channels * g.kSize * V;
      const float *bb = p.hasBias ? bias + ob * V : nullptr;
      const float *wNext =
          ob + nb < ob1 ? wb + nb * p.channels * g.kSize * V : nullptr;
      if (nb == NB)
        convPixels<V, NB>(p, xn, wb, bb, res + outOff, y + outOff, row0 * width,
                          row1 * width, wNext);
      else
        convPixels<V, 1>(p, xn, wb, bb, res + outOff, y + outOff, row0 * width,
                         row1 * width, wNext);
      ob += nb;
    }
  }
}

//===--- conv_depthwise_blocked -------------------------------------------===//

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

} // namespace

CNNK_BLOCK_KERNEL(conv_blocked, ConvBlockedParams, convBlockedV)
CNNK_BLOCK_KERNEL(conv_depthwise_blocked, DepthwiseBlockedParams,
                  depthwiseBlockedV)
