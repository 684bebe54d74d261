//===- Importer.h - ONNX models into the IR ---------------------*- C++ -*-===//
//
// Reads an ONNX model (the protobuf definitions of Debian's libonnx-dev) and
// builds the equivalent ir::Graph: initializers become consts holding their
// data (HeldData), each supported node maps onto ops of the op table, and
// the shape-computation chains exporters emit (Shape, Gather, Unsqueeze,
// Concat, Cast, Constant, ...) are evaluated at import when shapes are
// static. The graph is returned verified and shape-inferred.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_ONNX_IMPORTER_H
#define CNNC_COMPILER_ONNX_IMPORTER_H

#include "ir/Graph.h"
#include "ir/Tensor.h"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cnnc::onnx {

struct ImportOptions {
  /// Static shapes for graph inputs whose shape is symbolic or to override
  /// (`--input-shape name=1x3x224x224`).
  std::map<std::string, Shape> inputShapes;
  /// Graph inputs replaced by constants with these values (ONNX's node tests
  /// pass weights and shapes as graph inputs).
  std::map<std::string, Tensor> frozenInputs;
};

/// Imports the model in `path`. Reports every problem (a malformed or
/// truncated file; one diagnostic listing every unsupported op with its
/// node name and opset; symbolic dimensions with no --input-shape) and
/// returns nullptr.
std::unique_ptr<Graph> importOnnxFile(const std::string &path,
                                      const ImportOptions &opts,
                                      DiagEngine &diag);

/// The newest opset of the default domain the importer accepts: that of
/// the ONNX release its table was generated from (OpVersions.inc). Older
/// ones are accepted too: each node uses its op's definition of the
/// model's opset.
int newestOpset();

/// The ONNX ops the importer maps, sorted by name, each with the versions
/// of its definition it accepts (the opsets, from 1 on, that (re)define
/// it; a model of opset N uses the newest version up to N).
std::vector<std::pair<std::string, std::vector<int>>> supportedOnnxOps();

/// Parses "name=1x3x224x224" into `opts.inputShapes`; false on bad text.
bool parseInputShape(const std::string &text, ImportOptions &opts,
                     std::string &error);

} // namespace cnnc::onnx

#endif
