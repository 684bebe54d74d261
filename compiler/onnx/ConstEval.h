//===- ConstEval.h - Evaluating ONNX nodes on constants ---------*- C++ -*-===//
#ifndef CNNC_COMPILER_ONNX_CONSTEVAL_H
#define CNNC_COMPILER_ONNX_CONSTEVAL_H

#include "compiler/onnx/ImporterImpl.h"

namespace cnnc::onnx {

/// Runs the data-movement op `kind` (reshape, transpose, concat, slice,
/// split, pad, ...) with attributes `as` on constant inputs of one kind
/// (all integer or all float); returns its `numResults` results, or nullopt
/// after reporting.
std::optional<std::vector<ConstData>> evalMove(NodeCtx &c, OpKind kind,
                                               const std::vector<ConstRef> &ins,
                                               const Attrs &as,
                                               unsigned numResults = 1);

/// Evaluates the elementwise ONNX op `op` (Add, Mul, Equal, Where, Floor,
/// Cast-free arithmetic, ...) on constants with broadcasting: integer
/// results when every input is an integer; nullopt after reporting.
std::optional<ConstData> evalArith(NodeCtx &c, const std::string &op,
                                   const std::vector<ConstRef> &ins);

} // namespace cnnc::onnx

#endif
