//===- pool.cuh - max_pool, avg_pool and maxout ----------------*- CUDA -*-===//
//
// pool    max_pool and avg_pool over 1-3 spatial axes, padded by the
//         lowering to three (D, H, W; a missing axis has size, kernel and
//         stride 1). One thread per output element walks its window: the
//         kernel, stride, dilation and pads are constants, so the tap loops
//         unroll. Semantics of ir/ops/PoolOps.cpp: padding never wins a
//         max (a window of padding only gives -inf), a NaN does; the
//         average divides by the window clipped to the padded input
//         (count_include_pad) or by its taps inside the input.
// maxout  the max of k consecutive channels, a NaN winning.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "cnnk/prelude.cuh"

namespace cnnk {

/// max with PyTorch's NaN rule: a NaN wins over anything.
__device__ __forceinline__ float poolMaxNaN(float best, float v) {
  return (v > best || v != v) ? v : best;
}

/// The taps of a window starting at `start` of `k` taps `d` apart that
/// fall before `end` (the padded input's end).
__device__ __forceinline__ int poolClipped(int start, int k, int d, int end) {
  int last = end - 1 - start;
  return last < 0 ? 0 : (k < last / d + 1 ? k : last / d + 1);
}

/// p[0] x [planes, in(0), in(1), in(2)], p[1] y [planes, out(0..2)].
/// Lists of three (D, H, W): in, out, kernel, stride, dil, pb, pe; is_max,
/// cip (count_include_pad).
template <class P> __device__ void pool(const Args &a) {
  const float *__restrict x = a.p[0];
  float *__restrict y = a.p[1];
  constexpr int planeIn = P::in(0) * P::in(1) * P::in(2);
  for (unsigned i = flatIndex(); i < unsigned(P::n);
       i += gridDim.x * blockDim.x) {
    int od, oh, ow;
    int plane = splitOut3<P>(int(i), od, oh, ow);
    int sd = od * P::stride(0) - P::pb(0);
    int sh = oh * P::stride(1) - P::pb(1);
    int sw = ow * P::stride(2) - P::pb(2);
    const float *xp = x + plane * planeIn;
    float best = -CNNK_INF, sum = 0.0f;
    int inside = 0;
    for (int kd = 0; kd < P::kernel(0); ++kd) {
      int id = sd + kd * P::dil(0);
      if (id < 0 || id >= P::in(0))
        continue;
      for (int kh = 0; kh < P::kernel(1); ++kh) {
        int ih = sh + kh * P::dil(1);
        if (ih < 0 || ih >= P::in(1))
          continue;
        const float *row = xp + (id * P::in(1) + ih) * P::in(2);
#pragma unroll
        for (int kw = 0; kw < P::kernel(2); ++kw) {
          int iw = sw + kw * P::dil(2);
          if (iw < 0 || iw >= P::in(2))
            continue;
          float v = row[iw];
          if (P::is_max)
            best = poolMaxNaN(best, v);
          else
            sum += v;
          ++inside;
        }
      }
    }
    if (P::is_max) {
      y[i] = best;
      continue;
    }
    int divisor = inside;
    if (P::cip) {
      divisor =
          poolClipped(sd, P::kernel(0), P::dil(0), P::in(0) + P::pe(0)) *
          poolClipped(sh, P::kernel(1), P::dil(1), P::in(1) + P::pe(1)) *
          poolClipped(sw, P::kernel(2), P::dil(2), P::in(2) + P::pe(2));
    }
    y[i] = sum / float(divisor);
  }
}

/// p[0] x [outer, groups * k, inner], p[1] y [outer, groups, inner]:
/// y = the max over the k channels of each group (a NaN wins). P::groups,
/// P::k, P::inner.
template <class P> __device__ void maxout(const Args &a) {
  const float *__restrict x = a.p[0];
  float *__restrict y = a.p[1];
  for (unsigned i = flatIndex(); i < unsigned(P::n);
       i += gridDim.x * blockDim.x) {
    int s = int(i) % P::inner, rest = int(i) / P::inner;
    int g = rest % P::groups, b = rest / P::groups;
    const float *xp = x + ((b * P::groups + g) * P::k) * P::inner + s;
    float m = xp[0];
#pragma unroll 4
    for (int j = 1; j < P::k; ++j) {
      float v = xp[j * P::inner];
      m = (m != m || m > v) ? m : v;
    }
    y[i] = m;
  }
}

} // namespace cnnk
