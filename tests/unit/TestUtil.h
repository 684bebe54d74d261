//===- TestUtil.h - Shared helpers of the unit tests ------------*- C++ -*-===//
#ifndef CNNC_TESTS_UNIT_TESTUTIL_H
#define CNNC_TESTS_UNIT_TESTUTIL_H

#include "ir/Parser.h"
#include "ir/ShapeInference.h"
#include "ir/Verifier.h"

#include <memory>
#include <string>

namespace cnnc::test {

/// Parses, verifies and infers shapes of IR text; diagnostics are collected
/// in `diag` (not printed). Returns nullptr if any stage failed.
inline std::unique_ptr<Graph> build(const std::string &text, DiagEngine &diag,
                                    const std::string &name = "test.ir") {
  diag.setPrintImmediately(false);
  std::unique_ptr<Graph> g = parseGraph(text, name, diag);
  if (!g || !verifyGraph(*g, diag) || !inferShapes(*g, diag))
    return nullptr;
  return g;
}

/// All diagnostics, one formatted line each.
inline std::string messages(const DiagEngine &diag) {
  std::string s;
  for (const Diagnostic &d : diag.diagnostics())
    s += DiagEngine::format(d) + "\n";
  return s;
}

inline bool contains(const std::string &haystack, const std::string &needle) {
  return haystack.find(needle) != std::string::npos;
}

} // namespace cnnc::test

#endif
