//===- Cases.h - What the op test runners share -----------------*- C++ -*-===//
//
// The case files of the op tests (tests/golden/cases, tests/e2e/cases/*):
// collecting them from the command line, their inputs (stored beside the
// case or seeded random), and the comparison with the interpreter's
// outputs. Used by cnnc-op-test (CPU) and cnnc-cuda-test (CUDA).
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_TESTS_E2E_CASES_H
#define CNNC_TESTS_E2E_CASES_H

#include "ir/Graph.h"
#include "ir/Tensor.h"

#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace cnnc {

/// What a runner found for one case.
struct CaseOutcome {
  bool passed = false;
  std::string log; ///< indented lines saying what failed
  std::set<OpKind> ops;
};

/// Prints "FAIL <case>" and its log for every failed case and, with
/// `requireAllOps`, one FAIL line per op of the table (but const) that no
/// case uses; then "N passed, M failed". Returns the exit status.
int reportCases(const std::vector<std::filesystem::path> &cases,
                const std::vector<CaseOutcome> &outcomes, bool requireAllOps);

/// Inputs stored with the case ("input:NAME" in NAME.safetensors beside
/// it), else seeded random ones.
std::vector<Tensor> caseInputs(const Graph &g,
                               const std::filesystem::path &irPath,
                               DiagEngine &diag);

/// Compares an output with the interpreter's, appending up to five
/// mismatches to `log`. Tolerance: |actual - expected| <= 1e-4 *
/// max|expected| + 1e-4 * |expected| + 1e-6; NaN and inf must match.
bool compareOutput(const std::string &name, const float *actual,
                   const Tensor &expected, std::string &log);

/// Adds the case `arg` (a .ir file) or every .ir file of the folder `arg`;
/// false when it is neither.
bool addCases(const std::string &arg, std::vector<std::filesystem::path> &out);

} // namespace cnnc

#endif
