//===- Epilogue.h - The epilogue of a fused conv or gemm --------*- C++ -*-===//
//
// A conv or gemm (ops flagged kFusable) may carry an epilogue, written by
// the fuse-epilogue pass and printed as attributes:
//
//   %y = conv(%x, %w, %b, %r) {act=relu, res_act=relu}
//   y = res_act(act(conv(x, w) + b) + r)
//
// `act` and `res_act` name elementwise epilogue ops (flags kElementwise |
// kEpilogue); `act_args` / `res_act_args` list that op's attributes in op
// table order (floats as written, ints as values, enums as the index of
// the choice), trailing ones at their defaults when left out. The residual
// `res` is the op's optional operand of the result's shape; res_act needs
// it. Everything here reads and writes that encoding, so the interpreter,
// the passes and the backends agree on it.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_IR_EPILOGUE_H
#define CNNC_IR_EPILOGUE_H

#include "ir/Graph.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace cnnc {

/// Whether `kind` may run as an epilogue activation: an elementwise op
/// flagged kEpilogue.
bool isEpilogueActivation(OpKind kind);

/// One activation of an epilogue: the op and its attributes, set on a
/// free-standing node the interpreter and the backends read like any
/// other node of that op.
struct EpilogueAct {
  std::shared_ptr<const Node> node;
  OpKind kind() const { return node->kind(); }
};

struct Epilogue {
  std::optional<EpilogueAct> act;    // on the result (+ bias)
  const Value *res = nullptr;        // the residual added after act
  std::optional<EpilogueAct> resAct; // on the sum with the residual
  bool empty() const { return !act && !res && !resAct; }
};

/// The epilogue of `n` (a kFusable op; empty for any other). Returns false
/// and sets `error` when its attributes are malformed (too many args, an
/// enum index out of range, res_act without a residual).
bool readEpilogue(const Node &n, Epilogue &e, std::string &error);

/// readEpilogue for a node shape inference already accepted.
Epilogue epilogueOf(const Node &n);

/// Appends activation `act` (a node of an epilogue activation op) to
/// `fused`'s epilogue slot: "act" or "res_act". Its attributes become the
/// slot's args (trailing defaults dropped).
void setEpilogueAct(Node &fused, std::string_view slot, const Node &act);

/// Whether `n` (kFusable) has room for an activation in `slot`.
bool epilogueSlotFree(const Node &n, std::string_view slot);

/// The operand index of the residual of a kFusable op.
unsigned residualOperandIndex(OpKind kind);

/// "relu", "clip{min=0, max=6}", "relu(+res)relu": the epilogue as short
/// text for summaries, kernel names and manifests; "" when empty.
std::string epilogueStr(const Node &n);

} // namespace cnnc

#endif
