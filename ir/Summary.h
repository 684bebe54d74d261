//===- Summary.h - Per-layer statistics of a graph --------------*- C++ -*-===//
#ifndef CNNC_IR_SUMMARY_H
#define CNNC_IR_SUMMARY_H

#include "ir/Graph.h"

#include <string>
#include <vector>

namespace cnnc {

struct LayerStats {
  const Node *node;
  /// Trainable parameters read by this layer (each const counted once, at
  /// its first use; batch-norm statistics are not parameters).
  int64_t params = 0;
  /// Non-trainable constants (batch-norm running mean and variance).
  int64_t buffers = 0;
  /// Multiply-adds.
  int64_t macs = 0;
};

struct GraphStats {
  std::vector<LayerStats> layers; // every non-const node, in order
  int64_t params = 0, buffers = 0, macs = 0;
  int64_t inputBytes = 0, outputBytes = 0;
  /// Sum of every intermediate result's size (what a naive executor holds).
  int64_t activationBytes = 0;
  int64_t weightBytes = 0;
};

/// Multiply-adds of one node (0 for ops that do no multiply-accumulate
/// work). Requires inferred shapes.
int64_t nodeMacs(const Node &n);

/// Statistics of a shape-inferred graph.
GraphStats computeStats(const Graph &g);

/// A torchinfo-like table: layer, op, output shape, parameters, MACs, with
/// totals.
std::string formatSummary(const Graph &g, const GraphStats &s);

} // namespace cnnc

#endif
