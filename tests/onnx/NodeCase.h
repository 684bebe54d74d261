//===- NodeCase.h - One ONNX backend node test, run by cnnc -----*- C++ -*-===//
//
// A node test folder holds model.onnx and test_data_set_0/ with input_N.pb
// and output_N.pb. Running one: decide whether it applies (NodeSupport.h);
// import the model with every fed graph input but the first frozen into a
// constant; compile it with the CPU backend; run it on the first input;
// compare every output with output_N.pb (|a - e| <= 1e-4 + 1e-3 |e|) and
// require the serial and the split run to be bit-identical.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_TESTS_ONNX_NODECASE_H
#define CNNC_TESTS_ONNX_NODECASE_H

#include <string>

namespace cnnc::nodetest {

enum class Outcome { Passed, Failed, LeftOut };

struct CaseResult {
  Outcome outcome = Outcome::Failed;
  /// One line: why the test failed or is left out.
  std::string reason;
  /// Further indented lines (every diagnostic, every mismatch shown).
  std::string details;
};

/// Runs the node test in folder `dir`; the shared object goes to `tmpDir`.
CaseResult runNodeTest(const std::string &dir, const std::string &tmpDir);

} // namespace cnnc::nodetest

#endif
