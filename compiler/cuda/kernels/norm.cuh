//===- norm.cuh - Reductions: pools, softmax, lrn, layer_norm --*- CUDA -*-===//
//
// global_pool        the max or mean of each (n, c) plane: one block per
//                    plane, each thread folding a strided part of it, then
//                    a shared-memory tree reduction. global_pool_thread:
//                    one thread per plane, for small planes.
// softmax_block      (log-)softmax along an axis, x viewed as
//                    [outer, len, inner]: one block per line (outer,
//                    inner) with tree reductions for the maximum and the
//                    sum of exponentials. softmax_thread: one thread per
//                    line, for short lines (consecutive threads read
//                    consecutive inner positions).
// lrn                one thread per element, summing squares over its
//                    window of channels.
// layer_norm_block   layer normalisation of x [rows, len] along len: one
//                    block per row, tree reductions for the sum and the
//                    sum of squared deviations from the mean.
//                    layer_norm_thread: one thread per row, for short rows.
//
// Semantics of the interpreter (ir/ops/NormOps.cpp, PoolOps.cpp): the
// softmax subtracts the line's maximum (a NaN never is the maximum; the
// sum is NaN anyway) before exponentiating; global max pooling lets a NaN
// win. Accumulation is in float.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "cnnk/prelude.cuh"

