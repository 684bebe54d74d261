//===- PoolBlocked.cpp - Pooling on the NCHWc layout ----------------------===//
//
// pool_blocked         max_pool and avg_pool with x and y in NCHWc: one
//                      vector holds the V channels of a pixel, so each
//                      output pixel is a vector reduction over its taps
//                      inside the input.
// global_pool_blocked  the max or mean over the pixels of each channel
//                      block; y [N,C,1,1] is the same bytes in the plain
//                      and the blocked layout.
//
// Semantics as Pool.cpp (ir/ops/PoolOps.cpp): padding never wins a max, a
// NaN does; the average divides by the window clipped to the padded input
// (count_include_pad) or by its taps inside the input.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/kernels/WindowTaps.h"

using namespace cnnk;

namespace {

/// Output row `row` (n, channel block, od, oh).
template <int V>
CNNK_INLINE void poolRow(const PoolBlockedParams &p, const float *__restrict x,
                         float *__restrict y, int64_t row) {
  PoolRow r = poolRowWindow(p, row);
  int64_t plane = r.plane, startD = r.startD, startH = r.startH;
  TapRange td = r.td, th = r.th;
  bool isMax = p.kind == kPoolMax;
  const float *xp = x + plane * p.in[0] * p.in[1] * p.in[2] * V;
  float *yr = y + row * p.out[2] * V;
  int64_t divDH =
      isMax ? 1 : poolDivisor(p, 0, startD, td) * poolDivisor(p, 1, startH, th);
  for (int64_t ow = 0; ow < p.out[2]; ++ow) {
    int64_t startW = ow * p.stride[2] - p.padBegin[2];
    TapRange tw = tapRange(startW, p.kernel[2], p.dilation[2], p.in[2]);
    Vec<V> acc = splat<V>(isMax ? -__builtin_inff() : 0.0f);
    for (int64_t kd = td.lo; kd < td.hi; ++kd)
      for (int64_t kh = th.lo; kh < th.hi; ++kh) {
        const float *xr = xp + ((startD + kd * p.dilation[0]) * p.in[1] +
                                startH + kh * p.dilation[1]) *
                                   p.in[2] * V;
        for (int64_t kw = tw.lo; kw < tw.hi; ++kw) {
          Vec<V> v = load<V>(xr + (startW + kw * p.dilation[2]) * V);
          acc = isMax ? maxNaN(acc, v) : acc + v;
        }
      }
    if (!isMax)
      acc /= splat<V>(float(divDH * poolDivisor(p, 2, startW, tw)));
    store<V>(yr + ow * V, acc);
  }
}

template <int V>
void poolBlockedV(const PoolBlockedParams &p, void *const *bufs, int64_t begin,
                  int64_t end) {
  const float *__restrict x = in(bufs, 0);
  float *__restrict y = out(bufs, 1);
  int64_t hi = min(end * p.perTask, p.rows);
  for (int64_t row = begin * p.perTask; row < hi; ++row)
    poolRow<V>(p, x, y, row);
}

template <int V>
void globalPoolBlockedV(const GlobalPoolBlockedParams &p, void *const *bufs,
                        int64_t begin, int64_t end) {
  const float *__restrict x = in(bufs, 0);
  float *__restrict y = out(bufs, 1);
  bool isMax = p.kind == kPoolMax;
  int64_t hi = min(end * p.perTask, p.planes);
  for (int64_t plane = begin * p.perTask; plane < hi; ++plane) {
    const float *xp = x + plane * p.size * V;
    Vec<V> acc = splat<V>(isMax ? -__builtin_inff() : 0.0f);
    for (int64_t i = 0; i < p.size; ++i) {
      Vec<V> v = load<V>(xp + i * V);
      acc = isMax ? maxNaN(acc, v) : acc + v;
    }
    if (!isMax)
      acc /= splat<V>(float(p.size));
    store<V>(y + plane * V, acc);
  }
}

} // namespace

CNNK_BLOCK_KERNEL(pool_blocked, PoolBlockedParams, poolBlockedV)
CNNK_BLOCK_KERNEL(global_pool_blocked, GlobalPoolBlockedParams,
                  globalPoolBlockedV)
