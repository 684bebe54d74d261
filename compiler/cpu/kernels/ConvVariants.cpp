//===- ConvVariants.cpp - Unshared, tiled and deformable convolutions -----===//
//
// Plain-loop kernels of the rare 2D convolutions (ConvVariantOps.cpp has
// their semantics):
//   unshared_conv  locally_connected and tiled_conv: the weights of output
//                  (oh, ow) are w[oh % TH][ow % TW]; tasks are (n, m)
//                  output planes.
//   deform_conv    bilinear samples of x at offset taps, then a grouped
//                  conv; tasks are (n, output row). The samples of a chunk
//                  of input channels are taken once per pixel and shared by
//                  every output channel; y accumulates over the chunks.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/kernels/Kernel.h"

using namespace cnnk;

namespace {

//===--- locally_connected and tiled_conv ---------------------------------===//

/// The sum over channels and taps of output (oh, ow) with the weights wp
/// ([M][C][KH][KW] of its position) of output channel m.
CNNK_INLINE float unsharedPixel(const UnsharedConvParams &p,
                                const float *__restrict x,
                                const float *__restrict wm, float acc,
                                int64_t oh, int64_t ow) {
  const ConvGeom &g = p.geom;
  int64_t kh = g.kernel[1], kw = g.kernel[2];
  for (int64_t c = 0; c < p.channels; ++c) {
    const float *xc = x + c * g.inSize;
    const float *wc = wm + c * g.kSize;
    for (int64_t i = 0; i < kh; ++i) {
      int64_t ih = oh * g.stride[1] - g.padBegin[1] + i * g.dilation[1];
      if (ih < 0 || ih >= g.in[1])
        continue;
      for (int64_t j = 0; j < kw; ++j) {
        int64_t iw = ow * g.stride[2] - g.padBegin[2] + j * g.dilation[2];
        if (iw >= 0 && iw < g.in[2])
          acc += wc[i * kw + j] * xc[ih * g.in[2] + iw];
      }
    }
  }
  return acc;
}

void unsharedConv(const UnsharedConvParams &p, void *const *bufs, int64_t begin,
                  int64_t end) {
  const float *x = in(bufs, 0), *w = in(bufs, 1), *bias = in(bufs, 2);
  float *y = out(bufs, 3);
  const ConvGeom &g = p.geom;
  int64_t oh = g.out[1], ow = g.out[2];
  int64_t perPosition = p.outChannels * p.channels * g.kSize;
  for (int64_t t = begin; t < end; ++t) {
    int64_t m = t % p.outChannels, n = t / p.outChannels;
    const float *xn = x + n * p.channels * g.inSize;
    float *ym = y + t * g.outSize;
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        int64_t wpos = (i % p.tileH) * p.tileW + j % p.tileW;
        const float *wm = w + wpos * perPosition + m * p.channels * g.kSize;
        float b = 0.0f;
        if (p.hasBias)
          b = p.biasPerPixel ? bias[(m * oh + i) * ow + j] : bias[m];
        ym[i * ow + j] = unsharedPixel(p, xn, wm, b, i, j);
      }
  }
}

//===--- deform_conv ------------------------------------------------------===//

/// Bilinear sample of the h x w plane at (sy, sx) as torchvision: 0 outside
/// (-1, h) x (-1, w), corners outside the plane count 0, NaN stays NaN.
CNNK_INLINE float bilinear(const float *__restrict plane, int64_t h, int64_t w,
                           double sy, double sx) {
  if (sy != sy || sx != sx)
    return float(sy + sx);
  if (sy <= -1 || sy >= double(h) || sx <= -1 || sx >= double(w))
    return 0.0f;
  double fy = __builtin_floor(sy), fx = __builtin_floor(sx);
  int64_t y0 = int64_t(fy), x0 = int64_t(fx);
  double ly = sy - fy, lx = sx - fx;
  double v[2][2];
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t b = 0; b < 2; ++b) {
      int64_t i = y0 + a, j = x0 + b;
      v[a][b] = i >= 0 && i < h && j >= 0 && j < w ? plane[i * w + j] : 0.0;
    }
  return float((1 - ly) * (1 - lx) * v[0][0] + (1 - ly) * lx * v[0][1] +
               ly * (1 - lx) * v[1][0] + ly * lx * v[1][1]);
}

