//===- WindowTaps.h - Sliding-window helpers of the kernels -----*- C++ -*-===//
//
// What the direct convolution and pooling kernels (plain and blocked)
// share about a window sliding over one axis: the taps that fall inside the
// input, avg_pool's divisor, and max with PyTorch's NaN rule. Semantics as
// the interpreter's (ir/Window.h, ir/ops/PoolOps.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CPU_KERNELS_WINDOWTAPS_H
#define CNNC_COMPILER_CPU_KERNELS_WINDOWTAPS_H

#include "compiler/cpu/kernels/Kernel.h"

namespace cnnk {

/// Taps [lo, hi) of a window, lo <= hi <= the kernel size.
struct TapRange {
  int64_t lo;
  int64_t hi;
};

/// The taps of a window starting at `start` (kernel k, dilation d) that
/// fall inside [0, n); an empty range when none does.
CNNK_INLINE TapRange tapRange(int64_t start, int64_t k, int64_t d, int64_t n) {
  int64_t lo = start >= 0 ? 0 : (-start + d - 1) / d;
  int64_t hi = start >= n ? 0 : min(k, (n - 1 - start) / d + 1);
  return {min(lo, k), max(min(lo, k), hi)};
}

/// avg_pool's divisor on one axis of params `p` (PoolParams or
/// PoolBlockedParams): the taps inside the input, or with
/// count_include_pad the taps before the end of the padded input.
template <typename P>
CNNK_INLINE int64_t poolDivisor(const P &p, int axis, int64_t start,
                                TapRange taps) {
  if (!p.countIncludePad)
    return taps.hi - taps.lo;
  int64_t last = p.in[axis] + p.padEnd[axis] - 1 - start;
  return last < 0 ? 0 : min(p.kernel[axis], last / p.dilation[axis] + 1);
}

/// Where output row `row` of a pool reads (rows ordered plane, od, oh;
/// params `p` a PoolParams or PoolBlockedParams): its plane, the window
/// starts along D and H and their taps inside the input.
struct PoolRow {
  int64_t plane, startD, startH;
  TapRange td, th;
};
template <typename P>
CNNK_INLINE PoolRow poolRowWindow(const P &p, int64_t row) {
  int64_t planeRows = p.out[0] * p.out[1];
  int64_t od = row % planeRows / p.out[1], oh = row % p.out[1];
  PoolRow r;
  r.plane = row / planeRows;
  r.startD = od * p.stride[0] - p.padBegin[0];
  r.startH = oh * p.stride[1] - p.padBegin[1];
  r.td = tapRange(r.startD, p.kernel[0], p.dilation[0], p.in[0]);
  r.th = tapRange(r.startH, p.kernel[1], p.dilation[1], p.in[1]);
  return r;
}

/// max with PyTorch's NaN rule: a NaN wins.
template <typename T> CNNK_INLINE T maxNaN(T best, T v) {
  return (v > best || v != v) ? v : best;
}

} // namespace cnnk

#endif
