//===- Walk.h - Walking strided iteration spaces row by row -----*- C++ -*-===//
//
// The broadcasting and strided-copy kernels iterate over a row-major space
// of up to kMaxRank axes, reading (or writing) two tensors through per-axis
// element strides. A task owns a flat range of that space; the walker
// splits the range into pieces of the innermost axis and keeps the strided
// offsets with an odometer, so there is one division per axis per task, not
// per element.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CPU_KERNELS_WALK_H
#define CNNC_COMPILER_CPU_KERNELS_WALK_H

#include "compiler/cpu/kernels/Kernel.h"

namespace cnnk {

/// Calls f(offA, offB, flat, len) for each piece of a row covering the flat
/// indices [lo, hi) of the space `shape` (rank >= 1): the piece starts at
/// flat index `flat`, spans `len` elements of the innermost axis, and its
/// first element sits at offA through strides `sa` and offB through `sb`.
template <typename F>
CNNK_INLINE void forEachRowPiece(int64_t rank, const int64_t *shape,
                                 const int64_t *sa, const int64_t *sb,
                                 int64_t lo, int64_t hi, F f) {
  if (lo >= hi)
    return;
  int64_t n = shape[rank - 1];
  int64_t idx[kMaxRank];
  int64_t row = lo / n, inner = lo % n;
  int64_t offA = 0, offB = 0;
  for (int64_t d = rank - 1; d-- > 0;) {
    idx[d] = row % shape[d];
    row /= shape[d];
    offA += idx[d] * sa[d];
    offB += idx[d] * sb[d];
  }
  while (lo < hi) {
    int64_t len = min(n - inner, hi - lo);
    f(offA + inner * sa[rank - 1], offB + inner * sb[rank - 1], lo, len);
    lo += len;
    inner = 0;
    for (int64_t d = rank - 1; d-- > 0;) {
      offA += sa[d];
      offB += sb[d];
      if (++idx[d] < shape[d])
        break;
      offA -= sa[d] * shape[d];
      offB -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
}

} // namespace cnnk

#endif
