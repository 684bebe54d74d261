//===- conv_variants.cuh - Transposed, unshared, deformable ---*- CUDA -*-===//
//
// Plain kernels of the rarer convolutions, one thread per output element
// (n = the output's element count, pixels fastest), the taps and input
// channels looped (ir/ops/ConvOps.cpp and ConvVariantOps.cpp define them):
//   conv_transpose  gather form: output o sums the taps k whose input
//                   coordinate (o + pad - k * d) / s is whole and inside.
//   unshared_conv   locally_connected and tiled_conv: output (oh, ow) uses
//                   the weights w[oh % th][ow % tw].
//   deform_conv     bilinear samples of x at the offset taps (torchvision's
//                   deform_conv2d without mask), then a grouped conv.
// Weights are read as the graph lays them out.
//
//===----------------------------------------------------------------------===//
#pragma once
#include "cnnk/prelude.cuh"

namespace cnnk {

/// The input coordinate tap k of output coordinate o reads on a transposed
/// conv axis (input size n, stride s, dilation d, pad before p), or -1.
__device__ __forceinline__ int transposeCoord(int o, int k, int n, int s, int d,
                                              int p) {
  int t = o + p - k * d;
  if (t < 0 || t % s != 0 || t / s >= n)
    return -1;
  return t / s;
}

/// Buffers: x [batch][C][in], w [C][mg][taps], bias, y [batch][M][out].
/// Members: the three-axis geometry (in*, out*, k*, s*, d*, p*, insz,
/// outsz, ksz), C, M, cg, mg, has_bias.
template <class P> __device__ void conv_transpose(const Args &a) {
  int i = flatIndex();
  if (i >= P::n)
    return;
  const float *x = a.p[0], *w = a.p[1], *bias = a.p[2];
  int o = i % P::outsz, m = (i / P::outsz) % P::M, b = i / (P::outsz * P::M);
  int ow = o % P::out2, oh = (o / P::out2) % P::out1,
      od = o / (P::out2 * P::out1);
  int grp = m / P::mg;
  const float *xg = x + (b * P::C + grp * P::cg) * P::insz;
  const float *wm = w + (grp * P::cg * P::mg + m % P::mg) * P::ksz;
  float acc = P::has_bias ? bias[m] : 0.0f;
  for (int kd = 0; kd < P::k0; ++kd) {
    int z = transposeCoord(od, kd, P::in0, P::s0, P::d0, P::p0);
    if (z < 0)
      continue;
    for (int kh = 0; kh < P::k1; ++kh) {
      int yy = transposeCoord(oh, kh, P::in1, P::s1, P::d1, P::p1);
      if (yy < 0)
        continue;
      for (int kw = 0; kw < P::k2; ++kw) {
        int xx = transposeCoord(ow, kw, P::in2, P::s2, P::d2, P::p2);
        if (xx < 0)
          continue;
        int tap = (kd * P::k1 + kh) * P::k2 + kw;
        int at = (z * P::in1 + yy) * P::in2 + xx;
        for (int c = 0; c < P::cg; ++c)
          acc += __ldg(wm + c * (P::mg * P::ksz) + tap) *
                 __ldg(xg + c * P::insz + at);
      }
    }
  }
  a.p[3][i] = acc;
}

/// Buffers: x [batch][C][in1][in2], w [th][tw][M][C][k1][k2], bias ([M]
/// or, bias_pp, [M][out1][out2]), y [batch][M][out1][out2]. Members: the
/// 2D geometry (in1, in2, out1, out2, k1, k2, s1, s2, d1, d2, p1, p2), C,
/// M, th, tw, has_bias, bias_pp.
template <class P> __device__ void unshared_conv(const Args &a) {
  int i = flatIndex();
  if (i >= P::n)
    return;
  const float *x = a.p[0], *w = a.p[1], *bias = a.p[2];
  constexpr int outsz = P::out1 * P::out2, insz = P::in1 * P::in2;
  constexpr int ksz = P::k1 * P::k2;
  int o = i % outsz, m = (i / outsz) % P::M, b = i / (outsz * P::M);
  int ow = o % P::out2, oh = o / P::out2;
  int pos = (oh % P::th) * P::tw + ow % P::tw;
  const float *wm = w + ((pos * P::M + m) * P::C) * ksz;
  const float *xb = x + b * P::C * insz;
  float acc = 0.0f;
  if (P::has_bias)
    acc = P::bias_pp ? bias[m * outsz + o] : bias[m];
  for (int c = 0; c < P::C; ++c)
    for (int kh = 0; kh < P::k1; ++kh) {
      int yy = oh * P::s1 - P::p1 + kh * P::d1;
      if (yy < 0 || yy >= P::in1)
        continue;
      for (int kw = 0; kw < P::k2; ++kw) {
        int xx = ow * P::s2 - P::p2 + kw * P::d2;
        if (xx >= 0 && xx < P::in2)
          acc += __ldg(wm + (c * P::k1 + kh) * P::k2 + kw) *
                 __ldg(xb + c * insz + yy * P::in2 + xx);
      }
    }
  a.p[3][i] = acc;
}

/// Bilinear sample of an h x w plane at (sy, sx) as torchvision: zero
/// outside (-1, h) x (-1, w), corners outside the plane count zero, NaN
/// stays NaN.
__device__ __forceinline__ float deformSample(const float *plane, int h, int w,
                                              float sy, float sx) {
  if (sy != sy || sx != sx)
    return sy + sx;
  if (sy <= -1.0f || sy >= float(h) || sx <= -1.0f || sx >= float(w))
    return 0.0f;
  float fy = floorf(sy), fx = floorf(sx);
  int y0 = int(fy), x0 = int(fx);
  float ly = sy - fy, lx = sx - fx;
  float v00 = 0.0f, v01 = 0.0f, v10 = 0.0f, v11 = 0.0f;
  bool top = y0 >= 0, bottom = y0 + 1 < h, left = x0 >= 0, right = x0 + 1 < w;
  if (top && left)
    v00 = __ldg(plane + y0 * w + x0);
  if (top && right)
    v01 = __ldg(plane + y0 * w + x0 + 1);
  if (bottom && left)
    v10 = __ldg(plane + (y0 + 1) * w + x0);
  if (bottom && right)
    v11 = __ldg(plane + (y0 + 1) * w + x0 + 1);
  return (1.0f - ly) * (1.0f - lx) * v00 + (1.0f - ly) * lx * v01 +
         ly * (1.0f - lx) * v10 + ly * lx * v11;
}

/// Buffers: x [batch][C][in1][in2], offset [batch][2 * og * taps][out1]
/// [out2] as (dy, dx) per tap, w [M][cg][k1][k2], bias, y. Members: the 2D
/// geometry, C, M, cg, mg, og (offset groups), has_bias.
template <class P> __device__ void deform_conv(const Args &a) {
  int i = flatIndex();
  if (i >= P::n)
    return;
  const float *x = a.p[0], *off = a.p[1], *w = a.p[2], *bias = a.p[3];
  constexpr int outsz = P::out1 * P::out2, insz = P::in1 * P::in2;
  constexpr int taps = P::k1 * P::k2, perOffGroup = P::C / P::og;
  int o = i % outsz, m = (i / outsz) % P::M, b = i / (outsz * P::M);
  int ow = o % P::out2, oh = o / P::out2;
  int grp = m / P::mg;
  const float *xb = x + b * P::C * insz;
  const float *offB = off + b * (2 * P::og * taps) * outsz + o;
  const float *wm = w + m * P::cg * taps;
  float y0 = float(oh * P::s1 - P::p1), x0 = float(ow * P::s2 - P::p2);
  float acc = P::has_bias ? bias[m] : 0.0f;
  for (int cc = 0; cc < P::cg; ++cc) {
    int c = grp * P::cg + cc;
    const float *offG = offB + (c / perOffGroup) * 2 * taps * outsz;
    for (int kh = 0; kh < P::k1; ++kh)
      for (int kw = 0; kw < P::k2; ++kw) {
        int k = kh * P::k2 + kw;
        float sy = y0 + float(kh * P::d1) + offG[2 * k * outsz];
        float sx = x0 + float(kw * P::d2) + offG[(2 * k + 1) * outsz];
        acc += __ldg(wm + cc * taps + k) *
               deformSample(xb + c * insz, P::in1, P::in2, sy, sx);
      }
  }
  a.p[4][i] = acc;
}

} // namespace cnnk
