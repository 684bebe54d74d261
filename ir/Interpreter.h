//===- Interpreter.h - The reference interpreter (the oracle) ---*- C++ -*-===//
//
// Executes a shape-inferred graph with plain loops and double accumulation.
// It is the oracle every backend, pass and importer is tested against, so
// each kernel is written for obviously-right, not fast.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_IR_INTERPRETER_H
#define CNNC_IR_INTERPRETER_H

#include "ir/Diagnostics.h"
#include "ir/Graph.h"
#include "ir/Tensor.h"

#include <optional>
#include <span>
#include <vector>

namespace cnnc {

/// Runs `g` (verified, shapes inferred) on `inputs` (one per graph input,
/// in order, of the input's shape) and returns the outputs in order.
/// Reports and returns nullopt on bad inputs or unreadable weights.
std::optional<std::vector<Tensor>>
interpret(const Graph &g, std::span<const Tensor> inputs, DiagEngine &diag);

/// Seeded random inputs in [-1, 1] for every graph input (for smoke runs
/// and checks): input i uses seed `seed + i`.
std::vector<Tensor> randomInputs(const Graph &g, uint64_t seed);

/// What a reference kernel sees: the node, its operands' data (nullptr for
/// an absent optional operand) and its results, allocated with their
/// inferred shapes and zero-filled.
struct KernelCtx {
  const Node &node;
  std::vector<const Tensor *> ins;
  std::vector<Tensor *> outs;

  const Tensor &in(unsigned i) const { return *ins[i]; }
  bool has(unsigned i) const { return i < ins.size() && ins[i]; }
  Tensor &out(unsigned i = 0) const { return *outs[i]; }
};

/// Computes one node: its op's reference kernel, then (for a fused conv or
/// gemm) its epilogue. Passes that evaluate nodes use this too.
void interpretNode(const KernelCtx &ctx);

// One reference kernel per op, named interpret<Id>.
#define OP(Id, ...) void interpret##Id(const KernelCtx &ctx);
#include "ir/Ops.def"

} // namespace cnnc

#endif
