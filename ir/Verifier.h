//===- Verifier.h - Structural checks of a graph ----------------*- C++ -*-===//
#ifndef CNNC_IR_VERIFIER_H
#define CNNC_IR_VERIFIER_H

#include "ir/Diagnostics.h"
#include "ir/Graph.h"

namespace cnnc {

/// Checks what every graph must satisfy whatever built it (parser, pass or
/// importer): operand and result counts and attribute kinds against the op
/// table, required attributes, SSA order (every operand defined by an input
/// or an earlier node), unique value names, typed inputs and constants, at
/// least one output. Shapes are checked by shape inference. Reports each
/// problem at its node; returns false if any.
bool verifyGraph(const Graph &g, DiagEngine &diag);

} // namespace cnnc

#endif
