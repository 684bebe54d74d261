//===- Summary.h - Per-layer statistics of a graph --------------*- C++ -*-===//
#ifndef CNNC_IR_SUMMARY_H
#define CNNC_IR_SUMMARY_H

#include "ir/Graph.h"

#include <string>
#include <unordered_map>
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

/// Where a workspace plan (passes/MemoryPlan.h) put each value, for the
/// summary's workspace column and totals.
struct WorkspaceSummary {
  struct Placement {
    int64_t offset = -1; // byte offset in the workspace, -1 when outside
    std::string how;     // "" (own slot), "view", "in place", "input", ...
  };
  std::unordered_map<const Value *, Placement> values;
  int64_t before = 0; // every intermediate value in its own region
  int64_t after = 0;  // the planned workspace
};

/// Multiply-adds of one node (0 for ops that do no multiply-accumulate
/// work). Requires inferred shapes.
int64_t nodeMacs(const Node &n);

/// Statistics of a shape-inferred graph.
GraphStats computeStats(const Graph &g);

/// A torchinfo-like table: layer, op, output shape, parameters, MACs, with
/// totals. With a workspace plan, each layer also shows its fused ops,
/// layout, tile sizes and workspace offset, and the totals the workspace
/// before and after planning.
std::string formatSummary(const Graph &g, const GraphStats &s,
                          const WorkspaceSummary *ws = nullptr);

} // namespace cnnc

#endif
