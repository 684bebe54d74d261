//===- RunInterpreter.h - cnnc --interpret ----------------------*- C++ -*-===//
#ifndef CNNC_TOOLS_CNNC_RUNINTERPRETER_H
#define CNNC_TOOLS_CNNC_RUNINTERPRETER_H

#include "ir/Graph.h"
#include "tools/cnnc/Options.h"

#include <string>

namespace cnnc {

/// Runs the reference interpreter as the options say; appends the report
/// (per output: shape, statistics, top-5 for a classifier, values if asked)
/// to `report`. Returns false after reporting an error.
bool runInterpreter(const Graph &g, const CliOptions &opts, DiagEngine &diag,
                    std::string &report);

} // namespace cnnc

#endif
