//===- LowerConv.h - Helpers of the CUDA conv and GEMM lowerings -*- C++
//-*-===//
//
// What the CUDA lowerings of the convolution family, gemm and matmul share:
// a conv geometry as kernel members, the GPU tile of a tiled GEMM (the
// node's gpu_tile, checked, or passes/TileModel.h's GPU model) and its
// members and summary text, and operand buffers with placeholders.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CUDA_LOWER_LOWERCONV_H
#define CNNC_COMPILER_CUDA_LOWER_LOWERCONV_H

#include "compiler/LowerCommon.h"
#include "compiler/cuda/Lowering.h"
#include "passes/TileModel.h"

namespace cnnc::cuda {

inline int64_t roundUpTo(int64_t a, int64_t b) { return ceilDiv(a, b) * b; }

/// The tile model's view of the CUDA target.
PassTarget gpuTileTarget(const GpuTarget &t);

/// Members in0..2, out0..2, k0..2, s0..2, d0..2, p0..2, pad_mode, insz,
/// outsz and ksz of a three-axis geometry (conv.cuh).
KernelParams &geomParams(KernelParams &p, const ConvGeometry &g);

/// The tile of node n's GEMM (m x n by k, `batches` of them): its gpu_tile
/// when `useAttr` and present, else the model's. False (reported) when the
/// attribute is malformed or names a tile the kernels cannot run.
bool gpuTileFor(const Node &n, bool useAttr, int64_t m, int64_t cols, int64_t k,
                int64_t batches, LowerCtx &ctx, GpuTile &out);

/// Members bm, bn, bk, tm, tn of a tile.
KernelParams &tileParams(KernelParams &p, const GpuTile &t);

/// The buffer of `v`, or of `placeholder` when `v` is absent (the kernel
/// never reads it then).
Buffer bufferOr(LowerCtx &ctx, const Value *v, const Value *placeholder);

} // namespace cnnc::cuda

#endif
