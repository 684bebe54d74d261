//===- LowerMisc.h - Helpers of the CUDA non-conv lowerings -----*- C++ -*-===//
//
// What the CUDA lowerings of the pools, activations, elementwise,
// normalisation, shape and resize ops share: the op codes their kernel
// templates take as constants (mirroring the enums of
// compiler/cuda/kernels/*.cuh), the block size of the shared-memory
// reductions, and strided copies (the data movement of transpose, concat,
// split, slice, depth_to_space and relayout).
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CUDA_LOWER_LOWERMISC_H
#define CNNC_COMPILER_CUDA_LOWER_LOWERMISC_H

#include "compiler/cuda/Lowering.h"

#include <vector>

namespace cnnc::cuda {

/// cnnk::BinaryOp (elementwise.cuh).
enum BinaryCode { kBinAdd = 0, kBinSub, kBinMul, kBinDiv };
/// cnnk::ChannelOp (elementwise.cuh).
enum ChannelCode { kChanAffine = 0, kChanPrelu };
/// cnnk::PadMode (shape.cuh).
enum PadCode { kPadConstant = 0, kPadReflect, kPadEdge };

/// The threads of a block that reduces `len` elements with a tree in
/// shared memory: a power of two in [32, 256], about len / 4 so each thread
/// folds a few elements first.
int64_t reduceThreads(int64_t len);

/// Appends the strided copy y[outOffset + i.outStride] = x[inOffset +
/// i.inStride] over `shape` for node `n` (element strides; nothing when
/// `shape` has no elements). The space is simplified (unit axes dropped,
/// contiguous axes merged) first.
void lowerStridedCopy(LowerCtx &ctx, Buffer x, Buffer y, const Shape &shape,
                      const std::vector<int64_t> &inStride,
                      const std::vector<int64_t> &outStride, int64_t inOffset,
                      int64_t outOffset);

} // namespace cnnc::cuda

#endif
