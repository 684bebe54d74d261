//===- ConvGemm.cpp - Convolution as implicit GEMM ------------------------===//
//
// conv for every shape but depthwise: per batch element and group,
// y[mg][outSize] = W[mg][K] * im2col(x)[K][outSize] (+ bias, epilogue).
// The weights come packed in MR-row panels (by the lowering, or by the
// pack kernel when they are not constant). For each panel of NR output
// pixels (flat over D*H*W, so a panel may span several output rows) and
// each K block, the im2col panel [kcb][NR] is packed on the stack, pads
// and padding modes applied there, and reused by every M panel of the
// task; tiles are written straight into y with pitch outSize.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/kernels/ConvCommon.h"
#include "compiler/cpu/kernels/Gemm.h"

using namespace cnnk;

namespace {

/// Output pixels [start, start+len) of one output row (od, oh) from column
/// ow, landing in panel column `col`.
struct Segment {
  int64_t od, oh, ow, len, col;
};

/// Splits panel pixels [px, px + np) into output-row segments; returns
/// their number.
CNNK_INLINE int64_t panelSegments(const ConvGeom &g, int64_t px, int64_t np,
                                  Segment *segs) {
  int64_t n = 0;
  for (int64_t col = 0; col < np;) {
    int64_t q = px + col, ow = q % g.out[2], row = q / g.out[2];
    int64_t len = min(g.out[2] - ow, np - col);
    segs[n++] = Segment{row / g.out[1], row % g.out[1], ow, len, col};
    col += len;
  }
  return n;
}

/// Copies the `len` input elements row[ix0 + j*stride] (padding mode
/// applied along W) to dst.
template <int V, int NR>
CNNK_INLINE void packRow(const ConvGeom &g, const float *__restrict row,
                         int64_t ix0, int64_t len, float *__restrict dst) {
  int64_t sx = g.stride[2], w = g.in[2];
  if (sx == 1 && ix0 >= 0 && ix0 + len <= w) {
    if (len == NR) {
#pragma unroll
      for (int v = 0; v < NR / V; ++v)
        store<V>(dst + v * V, load<V>(row + ix0 + v * V));
      return;
    }
    for (int64_t j = 0; j < len; ++j)
      dst[j] = row[ix0 + j];
    return;
  }
  if (sx == 2 && len == NR && ix0 >= 0 && ix0 + 2 * NR <= w) {
#pragma unroll
    for (int v = 0; v < NR / V; ++v)
      store<V>(dst + v * V, loadEven<V>(row + ix0 + 2 * v * V));
    return;
  }
  for (int64_t j = 0; j < len; ++j) {
    int64_t ix = padCoord(ix0 + j * sx, w, g.padMode);
    dst[j] = ix < 0 ? 0.0f : row[ix];
  }
}

/// Packs rows [k0, k0 + kcb) of the im2col panel of the pixels in `segs`
/// (np <= NR of them) into dst [kcb][NR]; columns from np on are zero.
/// x is the group's first input channel.
template <int V, int NR>
CNNK_INLINE void packIm2col(const ConvGeom &g, const float *__restrict x,
                            const Segment *segs, int64_t nsegs, int64_t np,
                            int64_t k0, int64_t kcb, float *__restrict dst) {
  int64_t kw = g.kernel[2], kh = g.kernel[1];
  int64_t c = k0 / g.kSize, tap = k0 % g.kSize;
  int64_t kz = tap / (kh * kw), ky = tap / kw % kh, kx = tap % kw;
  for (int64_t left = kcb; left > 0;) {
    int64_t nkx = min(kw - kx, left);
    const float *xc = x + c * g.inSize;
    for (int64_t s = 0; s < nsegs; ++s) {
      const Segment &sg = segs[s];
      int64_t iz =
          padCoord(sg.od * g.stride[0] - g.padBegin[0] + kz * g.dilation[0],
                   g.in[0], g.padMode);
      int64_t iy =
          padCoord(sg.oh * g.stride[1] - g.padBegin[1] + ky * g.dilation[1],
                   g.in[1], g.padMode);
      float *d = dst + sg.col;
      if (iz < 0 || iy < 0) {
        for (int64_t t = 0; t < nkx; ++t)
          for (int64_t j = 0; j < sg.len; ++j)
            d[t * NR + j] = 0.0f;
        continue;
      }
      const float *row = xc + (iz * g.in[1] + iy) * g.in[2];
      int64_t ix0 = sg.ow * g.stride[2] - g.padBegin[2];
      for (int64_t t = 0; t < nkx; ++t)
        packRow<V, NR>(g, row, ix0 + (kx + t) * g.dilation[2], sg.len,
                       d + t * NR);
    }
    for (int64_t t = 0; t < nkx; ++t)
      for (int64_t j = np; j < NR; ++j)
        dst[t * NR + j] = 0.0f;
    dst += nkx * NR;
    left -= nkx;
    kx += nkx;
    if (kx == kw) {
      kx = 0;
      if (++ky == kh) {
        ky = 0;
        if (++kz == g.kernel[0]) {
          kz = 0;
          ++c;
        }
      }
    }
  }
}

/// Pointers of one (batch element, group) of a conv.
struct ConvSlice {
  const float *x;    // first input channel of the group
  const float *w;    // packed weights of the group
  const float *bias; // bias of the group's first output channel
  const float *res;  // residual of the group's first output channel
  float *y;          // output of the group's first output channel
};

/// Output rows [m0, m1) and pixels [p0, p1) of one slice. K blocks are
/// outermost, so the task's block of packed weights (kc x rows) stays in
/// L2 across its pixel panels.
template <int V>
CNNK_INLINE void convTask(const ConvParams &p, const ConvSlice &s, int64_t m0,
                          int64_t m1, int64_t p0, int64_t p1,
                          float *__restrict panel) {
  constexpr int MR = gemmMR(V), NRV = gemmNRV(V), NR = NRV * V;
  const ConvGeom &g = p.geom;
  int64_t ldc = g.outSize;
  Segment segs[NR];
  int64_t k0 = 0;
  do {
    int64_t kcb = min(p.kc, p.k - k0);
    bool last = k0 + kcb == p.k;
    const float *wk = s.w + k0 * p.mPad;
    for (int64_t px = p0; px < p1; px += NR) {
      int64_t np = min<int64_t>(NR, p1 - px);
      int64_t nsegs = panelSegments(g, px, np, segs);
      packIm2col<V, NR>(g, s.x, segs, nsegs, np, k0, kcb, panel);
      for (int64_t m = m0; m < m1; m += MR) {
        TileEpi e = tileEpi(p.epi);
        if (p.hasBias) {
          e.rowAdd = s.bias + m;
          e.rowStride = 1;
        }
        if (p.epi.hasResidual) {
          e.res = s.res + m * ldc + px;
          e.ldRes = ldc;
        }
        gemmTile<V, MR, NRV>(kcb, wk + m / MR * kcb * MR, panel,
                             s.y + m * ldc + px, ldc, min<int64_t>(MR, m1 - m),
                             np, k0 > 0, last ? &e : nullptr);
      }
    }
    k0 += kcb;
  } while (k0 < p.k);
}

template <int V>
void convGemm(const ConvParams &p, void *const *bufs, int64_t begin,
              int64_t end) {
  const float *x = in(bufs, 0), *w = in(bufs, 1), *bias = in(bufs, 2);
  const float *res = in(bufs, 3);
  float *y = out(bufs, 4);
  alignas(64) float panel[kBPanelFloats];
  const ConvGeom &g = p.geom;
  for (int64_t t = begin; t < end; ++t) {
    int64_t pb = t % p.pixelBlocks, r = t / p.pixelBlocks;
    int64_t mb = r % p.mBlocks;
    r /= p.mBlocks;
    int64_t gi = r % p.groups, n = r / p.groups;
    int64_t yOff = (n * p.outChannels + gi * p.mg) * g.outSize;
    ConvSlice s{x + (n * p.channels + gi * p.cg) * g.inSize,
                w + gi * p.mPad * p.k, bias + gi * p.mg, res + yOff, y + yOff};
    int64_t m0 = mb * p.mBlock, m1 = min(m0 + p.mBlock, p.mg);
    int64_t p0 = pb * p.pixelBlock, p1 = min(p0 + p.pixelBlock, g.outSize);
    convTask<V>(p, s, m0, m1, p0, p1, panel);
  }
}

} // namespace

CNNK_VECTOR_KERNEL(conv_gemm, ConvParams, convGemm)
