//===- conv.cuh - Convolution: implicit GEMM and depthwise -----*- CUDA -*-===//
//
// conv_igemm   every conv but depthwise ones, as an implicit GEMM per group
//              (gemm.cuh's tiled main loop): M = output channels of the
//              group, N = batch * output pixels (the batch folded into the
//              pixels), K = C/groups * kernel taps ordered (c, kd, kh, kw).
//              A is the weights packed as [groups][Kpad][Mpad] (zero
//              padded to whole tiles: loads along M coalesce and need no
//              bounds checks); B is im2col(x) gathered while staging: each
//              thread keeps the coordinates of its staged pixels (along N,
//              consecutive across threads) and decomposes each K row once.
//              Bias and the epilogue are applied to the registers before
//              the store. The staging is double-buffered (gemm.cuh).
// conv_depthwise  C/groups == 1: one thread per output, the taps unrolled.
// conv_pack    the packing of conv_igemm's weights, run on the GPU when the
//              weights are not a constant.
//
// Geometry members (three axes; a 1D or 2D conv has leading axes of size
// 1): in0..2, out0..2, k0..2, s0..2, d0..2, p0..2 (pads before), pad_mode
// (0 zeros, 1 reflect, 2 replicate, 3 circular), insz, outsz, ksz.
//
//===----------------------------------------------------------------------===//
#pragma once
#include "cnnk/gemm.cuh"
#include "cnnk/prelude.cuh"

