//===- Unary.cpp - Activations, per-channel ops and maxout ----------------===//
//
// unary    y = act(x), element by element (every activation of the op
//          table, chosen by the params).
// channel  per-channel affine (folded batch_norm) and prelu over
//          x [outer, C, inner].
// maxout   the maximum over groups of k consecutive channels.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/kernels/Activation.h"

using namespace cnnk;

template <int V>
static void unary(const UnaryParams &p, void *const *bufs, int64_t begin,
                  int64_t end) {
  const float *__restrict x = in(bufs, 0);
  float *__restrict y = out(bufs, 1);
  // Task by task: which elements take the vector path depends on the task
  // only, never on how tasks are grouped into ranges.
  for (int64_t t = begin; t < end; ++t) {
    int64_t i = t * p.block, hi = min(i + p.block, p.count);
    for (; i + V <= hi; i += V)
      store<V>(y + i, activate<V>(p.act, load<V>(x + i)));
    for (; i < hi; ++i)
      y[i] = activate(p.act, x[i]);
  }
}
CNNK_VECTOR_KERNEL(unary, UnaryParams, unary)

/// y[0, len) = op(x[0, len)) with channel constants k, s.
template <int V>
CNNK_INLINE void channelRow(int64_t op, const float *__restrict x,
                            float *__restrict y, int64_t len, float k,
                            float s) {
  int64_t i = 0;
  if (op == kChanAffine) {
    for (; i + V <= len; i += V)
      store<V>(y + i, load<V>(x + i) * k + s);
    for (; i < len; ++i)
      y[i] = x[i] * k + s;
    return;
  }
  for (; i + V <= len; i += V) {
    Vec<V> v = load<V>(x + i);
    store<V>(y + i, v < 0 ? v * k : v);
  }
  for (; i < len; ++i)
    y[i] = x[i] < 0 ? k * x[i] : x[i];
}

template <int V>
static void channel(const ChannelParams &p, void *const *bufs, int64_t begin,
                    int64_t end) {
  const float *__restrict x = in(bufs, 0);
  const float *__restrict k = in(bufs, 1);
  const float *__restrict s = in(bufs, 2);
  float *__restrict y = out(bufs, 3);
  if (p.lanes) {
    // Blocked: a plane (n, channel block) of inner pixels of b = lanes
    // channels; tasks hold whole pixels (block is a multiple of b).
    const int64_t b = p.lanes;
    for (int64_t t = begin; t < end; ++t) {
      int64_t lo = t * p.block, hi = min(lo + p.block, p.count);
      while (lo < hi) {
        int64_t plane = lo / (p.inner * b);
        int64_t len = min((plane + 1) * p.inner * b, hi) - lo;
        int64_t c = plane % (p.channels / b) * b;
        if (b == V) {
          Vec<V> kv = load<V>(k + c), sv = load<V>(s + c);
          for (int64_t i = 0; i < len; i += V) {
            Vec<V> v = load<V>(x + lo + i);
            store<V>(y + lo + i, p.op == kChanAffine ? v * kv + sv
                                                     : (v < 0 ? v * kv : v));
          }
        } else {
          // A block of another width than the target's vectors.
          for (int64_t i = 0; i < len; ++i) {
            int64_t l = c + i % b;
            float v = x[lo + i];
            y[lo + i] = p.op == kChanAffine ? v * k[l] + s[l]
                                            : (v < 0 ? k[l] * v : v);
          }
        }
        lo += len;
      }
    }
    return;
  }
  for (int64_t t = begin; t < end; ++t) {
    int64_t lo = t * p.block, hi = min(lo + p.block, p.count);
    while (lo < hi) {
      int64_t plane = lo / p.inner, offset = lo % p.inner;
      int64_t len = min(p.inner - offset, hi - lo);
      int64_t c = plane % p.channels;
      channelRow<V>(p.op, x + lo, y + lo, len, k[c], s[c]);
      lo += len;
    }
  }
}
CNNK_VECTOR_KERNEL(channel, ChannelParams, channel)

template <int V>
static void maxout(const MaxoutParams &p, void *const *bufs, int64_t begin,
                   int64_t end) {
  const float *__restrict x = in(bufs, 0);
  float *__restrict y = out(bufs, 1);
  int64_t hiPlane = min(end * p.block, p.planes);
  for (int64_t plane = begin * p.block; plane < hiPlane; ++plane) {
    // Plane (n, g) reads channels g*k .. g*k+k-1 of batch n: those planes
    // are consecutive in x.
    const float *src = x + plane * p.k * p.inner;
    float *dst = y + plane * p.inner;
    int64_t i = 0;
    for (; i + V <= p.inner; i += V) {
      Vec<V> m = load<V>(src + i);
      for (int64_t c = 1; c < p.k; ++c) {
        Vec<V> v = load<V>(src + c * p.inner + i);
        m = (m != m || m > v) ? m : v;
      }
      store<V>(dst + i, m);
    }
    for (; i < p.inner; ++i) {
      float m = src[i];
      for (int64_t c = 1; c < p.k; ++c) {
        float v = src[c * p.inner + i];
        m = (m != m || m > v) ? m : v;
      }
      dst[i] = m;
    }
  }
}
CNNK_VECTOR_KERNEL(maxout, MaxoutParams, maxout)