namespace cnnk {

enum ReduceOp { kReduceSum = 0, kReduceMaxNaN, kReduceMaxIgnoreNaN };

template <int Op>
__device__ __forceinline__ float reduceStep(float m, float v) {
  if (Op == kReduceSum)
    return m + v;
  if (Op == kReduceMaxNaN)
    return (v > m || v != v) ? v : m;
  return m < v ? v : m;
}

/// The reduction over the block's T threads (T a power of two, the block
/// one-dimensional) of each thread's `v`, returned to every thread. Every
/// thread must call it; `red` is T floats of shared memory, reusable after
/// it returns.
template <int T, int Op>
__device__ __forceinline__ float blockReduce(float v, float *red) {
  int t = int(threadIdx.x);
  red[t] = v;
  __syncthreads();
#pragma unroll
  for (int s = T / 2; s > 0; s >>= 1) {
    if (t < s)
      red[t] = reduceStep<Op>(red[t], red[t + s]);
    __syncthreads();
  }
  float r = red[0];
  __syncthreads();
  return r;
}

/// p[0] x [planes, size], p[1] y [planes]; block P::threads per plane.
/// P::is_max, P::size.
template <class P> __device__ void global_pool(const Args &a) {
  constexpr int Op = P::is_max ? kReduceMaxNaN : kReduceSum;
  __shared__ float red[P::threads];
  const float *__restrict xp = a.p[0] + int(blockIdx.x) * P::size;
  float acc = P::is_max ? -CNNK_INF : 0.0f;
  for (int j = int(threadIdx.x); j < P::size; j += P::threads)
    acc = reduceStep<Op>(acc, xp[j]);
  acc = blockReduce<P::threads, Op>(acc, red);
  if (threadIdx.x == 0)
    a.p[1][blockIdx.x] = P::is_max ? acc : acc / float(P::size);
}

/// As global_pool, one thread per plane (P::n planes).
template <class P> __device__ void global_pool_thread(const Args &a) {
  constexpr int Op = P::is_max ? kReduceMaxNaN : kReduceSum;
  for (unsigned i = flatIndex(); i < unsigned(P::n);
       i += gridDim.x * blockDim.x) {
    const float *__restrict xp = a.p[0] + int(i) * P::size;
    float acc = P::is_max ? -CNNK_INF : 0.0f;
    for (int j = 0; j < P::size; ++j)
      acc = reduceStep<Op>(acc, xp[j]);
    a.p[1][i] = P::is_max ? acc : acc / float(P::size);
  }
}

/// The first element of line `line` of x [outer, len, inner] (elements
/// P::inner apart).
template <class P> __device__ __forceinline__ int softmaxBase(int line) {
  return line / P::inner * P::len * P::inner + line % P::inner;
}

/// p[0] x, p[1] y; a block of P::threads per line (grid = lines). P::len,
/// P::inner, P::is_log.
template <class P> __device__ void softmax_block(const Args &a) {
  __shared__ float red[P::threads];
  int base = softmaxBase<P>(int(blockIdx.x));
  const float *__restrict x = a.p[0] + base;
  float *__restrict y = a.p[1] + base;
  float m = -CNNK_INF;
  for (int j = int(threadIdx.x); j < P::len; j += P::threads)
    m = reduceStep<kReduceMaxIgnoreNaN>(m, x[j * P::inner]);
  m = blockReduce<P::threads, kReduceMaxIgnoreNaN>(m, red);
  float sum = 0.0f;
  for (int j = int(threadIdx.x); j < P::len; j += P::threads)
    sum += expf(x[j * P::inner] - m);
  sum = blockReduce<P::threads, kReduceSum>(sum, red);
  float logSum = logf(sum);
  for (int j = int(threadIdx.x); j < P::len; j += P::threads) {
    float shifted = x[j * P::inner] - m;
    y[j * P::inner] = P::is_log ? shifted - logSum : expf(shifted) / sum;
  }
}

/// As softmax_block, one thread per line (P::n lines).
template <class P> __device__ void softmax_thread(const Args &a) {
  for (unsigned i = flatIndex(); i < unsigned(P::n);
       i += gridDim.x * blockDim.x) {
    int base = softmaxBase<P>(int(i));
    const float *__restrict x = a.p[0] + base;
    float *__restrict y = a.p[1] + base;
    float m = -CNNK_INF;
    for (int j = 0; j < P::len; ++j)
      m = reduceStep<kReduceMaxIgnoreNaN>(m, x[j * P::inner]);
    float sum = 0.0f;
    for (int j = 0; j < P::len; ++j)
      sum += expf(x[j * P::inner] - m);
    float logSum = logf(sum);
    for (int j = 0; j < P::len; ++j) {
      float shifted = x[j * P::inner] - m;
      y[j * P::inner] = P::is_log ? shifted - logSum : expf(shifted) / sum;
    }
  }
}

/// Row `row` of layer_norm, its elements handled by
/// threads t, t + T, ... of T (T = 1: the whole row by one thread); the
/// sums go through `reduce` (the block's tree reduction, or nothing).
template <class P, int T, class Reduce>
__device__ __forceinline__ void layerNormRow(const Args &a, int row, int t,
                                             Reduce reduce) {
  const float *__restrict x = a.p[0] + row * P::len;
  float *__restrict y = a.p[3] + row * P::len;
  float s = 0.0f;
  for (int j = t; j < P::len; j += T)
    s += x[j];
  float mean = reduce(s) / float(P::len);
  float q = 0.0f;
  for (int j = t; j < P::len; j += T) {
    float d = x[j] - mean;
    q += d * d;
  }
  float inv = 1.0f / sqrtf(reduce(q) / float(P::len) + P::epsilon);
  if (P::has_stats && t == 0) {
    a.p[4][row] = mean;
    a.p[5][row] = inv;
  }
  for (int j = t; j < P::len; j += T) {
    float v = (x[j] - mean) * inv * a.p[1][j];
    y[j] = P::has_bias ? v + a.p[2][j] : v;
  }
}

/// p[0] x [rows, len], p[1] scale [len], p[2] bias [len] (read only if
/// P::has_bias), p[3] y, p[4] mean [rows] and p[5] 1 / sqrt(var + epsilon)
/// [rows] (written only if P::has_stats): layer normalisation of each row,
/// a block of P::threads per row (grid = rows). P::len, P::epsilon.
template <class P> __device__ void layer_norm_block(const Args &a) {
  __shared__ float red[P::threads];
  layerNormRow<P, P::threads>(a, int(blockIdx.x), int(threadIdx.x),
                              [&](float v) {
                                return blockReduce<P::threads, kReduceSum>(
                                    v, red);
                              });
}

/// As layer_norm_block, one thread per row (P::n rows), for short rows.
template <class P> __device__ void layer_norm_thread(const Args &a) {
  for (unsigned i = flatIndex(); i < unsigned(P::n);
       i += gridDim.x * blockDim.x) {
    layerNormRow<P, 1>(a, int(i), 0, [](float v) { return v; });
  }
}

/// p[0] x [outer, C, inner], p[1] y: x / (bias + a * sum of squares over
/// channels [c - before, c + after])^beta. P::C, P::inner, P::before,
/// P::after, P::alpha (alpha / size), P::beta, P::bias.
template <class P> __device__ void lrn(const Args &a) {
  const float *__restrict x = a.p[0];
  for (unsigned i = flatIndex(); i < unsigned(P::n);
       i += gridDim.x * blockDim.x) {
    int c = int(i) / P::inner % P::C;
    int base = int(i) - c * P::inner;
    int lo = c - P::before < 0 ? 0 : c - P::before;
    int hi = c + P::after > P::C - 1 ? P::C - 1 : c + P::after;
    float sum = 0.0f;
    for (int j = lo; j <= hi; ++j) {
      float v = x[base + j * P::inner];
      sum += v * v;
    }
    a.p[1][i] = x[i] / powf(P::bias + P::alpha * sum, P::beta);
  }
}

} // namespace cnnk