namespace cnnk {

/// The input coordinate padded coordinate p reads on an axis of size n
/// under padding `mode`, or -1 (a zero): as the interpreter's padCoord.
__device__ __forceinline__ int convPadCoord(int p, int n, int mode) {
  if (p >= 0 && p < n)
    return p;
  if (mode == 1)
    return p < 0 ? -p : 2 * (n - 1) - p;
  if (mode == 2)
    return p < 0 ? 0 : n - 1;
  if (mode == 3)
    return (p % n + n) % n;
  return -1;
}

/// x[(z, y, w) + tap offsets] of one input plane under the padding mode,
/// zero outside.
template <class P>
__device__ __forceinline__ float convTap(const float *plane, int z, int y,
                                         int w) {
  z = convPadCoord(z, P::in0, P::pad_mode);
  y = convPadCoord(y, P::in1, P::pad_mode);
  w = convPadCoord(w, P::in2, P::pad_mode);
  if (z < 0 || y < 0 || w < 0)
    return 0.0f;
  return __ldg(plane + (z * P::in1 + y) * P::in2 + w);
}

/// Loads conv_igemm's weight tile: bk x bm of the packed [kpad][mpad]
/// matrix of a group (whole tiles: no bounds), m fastest across threads.
template <class P> struct PackedLoader {
  using S = Tile<P>;
  const float *src; // the group's matrix at column m0
  float r[S::AP];

  __device__ __forceinline__ void load(int k0) {
    const int tid = int(threadIdx.x);
#pragma unroll
    for (int i = 0; i < S::AP; ++i) {
      int e = tid + i * S::T;
      if (S::BK * S::BM % S::T == 0 || e < S::BK * S::BM)
        r[i] = __ldg(src + (k0 + e / S::BM) * P::mpad + e % S::BM);
    }
  }
  __device__ __forceinline__ void store(float *dst) const {
    const int tid = int(threadIdx.x);
#pragma unroll
    for (int i = 0; i < S::AP; ++i) {
      int e = tid + i * S::T;
      if (S::BK * S::BM % S::T == 0 || e < S::BK * S::BM)
        dst[(e / S::BM) * S::LDA + e % S::BM] = r[i];
    }
  }
};

/// Gathers conv_igemm's im2col tile: bk rows of K by bn pixels of N. The
/// thread stages pixels ln + j * LN (consecutive across threads, so loads
/// along W coalesce) of rows krow + r * KR; each pixel's batch offset and
/// window origin are computed once, each K row's (c, kd, kh, kw) once per
/// step.
template <class P> struct Im2colLoader {
  using S = Tile<P>;
  const float *x;
  int ln, krow;
  int base[S::NP], iz[S::NP], iy[S::NP], ix[S::NP];
  float r[S::KP][S::NP];

  __device__ __forceinline__ void init(const float *xp, int g, int n0) {
    const int tid = int(threadIdx.x);
    x = xp;
    ln = tid % S::LN;
    krow = tid / S::LN;
#pragma unroll
    for (int j = 0; j < S::NP; ++j) {
      int p = n0 + ln + j * S::LN;
      int b = p / P::outsz, o = p % P::outsz;
      int ow = o % P::out2, oh = (o / P::out2) % P::out1;
      int od = o / (P::out2 * P::out1);
      base[j] = p < P::npix ? (b * P::C + g * P::cg) * P::insz : -1;
      iz[j] = od * P::s0 - P::p0;
      iy[j] = oh * P::s1 - P::p1;
      ix[j] = ow * P::s2 - P::p2;
    }
  }
  __device__ __forceinline__ void load(int k0) {
#pragma unroll
    for (int i = 0; i < S::KP; ++i) {
      int gk = k0 + krow + i * S::KR;
      int c = gk / P::ksz, t = gk % P::ksz;
      int kw = t % P::k2, kh = (t / P::k2) % P::k1, kd = t / (P::k2 * P::k1);
      bool row = (S::BK % S::KR == 0 || krow + i * S::KR < S::BK) && gk < P::K;
#pragma unroll
      for (int j = 0; j < S::NP; ++j)
        r[i][j] =
            row && base[j] >= 0
                ? convTap<P>(x + base[j] + c * P::insz, iz[j] + kd * P::d0,
                             iy[j] + kh * P::d1, ix[j] + kw * P::d2)
                : 0.0f;
    }
  }
  __device__ __forceinline__ void store(float *dst) const {
#pragma unroll
    for (int i = 0; i < S::KP; ++i) {
      int kk = krow + i * S::KR;
      if (S::BK % S::KR == 0 || kk < S::BK)
#pragma unroll
        for (int j = 0; j < S::NP; ++j)
          dst[kk * S::LDB + ln + j * S::LN] = r[i][j];
    }
  }
};

/// Buffers: x, w (packed [groups][kpad][mpad]), bias, res, y. Members:
/// the geometry, batch, C, M (all output channels), groups, cg, mg, K,
/// kpad, mpad, npix = batch * outsz, has_bias, the tile and the epilogue.
/// Grid (npix / bn, mg / bm, groups).
template <class P> __device__ void conv_igemm(const Args &a) {
  using S = Tile<P>;
  const float *x = a.p[0], *w = a.p[1], *bias = a.p[2], *res = a.p[3];
  float *y = a.p[4];
  const int g = int(blockIdx.z);
  const int m0 = int(blockIdx.y) * S::BM, n0 = int(blockIdx.x) * S::BN;
  PackedLoader<P> la;
  la.src = w + g * (P::kpad * P::mpad) + m0;
  Im2colLoader<P> lb;
  lb.init(x, g, n0);
  float acc[S::TM][S::TN];
  tileMainLoop<P>(P::K, acc, la, lb);
  const int tid = int(threadIdx.x);
  const int tx = tid % S::CT, ty = tid / S::CT;
  int out[S::TN];
#pragma unroll
  for (int j = 0; j < S::TN; ++j) {
    int p = n0 + tx + j * S::CT;
    out[j] =
        p < P::npix ? (p / P::outsz) * (P::M * P::outsz) + p % P::outsz : -1;
  }
#pragma unroll
  for (int i = 0; i < S::TM; ++i) {
    int m = m0 + ty + i * S::RT;
    if (m < P::mg) {
      int oc = g * P::mg + m;
      float b = P::has_bias ? __ldg(bias + oc) : 0.0f;
#pragma unroll
      for (int j = 0; j < S::TN; ++j)
        if (out[j] >= 0) {
          int idx = out[j] + oc * P::outsz;
          y[idx] = epilogue<P>(acc[i][j] + b, res, idx);
        }
    }
  }
}

/// Buffers: w [groups * mg][K], packed [groups][kpad][mpad] (zeros past K
/// and mg). One thread per packed element (n = groups * kpad * mpad).
template <class P> __device__ void conv_pack(const Args &a) {
  int i = flatIndex();
  if (i >= P::n)
    return;
  int m = i % P::mpad, k = (i / P::mpad) % P::kpad, g = i / (P::mpad * P::kpad);
  a.p[1][i] = m < P::mg && k < P::K ? a.p[0][(g * P::mg + m) * P::K + k] : 0.0f;
}

/// Buffers: x, w [M][1][taps], bias, res, y. One thread per output
/// (n = batch * M * outsz, pixels fastest); output channel oc reads input
/// channel oc / mult.
template <class P> __device__ void conv_depthwise(const Args &a) {
  int i = flatIndex();
  if (i >= P::n)
    return;
  const float *x = a.p[0], *w = a.p[1], *bias = a.p[2], *res = a.p[3];
  int o = i % P::outsz, oc = (i / P::outsz) % P::M, b = i / (P::outsz * P::M);
  int ow = o % P::out2, oh = (o / P::out2) % P::out1,
      od = o / (P::out2 * P::out1);
  const float *plane = x + (b * P::C + oc / P::mult) * P::insz;
  const float *wc = w + oc * P::ksz;
  float acc = P::has_bias ? __ldg(bias + oc) : 0.0f;
#pragma unroll
  for (int kd = 0; kd < P::k0; ++kd)
#pragma unroll
    for (int kh = 0; kh < P::k1; ++kh)
#pragma unroll
      for (int kw = 0; kw < P::k2; ++kw)
        acc += __ldg(wc + (kd * P::k1 + kh) * P::k2 + kw) *
               convTap<P>(plane, od * P::s0 - P::p0 + kd * P::d0,
                          oh * P::s1 - P::p1 + kh * P::d1,
                          ow * P::s2 - P::p2 + kw * P::d2);
  a.p[4][i] = epilogue<P>(acc, res, i);
}

} // namespace cnnk
