//===- ConvTranspose.cpp - Transposed convolution in gather form ----------===//
//
// conv_transpose without scatter: each output pixel o sums, over the kernel
// taps k whose input coordinate i = (o + pb - k*d) / s is whole and inside
// the input on every axis, w[c, m % mg, k] * x[n, c, i] over the input
// channels c of m's group. Plain loops (a rare op); a task is one (n, m)
// output plane, so tasks write disjoint planes.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/kernels/Kernel.h"

using namespace cnnk;

namespace {

/// The input coordinate read by tap k at output coordinate o on axis a,
/// or -1.
CNNK_INLINE int64_t transposeCoord(const ConvGeom &g, int a, int64_t o,
                                   int64_t k) {
  int64_t t = o + g.padBegin[a] - k * g.dilation[a];
  if (t < 0 || t % g.stride[a] != 0 || t / g.stride[a] >= g.in[a])
    return -1;
  return t / g.stride[a];
}

/// y[o] for one output pixel (od, oh, ow) of plane m.
CNNK_INLINE float transposePixel(const ConvTransposeParams &p,
                                 const float *__restrict x,
                                 const float *__restrict w, float acc,
                                 int64_t od, int64_t oh, int64_t ow) {
  const ConvGeom &g = p.geom;
  int64_t wStride = p.mg * g.kSize; // between input channels
  for (int64_t kz = 0; kz < g.kernel[0]; ++kz) {
    int64_t iz = transposeCoord(g, 0, od, kz);
    if (iz < 0)
      continue;
    for (int64_t ky = 0; ky < g.kernel[1]; ++ky) {
      int64_t iy = transposeCoord(g, 1, oh, ky);
      if (iy < 0)
        continue;
      for (int64_t kx = 0; kx < g.kernel[2]; ++kx) {
        int64_t ix = transposeCoord(g, 2, ow, kx);
        if (ix < 0)
          continue;
        int64_t tap = (kz * g.kernel[1] + ky) * g.kernel[2] + kx;
        int64_t at = (iz * g.in[1] + iy) * g.in[2] + ix;
        for (int64_t c = 0; c < p.cg; ++c)
          acc += w[c * wStride + tap] * x[c * g.inSize + at];
      }
    }
  }
  return acc;
}

void convTranspose(const ConvTransposeParams &p, void *const *bufs,
                   int64_t begin, int64_t end) {
  const float *x = in(bufs, 0), *w = in(bufs, 1), *bias = in(bufs, 2);
  float *y = out(bufs, 3);
  const ConvGeom &g = p.geom;
  for (int64_t t = begin; t < end; ++t) {
    int64_t m = t % p.outChannels, n = t / p.outChannels;
    int64_t grp = m / p.mg;
    const float *xg = x + (n * p.channels + grp * p.cg) * g.inSize;
    // w [C][mg][kSize]: the group's first input channel, column m % mg.
    const float *wm = w + (grp * p.cg * p.mg + m % p.mg) * g.kSize;
    float b = p.hasBias ? bias[m] : 0.0f;
    float *ym = y + t * g.outSize;
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < g.out[1]; ++oh)
        for (int64_t ow = 0; ow < g.out[2]; ++ow)
          ym[(od * g.out[1] + oh) * g.out[2] + ow] =
              transposePixel(p, xg, wm, b, od, oh, ow);
  }
}

} // namespace

CNNK_KERNEL(conv_transpose, ConvTransposeParams, convTranspose)
