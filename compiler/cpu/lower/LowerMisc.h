//===- LowerMisc.h - Helpers of the non-conv lowerings ----------*- C++ -*-===//
//
// What the lowerings of the pools, activations, elementwise, normalisation,
// shape and resize ops share: how work is split into tasks, the activation
// of an activation node (also for fused conv/gemm epilogues), and strided
// iteration spaces (simplified, then copied by the strided_copy kernel).
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CPU_LOWER_LOWERMISC_H
#define CNNC_COMPILER_CPU_LOWER_LOWERMISC_H

#include "compiler/cpu/Lowering.h"
#include "ir/Window.h"

#include <vector>

namespace cnnc::cpu {

inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// The product of dimensions [lo, hi) of `s`.
int64_t product(const Shape &s, size_t lo, size_t hi);

/// How many of `units` work units (each about `unitWork` elements of work)
/// one task takes: enough for a task to be worth scheduling, few enough
/// that a few threads share the work, never more than kMaxTasks tasks.
/// The result is a multiple of `align`.
int64_t unitsPerTask(int64_t units, int64_t unitWork, int64_t align = 1);

/// The activation computed by node `n`, if it is an elementwise activation
/// (relu, leaky_relu, ..., gelu); false for any other op.
bool activationOf(const Node &n, cnnk::ActParams &act);

/// An iteration space read through two per-axis element strides.
struct StridedSpace {
  std::vector<int64_t> shape;
  std::vector<int64_t> strides[2];
};

/// Drops axes of size 1 and merges adjacent axes that both stride lists
/// traverse contiguously; an empty result becomes one axis of size 1.
StridedSpace simplifySpace(const Shape &shape, const std::vector<int64_t> &s0,
                           const std::vector<int64_t> &s1);

/// Appends strided copies y[outOffset + i.outStride] = x[inOffset +
/// i.inStride] over `shape` for node `n` (nothing when `shape` is empty of
/// elements). Reports and returns false when the simplified space has more
/// than kMaxRank axes.
bool lowerStridedCopy(const Node &n, LowerCtx &ctx, const Value *x,
                      const Value *y, const Shape &shape,
                      const std::vector<int64_t> &inStride,
                      const std::vector<int64_t> &outStride, int64_t inOffset,
                      int64_t outOffset);
/// count floats of `to` = act(`from`) with the unary kernel, tasks sized
/// by the activation's cost (nothing for count 0).
void lowerActivation(const cnnk::ActParams &act, int64_t count, Buffer from,
                     Buffer to, LowerCtx &ctx);

/// The same between two buffers (a node's scratch, say).
bool lowerStridedCopy(const Node &n, LowerCtx &ctx, Buffer from, Buffer to,
                      const Shape &shape,
                      const std::vector<int64_t> &inStride,
                      const std::vector<int64_t> &outStride, int64_t inOffset,
                      int64_t outOffset);

/// The resolved window of a max_pool or avg_pool node, as the
/// interpreter resolves it.
std::vector<WindowAxis> poolWindow(const Node &n);

/// Element strides of a [N,C,*S] tensor of type `t` over the view
/// [N, C/block, block, *S] (channel c = block index * block + lane): t is
/// plain (block 0) or blocked by `block` itself.
std::vector<int64_t> blockedViewStrides(const TensorType &t, int64_t block);

} // namespace cnnc::cpu

#endif
