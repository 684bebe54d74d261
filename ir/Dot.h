//===- Dot.h - A graph as graphviz text -------------------------*- C++ -*-===//
//
// `cnnc --emit=dot` draws the graph after the pass pipeline: one box per
// node (op, name, key attributes), graph inputs and outputs as ovals, edges
// labelled with the value's type (shape and layout). Consts are folded into
// the label of the node that reads them. A node that absorbed others
// (Node::origins) or carries an epilogue is drawn inside a cluster with a
// note listing the fused ops and their source locations.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_IR_DOT_H
#define CNNC_IR_DOT_H

#include "ir/Graph.h"

#include <string>

namespace cnnc {

/// The graph as a graphviz digraph (render with `dot -Tsvg`).
std::string formatDot(const Graph &g);

} // namespace cnnc

#endif
