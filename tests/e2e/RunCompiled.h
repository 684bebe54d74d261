//===- RunCompiled.h - Compile a graph, load it, run it ---------*- C++ -*-===//
//
// What the end-to-end test runners share: compile a verified, shape-inferred
// graph with the CPU backend (for the host or a named target) into a shared
// object, load it through the runtime (cnnrt_load: descriptor and CPU
// feature checks), and run it twice on the same inputs, once serially and
// once with its parallel task ranges split unevenly (as a thread pool
// would), so a runner can compare the outputs with an oracle and require
// both runs to be bit-identical. Code for a CPU the host cannot run is
// compiled, verified and linked, and the runtime's refusal is reported.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_TESTS_E2E_RUNCOMPILED_H
#define CNNC_TESTS_E2E_RUNCOMPILED_H

#include "ir/Graph.h"
#include "ir/Tensor.h"

#include <string>
#include <vector>

namespace cnnc {

/// The outputs of a compiled model's two runs, or why there are none.
struct CompiledRun {
  /// Outputs of the serial run (no execution context), in the model's order.
  std::vector<std::vector<float>> serial;
  /// Outputs of the run whose task ranges were split unevenly.
  std::vector<std::vector<float>> split;
  /// The shape of each output, as the model's descriptor states it.
  std::vector<Shape> shapes;
  /// Empty on success; else indented lines ("    does not compile\n", ...).
  std::string error;
  /// The runtime's message when it refused to load the model because the
  /// host lacks CPU features the target has (then nothing ran, and error
  /// is empty: the model compiled, verified and linked).
  std::string refused;
};

/// The CPU a test compiles for: LLVM CPU name and extra features, as
/// cnnc's --target-cpu and --target-features (empty: the host).
struct TestTarget {
  std::string cpu;
  std::string features;
};

/// The errors (not warnings) of `diag`, one indented line each.
std::string errorsOf(const DiagEngine &diag);

/// Compiles `g` for `target` into `soPath` (removed once loaded), runs it
/// on `inputs` (one per graph input, in order) serially and split, and
/// unloads it.
CompiledRun compileAndRun(const Graph &g, const std::vector<Tensor> &inputs,
                          const std::string &soPath,
                          const TestTarget &target = {});

} // namespace cnnc

#endif
