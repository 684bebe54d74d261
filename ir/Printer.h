//===- Printer.h - Graph to text IR -----------------------------*- C++ -*-===//
#ifndef CNNC_IR_PRINTER_H
#define CNNC_IR_PRINTER_H

#include "ir/Graph.h"

#include <string>

namespace cnnc {

/// Prints a graph as IR text that parses back to the same graph; printing
/// the re-parsed graph gives the same text.
std::string printGraph(const Graph &g);
/// One node's line without indentation or newline.
std::string printNode(const Node &n);
/// How a const node's data is written: "random(1)", "[1,2]", "file(\"w\")".
std::string constSourceStr(const ConstSource &s);

} // namespace cnnc

#endif
