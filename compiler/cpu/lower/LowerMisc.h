//===- LowerMisc.h - Helpers of the non-conv lowerings ----------*- C++ -*-===//
//
// What the CPU lowerings of the pools, activations, elementwise,
// normalisation, shape and resize ops share: how work is split into tasks,
// activations as the kernels' params, and strided copies (over the spaces
// of compiler/LowerCommon.h).
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CPU_LOWER_LOWERMISC_H
#define CNNC_COMPILER_CPU_LOWER_LOWERMISC_H

#include "compiler/cpu/Lowering.h"
#include "ir/Window.h"

#include <vector>

namespace cnnc::cpu {

inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// How many of `units` work units (each about `unitWork` elements of work)
/// one task takes: enough for a task to be worth scheduling, few enough
/// that a few threads share the work, never more than kMaxTasks tasks.
/// The result is a multiple of `align`.
int64_t unitsPerTask(int64_t units, int64_t unitWork, int64_t align = 1);

/// An activation (compiler/LowerCommon.h: activationOf) as the kernels'
/// ActParams.
cnnk::ActParams kernelAct(const Activation &a);

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


} // namespace cnnc::cpu

#endif