/// Samples, for input channels [c0, c1) of batch element n, every tap of
/// output pixel (oh, ow) into s [c - c0][tap].
CNNK_INLINE void deformSamples(const DeformConvParams &p,
                               const float *__restrict x,
                               const float *__restrict off, int64_t c0,
                               int64_t c1, int64_t oh, int64_t ow,
                               float *__restrict s) {
  const ConvGeom &g = p.geom;
  int64_t kh = g.kernel[1], kw = g.kernel[2], taps = g.kSize;
  int64_t perGroup = p.channels / p.offsetGroups, at = oh * g.out[2] + ow;
  int64_t y0 = oh * g.stride[1] - g.padBegin[1];
  int64_t x0 = ow * g.stride[2] - g.padBegin[2];
  for (int64_t c = c0; c < c1; ++c) {
    const float *offG = off + (c / perGroup) * 2 * taps * g.outSize + at;
    for (int64_t i = 0; i < kh; ++i)
      for (int64_t j = 0; j < kw; ++j) {
        int64_t k = i * kw + j;
        double dy = offG[2 * k * g.outSize], dx = offG[(2 * k + 1) * g.outSize];
        double sy = double(y0 + i * g.dilation[1]) + dy;
        double sx = double(x0 + j * g.dilation[2]) + dx;
        s[(c - c0) * taps + k] =
            bilinear(x + c * g.inSize, g.in[1], g.in[2], sy, sx);
      }
  }
}

/// Adds the contribution of input channels [c0, c1) (samples s) to every
/// output channel of pixel `at` of ym (plane pitch outSize).
CNNK_INLINE void deformAccumulate(const DeformConvParams &p,
                                  const float *__restrict w,
                                  const float *__restrict s, int64_t c0,
                                  int64_t c1, float *__restrict y) {
  const ConvGeom &g = p.geom;
  int64_t taps = g.kSize, cg = p.channels / p.groups;
  int64_t mg = p.outChannels / p.groups;
  for (int64_t m = 0; m < p.outChannels; ++m) {
    int64_t gi = m / mg;
    int64_t lo = max(c0, gi * cg), hi = min(c1, (gi + 1) * cg);
    if (lo >= hi)
      continue;
    float acc = y[m * g.outSize];
    for (int64_t c = lo; c < hi; ++c) {
      const float *wc = w + (m * cg + c - gi * cg) * taps;
      const float *sc = s + (c - c0) * taps;
      for (int64_t k = 0; k < taps; ++k)
        acc += wc[k] * sc[k];
    }
    y[m * g.outSize] = acc;
  }
}

void deformConv(const DeformConvParams &p, void *const *bufs, int64_t begin,
                int64_t end) {
  const float *x = in(bufs, 0), *off = in(bufs, 1), *w = in(bufs, 2);
  const float *bias = in(bufs, 3);
  float *y = out(bufs, 4);
  const ConvGeom &g = p.geom;
  float s[kDeformSamples];
  int64_t chunk = max<int64_t>(1, kDeformSamples / g.kSize);
  int64_t offChannels = 2 * p.offsetGroups * g.kSize;
  for (int64_t t = begin; t < end; ++t) {
    int64_t oh = t % g.out[1], n = t / g.out[1];
    const float *xn = x + n * p.channels * g.inSize;
    const float *offN = off + n * offChannels * g.outSize;
    float *yn = y + n * p.outChannels * g.outSize;
    for (int64_t ow = 0; ow < g.out[2]; ++ow) {
      float *yp = yn + oh * g.out[2] + ow;
      for (int64_t m = 0; m < p.outChannels; ++m)
        yp[m * g.outSize] = p.hasBias ? bias[m] : 0.0f;
      for (int64_t c0 = 0; c0 < p.channels; c0 += chunk) {
        int64_t c1 = min(c0 + chunk, p.channels);
        deformSamples(p, xn, offN, c0, c1, oh, ow, s);
        deformAccumulate(p, w, s, c0, c1, yp);
      }
    }
  }
}

} // namespace

CNNK_KERNEL(unshared_conv, UnsharedConvParams, unsharedConv)
CNNK_KERNEL(deform_conv, DeformConvParams, deformConv)
