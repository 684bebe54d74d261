//===- TensorProtos.h - ONNX TensorProto files as cnnc tensors --*- C++ -*-===//
//
// The node tests store inputs and expected outputs as serialized
// onnx.TensorProto files (input_N.pb, output_N.pb). These helpers read them
// with the protobuf classes of libonnx-dev; their elements are decoded by
// the importer's reader (compiler/onnx/TensorProto.h).
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_TESTS_ONNX_TENSORPROTOS_H
#define CNNC_TESTS_ONNX_TENSORPROTOS_H

#include "ir/Tensor.h"

#include <onnx/onnx_pb.h>

#include <optional>
#include <string>
#include <vector>

namespace cnnc::nodetest {

/// Reads a serialized TensorProto; false when the file is missing or
/// malformed.
bool readTensorProto(const std::string &path, ::onnx::TensorProto &t);

/// Reads a serialized ModelProto; false when missing or malformed.
bool readModelProto(const std::string &path, ::onnx::ModelProto &m);

/// The elements of `t` as doubles, or nullopt (with `error` set) for an
/// element type or storage this cannot read.
std::optional<std::vector<double>> tensorValues(const ::onnx::TensorProto &t,
                                                std::string &error);

/// `t` as an f32 tensor. Integers beyond +-2^40 (ONNX's INT64_MAX "to the
/// end" sentinels in slices) are clamped to +-2^40, which float holds
/// exactly and which still means "to the end" for any real dimension.
std::optional<Tensor> toTensor(const ::onnx::TensorProto &t,
                               std::string &error);

} // namespace cnnc::nodetest

#endif
