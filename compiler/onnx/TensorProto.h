//===- TensorProto.h - Reading ONNX TensorProtos ----------------*- C++ -*-===//
//
// The one reader of onnx.TensorProto data, for the importer (initializers,
// Constant values) and for tools that read ONNX tensors directly (the node
// tests' input_N.pb/output_N.pb).
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_ONNX_TENSORPROTO_H
#define CNNC_COMPILER_ONNX_TENSORPROTO_H

#include <onnx/onnx_pb.h>

#include <optional>
#include <string>
#include <vector>

namespace cnnc::onnx {

/// The elements of `t` as doubles: floating types (f32, f64, f16, bf16),
/// integers and bool, from raw_data or the typed fields. Returns nullopt
/// with `error` set (naming the tensor `what`) for external data, another
/// element type, a bad shape, or a data size that does not match the dims.
std::optional<std::vector<double>>
tensorProtoValues(const ::onnx::TensorProto &t, const std::string &what,
                  std::string &error);

} // namespace cnnc::onnx

#endif
