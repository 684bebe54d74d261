//===- NodeSupport.h - Which ONNX node tests apply to cnnc ------*- C++ -*-===//
//
// The one table of ONNX op types the importer maps onto the op table
// (issue 5's list), and the rules that leave a node test out: an op not in
// the table, an op that cnnc only folds at import applied to a run-time
// tensor, a non-float compute dtype, training mode, an opset above 18, or an
// attribute the op table cannot express (e.g. cubic resize). Models of an
// older opset (ONNX's tests declare the version that introduced their op,
// as low as 1) are run: the importer reads them with the same semantics.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_TESTS_ONNX_NODESUPPORT_H
#define CNNC_TESTS_ONNX_NODESUPPORT_H

#include <onnx/onnx_pb.h>

#include <map>
#include <string>

namespace cnnc::nodetest {

/// The graph inputs a test feeds (name to the tensor of its input_N.pb).
using FedInputs = std::map<std::string, ::onnx::TensorProto>;

/// Why the node test whose model is `model` is left out, or "" when it
/// applies. `fed` holds the test's input tensors, which decide rules that
/// depend on an input's value (Dropout's training_mode, Resize's scales).
std::string leftOutReason(const ::onnx::ModelProto &model,
                          const FedInputs &fed);

/// True for a tensor element type the runner can freeze into a constant
/// (float, double and integers; f32 in the IR).
bool isFreezableType(int elemType);

/// The name of a TensorProto element type ("float", "int64", ...).
std::string elemTypeName(int elemType);

} // namespace cnnc::nodetest

#endif
