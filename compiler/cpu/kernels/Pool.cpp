//===- Pool.cpp - Max, average and global pooling -------------------------===//
//
// pool         max_pool and avg_pool over 1-3 spatial axes, normalised to
//              three (D, H, W). A task computes whole output rows, tap by
//              tap: each kernel tap is folded into the part of the row it
//              reaches inside the input, V outputs at a time at stride 1.
// global_pool  the max or mean of each (n, c) plane.
//
// Semantics of ir/ops/PoolOps.cpp: padding never wins a max (a window of
// padding only gives -inf), a NaN does; the average divides by the window's
// taps inside the padded input (count_include_pad) or by its taps inside
// the input, dilated windows included.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/kernels/WindowTaps.h"

using namespace cnnk;

namespace {

/// y[lo, hi) = op(y, x[i * stride]): one kernel tap of a whole output row.
template <int V>
CNNK_INLINE void accumulateTap(bool isMax, float *__restrict y,
                               const float *__restrict x, int64_t stride,
                               int64_t lo, int64_t hi) {
  int64_t o = lo;
  if (stride == 1)
    for (; o + V <= hi; o += V) {
      Vec<V> a = load<V>(y + o), v = load<V>(x + o);
      store<V>(y + o, isMax ? maxNaN(a, v) : a + v);
    }
  for (; o < hi; ++o)
    y[o] = isMax ? maxNaN(y[o], x[o * stride]) : y[o] + x[o * stride];
}

/// Output row `row` (plane, od, oh): the row starts at the identity of the
/// reduction, every tap (kd, kh, kw) inside the input is folded into the
/// outputs it reaches (in the interpreter's tap order for each output),
/// then averages are divided.
template <int V>
CNNK_INLINE void poolRow(const PoolParams &p, const float *__restrict x,
                         float *__restrict y, int64_t row) {
  PoolRow r = poolRowWindow(p, row);
  int64_t plane = r.plane, startD = r.startD, startH = r.startH;
  TapRange td = r.td, th = r.th;
  bool isMax = p.kind == kPoolMax;
  int64_t width = p.out[2], s = p.stride[2];
  float *__restrict yr = y + row * width;
  for (int64_t o = 0; o < width; ++o)
    yr[o] = isMax ? -__builtin_inff() : 0.0f;
  const float *xp = x + plane * p.in[0] * p.in[1] * p.in[2];
  for (int64_t kd = td.lo; kd < td.hi; ++kd)
    for (int64_t kh = th.lo; kh < th.hi; ++kh) {
      const float *xr = xp + ((startD + kd * p.dilation[0]) * p.in[1] + startH +
                              kh * p.dilation[1]) *
                                 p.in[2];
      for (int64_t kw = 0; kw < p.kernel[2]; ++kw) {
        // Output o reads x[o*s + off] of this row, inside for o in [lo, hi).
        int64_t off = kw * p.dilation[2] - p.padBegin[2];
        int64_t lo = off >= 0 ? 0 : (-off + s - 1) / s;
        int64_t hi =
            p.in[2] - 1 - off < 0 ? 0 : min(width, (p.in[2] - 1 - off) / s + 1);
        if (lo < hi)
          accumulateTap<V>(isMax, yr + lo, xr + lo * s + off, s, 0, hi - lo);
      }
    }
  if (isMax)
    return;
  int64_t divDH = poolDivisor(p, 0, startD, td) * poolDivisor(p, 1, startH, th);
  auto divideAt = [&](int64_t o) {
    int64_t startW = o * s - p.padBegin[2];
    TapRange tw = tapRange(startW, p.kernel[2], p.dilation[2], p.in[2]);
    yr[o] /= float(divDH * poolDivisor(p, 2, startW, tw));
  };
  int64_t o = 0;
  for (; o < p.owLo; ++o)
    divideAt(o);
  // Inside the input on W, the divisor is the kernel width.
  float inner = float(divDH * p.kernel[2]);
  for (; o + V <= p.owHi; o += V)
    store<V>(yr + o, load<V>(yr + o) / inner);
  for (; o < p.owHi; ++o)
    yr[o] /= inner;
  for (; o < width; ++o)
    divideAt(o);
}

template <int V>
void pool(const PoolParams &p, void *const *bufs, int64_t begin, int64_t end) {
  const float *__restrict x = in(bufs, 0);
  float *__restrict y = out(bufs, 1);
  int64_t hi = min(end * p.block, p.rows);
  for (int64_t row = begin * p.block; row < hi; ++row)
    poolRow<V>(p, x, y, row);
}

template <int V>
void globalPool(const GlobalPoolParams &p, void *const *bufs, int64_t begin,
                int64_t end) {
  const float *__restrict x = in(bufs, 0);
  float *__restrict y = out(bufs, 1);
  bool isMax = p.kind == kPoolMax;
  int64_t hi = min(end * p.block, p.planes);
  for (int64_t plane = begin * p.block; plane < hi; ++plane) {
    const float *xp = x + plane * p.size;
    float init = isMax ? -__builtin_inff() : 0.0f;
    Vec<V> vacc = splat<V>(init);
    int64_t i = 0;
    for (; i + V <= p.size; i += V) {
      Vec<V> v = load<V>(xp + i);
      vacc = isMax ? maxNaN(vacc, v) : vacc + v;
    }
    float acc = init;
    for (int l = 0; l < V; ++l)
      acc = isMax ? maxNaN(acc, vacc[l]) : acc + vacc[l];
    for (; i < p.size; ++i)
      acc = isMax ? maxNaN(acc, xp[i]) : acc + xp[i];
    y[plane] = isMax ? acc : acc / float(p.size);
  }
}

} // namespace

CNNK_VECTOR_KERNEL(pool, PoolParams, pool)
CNNK_VECTOR_KERNEL(global_pool, GlobalPoolParams, globalPool)
