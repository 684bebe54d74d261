//===- norm.cuh - Reductions: global pools, softmax, lrn -------*- CUDA -*-===//
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
