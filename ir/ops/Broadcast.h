//===- Broadcast.h - Numpy/ONNX multidirectional broadcasting ---*- C++ -*-===//
//
// The one broadcasting rule of cnnc, shared by the binary elementwise ops,
// gemm's bias, matmul's batch dimensions and the backends. Shapes are
// aligned at their last axis; on each axis the sizes must be equal or one
// of them 1 (a missing axis counts as 1), and the result takes the larger.
//
// An operand is read in the broadcast shape through strides that are 0 on
// the axes it is broadcast along:
//
//   std::vector<int64_t> sa = broadcastStrides(a.shape, out);
//   for (int64_t i = 0; i < numElements(out); ++i)
//     use(a.data[broadcastIndex(i, out, sa)]);
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_IR_OPS_BROADCAST_H
#define CNNC_IR_OPS_BROADCAST_H

#include "ir/Types.h"

#include <optional>
#include <span>
#include <vector>

namespace cnnc {

/// The broadcast of `a` and `b`, or nullopt when they are incompatible; then
/// `mismatchAxis`, if given, receives the first incompatible axis of the
/// result (counted from the front of the longer shape).
std::optional<Shape> broadcastShapes(const Shape &a, const Shape &b,
                                     int64_t *mismatchAxis = nullptr);

/// Strides (in elements) that read a row-major tensor of shape `in` as if it
/// had shape `out`: one per axis of `out`, 0 on the axes `in` lacks or has
/// size 1 on. Requires `in` to broadcast to `out`.
std::vector<int64_t> broadcastStrides(const Shape &in, const Shape &out);

/// Flat index, through `strides` from broadcastStrides, of the operand
/// element read by flat index `outIndex` of a row-major tensor of shape
/// `out`.
int64_t broadcastIndex(int64_t outIndex, const Shape &out,
                       std::span<const int64_t> strides);

} // namespace cnnc

#endif
