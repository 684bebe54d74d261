//===- ConvCommon.h - Helpers of the convolution kernels --------*- C++ -*-===//
//
// Padding-mode coordinates shared by the implicit-GEMM and the direct
// (depthwise) convolution kernels, and the stride-2 vector load of the
// im2col packer.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CPU_KERNELS_CONVCOMMON_H
#define CNNC_COMPILER_CPU_KERNELS_CONVCOMMON_H

#include "compiler/cpu/kernels/Kernel.h"

namespace cnnk {

/// The input coordinate that padded coordinate `p` reads on an axis of size
/// `n` under `mode` (ConvPadMode), or -1 for zero padding; as the
/// interpreter's padCoord (reflect pads are smaller than n, circular ones
/// at most n).
CNNK_INLINE int64_t padCoord(int64_t p, int64_t n, int64_t mode) {
  if (p >= 0 && p < n)
    return p;
  if (mode == kConvPadReflect)
    return p < 0 ? -p : 2 * (n - 1) - p;
  if (mode == kConvPadReplicate)
    return p < 0 ? 0 : n - 1;
  if (mode == kConvPadCircular)
    return (p % n + n) % n;
  return -1;
}

template <typename T, T... I> struct IntSeq {};

/// The even elements of the 2V floats at p: p[0], p[2], ..., p[2V-2].
template <int V, int... I>
CNNK_INLINE Vec<V> evenLanes(Vec<V> lo, Vec<V> hi, IntSeq<int, I...>) {
  return __builtin_shufflevector(lo, hi, (2 * I)...);
}
template <int V> CNNK_INLINE Vec<V> loadEven(const float *p) {
  return evenLanes<V>(load<V>(p), load<V>(p + V),
                      __make_integer_seq<IntSeq, int, V>{});
}

} // namespace cnnk

#endif
