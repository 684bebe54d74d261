//===- Indexing.h - Row-major index arithmetic for the kernels --*- C++ -*-===//
//
// Small helpers shared by the reference kernels and shape functions of the
// data-movement ops: multi-indices of row-major tensors and overflow-checked
// dimension arithmetic (a tensor with a zero dimension may have other huge
// dimensions, so products of dimensions are checked even when the element
// count is small).
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_IR_OPS_INDEXING_H
#define CNNC_IR_OPS_INDEXING_H

#include "ir/Types.h"

#include <optional>
#include <vector>

namespace cnnc {

/// The row-major multi-index of flat index `flat` in `shape`.
inline std::vector<int64_t> unravelIndex(int64_t flat, const Shape &shape) {
  std::vector<int64_t> idx(shape.size());
  for (size_t i = shape.size(); i-- > 0;) {
    idx[i] = flat % shape[i];
    flat /= shape[i];
  }
  return idx;
}

/// The row-major flat index of multi-index `idx` in `shape`.
inline int64_t ravelIndex(const std::vector<int64_t> &idx, const Shape &shape) {
  int64_t flat = 0;
  for (size_t i = 0; i < shape.size(); ++i)
    flat = flat * shape[i] + idx[i];
  return flat;
}

/// Product of the dimensions [lo, hi) of `s`, or nullopt when it exceeds
/// kMaxElements.
inline std::optional<int64_t> checkedProduct(const Shape &s, size_t lo,
                                             size_t hi) {
  return checkedNumElements(Shape(s.begin() + lo, s.begin() + hi));
}

/// a + b for sizes, or nullopt when the sum exceeds kMaxElements.
inline std::optional<int64_t> checkedSizeAdd(int64_t a, int64_t b) {
  if (a > kMaxElements || b > kMaxElements || a + b > kMaxElements)
    return std::nullopt;
  return a + b;
}

} // namespace cnnc

#endif
