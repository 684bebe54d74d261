//===- GraphFiles.h - Writing a graph and its weights to files --*- C++ -*-===//
//
// A graph whose consts hold data in memory (imported from ONNX, or folded
// by the compiler) is written as two files: the IR text, and a safetensors
// file beside it holding every tensor the IR reads with `file("...")`.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_IR_GRAPHFILES_H
#define CNNC_IR_GRAPHFILES_H

#include "ir/Graph.h"

#include <string>

namespace cnnc {

/// Whether any const of `g` holds its data in memory (HeldData).
bool hasHeldData(const Graph &g);

/// Writes `g` as IR text to `irPath`. When consts hold data in memory, first
/// writes <irPath's stem>.safetensors with those tensors and every tensor of
/// the graph's current weights file, points the consts and the graph at
/// it, and prints `weights "<stem>.safetensors"`. Files are written through
/// temporaries; returns false after reporting an error.
bool writeGraphFiles(Graph &g, const std::string &irPath, DiagEngine &diag);

} // namespace cnnc

#endif
