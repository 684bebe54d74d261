//===- LowerConv.h - Helpers of the conv and GEMM lowerings -----*- C++ -*-===//
//
// What the lowerings of conv, conv_transpose, the conv variants, gemm and
// matmul share: the three-axis geometry the kernels read, the empty
// epilogue, K blocking, and operands packed into GEMM panels (at compile
// time when constant, else by a pack_panels call).
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CPU_LOWER_LOWERCONV_H
#define CNNC_COMPILER_CPU_LOWER_LOWERCONV_H

#include "compiler/cpu/Lowering.h"
#include "ir/Window.h"
#include "passes/Pass.h"

#include <array>
#include <vector>

namespace cnnc::cpu {

inline int64_t divUp(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t roundUp(int64_t a, int64_t b) { return divUp(a, b) * b; }

/// The kernels' geometry of 1 to 3 spatial axes (convGeometry in
/// compiler/LowerCommon.h).
cnnk::ConvGeom convGeom(const std::vector<WindowAxis> &axes,
                        int64_t padMode = cnnk::kConvPadZeros);

/// The kernels' geometry of conv node `n` (convGeometry(const Node &)).
cnnk::ConvGeom convGeom(const Node &n);

/// The epilogue of a plain conv or gemm: nothing after the bias.
cnnk::Epilogue noEpilogue();

/// The kernels' epilogue of a conv or gemm node (fusedEpilogue in
/// compiler/LowerCommon.h).
cnnk::Epilogue epilogueParams(const Node &n);


/// The buffer of `v`, or of `placeholder` when `v` is absent (a kernel
/// reads an absent operand's buffer never).
Buffer bufferOr(LowerCtx &ctx, const Value *v, const Value *placeholder);

/// A GEMM operand as panels (cnnk::panelOffset): `count` R x K matrices,
/// matrix b's element (r, k) at v's data [b*srcBatch + r*rs + k*ks],
/// packed in panels of `panel` rows K-blocked by kc. A constant is packed
/// now into the weights; anything else by a pack_panels call into a
/// scratch buffer.
Buffer packedOperand(LowerCtx &ctx, const Value *v, int64_t count,
                     int64_t srcBatch, int64_t rows, int64_t k, int64_t rs,
                     int64_t ks, int64_t panel, int64_t kc);

/// Output columns per tile of conv_depthwise for geometry `g` (one depth
/// plane) at vector width v, or 0 when no tile fits the kernel's stack
/// buffer (the catalogue then leaves the conv to conv_gemm).
int64_t depthwiseColumns(const cnnk::ConvGeom &g, int v);

} // namespace cnnc::cpu

#endif
