//===- Softmax.cpp - softmax and log_softmax along any axis ---------------===//
//
// x is viewed as [outer, len, inner] with the softmax axis in the middle.
// The maximum along the axis is subtracted before exponentiating, as the
// interpreter does. With inner == 1 each line is contiguous and vectorised
// along itself; otherwise lines are strided and V of them are computed at
// once, vectorised across the inner positions.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/kernels/Activation.h"

using namespace cnnk;

/// std::max(m, v) of the interpreter: a NaN v is ignored (the sum is NaN
/// anyway).
template <typename T> CNNK_INLINE T maxOf(T m, T v) { return m < v ? v : m; }

template <int V> CNNK_INLINE Vec<V> expLanes(Vec<V> v) { return vexp<V>(v); }

/// (Log-)softmax of one contiguous line of `len` elements.
template <int V>
CNNK_INLINE void softmaxLine(bool log, const float *__restrict x,
                             float *__restrict y, int64_t len) {
  Vec<V> vm = splat<V>(-__builtin_inff());
  int64_t j = 0;
  for (; j + V <= len; j += V)
    vm = maxOf(vm, load<V>(x + j));
  float m = -__builtin_inff();
  for (int l = 0; l < V; ++l)
    m = maxOf(m, vm[l]);
  for (; j < len; ++j)
    m = maxOf(m, x[j]);

  Vec<V> vs = splat<V>(0.0f);
  for (j = 0; j + V <= len; j += V) {
    Vec<V> e = expLanes<V>(load<V>(x + j) - m);
    if (!log)
      store<V>(y + j, e);
    vs += e;
  }
  float sum = 0;
  for (int l = 0; l < V; ++l)
    sum += vs[l];
  for (; j < len; ++j) {
    float e = __builtin_expf(x[j] - m);
    if (!log)
      y[j] = e;
    sum += e;
  }

  if (log) {
    float logSum = __builtin_logf(sum);
    for (j = 0; j + V <= len; j += V)
      store<V>(y + j, (load<V>(x + j) - m) - logSum);
    for (; j < len; ++j)
      y[j] = (x[j] - m) - logSum;
    return;
  }
  for (j = 0; j + V <= len; j += V)
    store<V>(y + j, load<V>(y + j) / sum);
  for (; j < len; ++j)
    y[j] /= sum;
}

/// (Log-)softmax of W lines (W = V, or 1 for the tail) that start at x and
/// y, with their elements `stride` apart.
template <int W>
CNNK_INLINE void softmaxLanes(bool log, const float *__restrict x,
                              float *__restrict y, int64_t len,
                              int64_t stride) {
  Vec<W> m = splat<W>(-__builtin_inff());
  for (int64_t j = 0; j < len; ++j)
    m = maxOf(m, load<W>(x + j * stride));
  Vec<W> sum = splat<W>(0.0f);
  for (int64_t j = 0; j < len; ++j) {
    Vec<W> e = expLanes<W>(load<W>(x + j * stride) - m);
    if (!log)
      store<W>(y + j * stride, e);
    sum += e;
  }
  if (log) {
    Vec<W> logSum = sum;
    for (int l = 0; l < W; ++l)
      logSum[l] = __builtin_logf(sum[l]);
    for (int64_t j = 0; j < len; ++j)
      store<W>(y + j * stride, (load<W>(x + j * stride) - m) - logSum);
    return;
  }
  for (int64_t j = 0; j < len; ++j)
    store<W>(y + j * stride, load<W>(y + j * stride) / sum);
}

template <int V>
static void softmax(const SoftmaxParams &p, void *const *bufs, int64_t begin,
                    int64_t end) {
  const float *__restrict x = in(bufs, 0);
  float *__restrict y = out(bufs, 1);
  bool log = p.log != 0;
  if (p.inner == 1) {
    int64_t hi = min(end * p.block, p.outer);
    for (int64_t r = begin * p.block; r < hi; ++r)
      softmaxLine<V>(log, x + r * p.len, y + r * p.len, p.len);
    return;
  }
  for (int64_t t = begin; t < end; ++t) {
    int64_t o = t / p.chunksPerOuter;
    int64_t i = (t % p.chunksPerOuter) * p.chunk;
    int64_t i1 = min(i + p.chunk, p.inner);
    int64_t base = o * p.len * p.inner;
    for (; i + V <= i1; i += V)
      softmaxLanes<V>(log, x + base + i, y + base + i, p.len, p.inner);
    for (; i < i1; ++i)
      softmaxLanes<1>(log, x + base + i, y + base + i, p.len, p.inner);
  }
}
CNNK_VECTOR_KERNEL(softmax, SoftmaxParams, softmax)
