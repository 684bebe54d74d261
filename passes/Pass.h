//===- Pass.h - The pass interface ------------------------------*- C++ -*-===//
#ifndef CNNC_PASSES_PASS_H
#define CNNC_PASSES_PASS_H

#include "ir/Diagnostics.h"
#include "ir/Graph.h"

#include <memory>
#include <string_view>

namespace cnnc {

class KernelCatalogue;

/// The figures of the target machine that layout and tiling decisions are
/// made from (filled from the backend's resolved target; the defaults are
/// an AVX2 machine's).
struct PassTarget {
  /// The backend the graph is compiled for: passes that shape data for a
  /// device (assign-layout, choose-tiles) read it.
  enum class Device { Cpu, Cuda };
  Device device = Device::Cpu;
  int vectorWidth = 8;      // floats per vector register
  int vectorRegisters = 16; // architectural vector registers
  int64_t l1Bytes = 32 * 1024;
  int64_t l2Bytes = 512 * 1024;
  // CUDA: static shared memory per block, multiprocessors to keep busy.
  int64_t gpuSharedBytes = 48 * 1024;
  int64_t gpuMultiprocessors = 108;
  /// What the backend's kernels accept (passes/KernelCatalogue.h): set
  /// with the target (passTargetFor, gpuPassTarget), read by the passes
  /// that shape the graph for the kernels.
  std::shared_ptr<const KernelCatalogue> kernels;
  bool isGpu() const { return device == Device::Cuda; }
};

/// What a pass may use besides the graph. Passed explicitly; no globals.
struct PassContext {
  DiagEngine &diag;
  PassTarget target;
};

/// A graph-to-graph rewrite. `run` returns false after reporting an error.
class Pass {
public:
  virtual ~Pass() = default;
  virtual std::string_view name() const = 0;
  /// Whether the pass needs every value's type inferred before it runs.
  virtual bool requiresShapes() const { return true; }
  /// Whether the pass asks the target's kernel catalogue (the pass manager
  /// refuses to run it without one).
  virtual bool requiresKernels() const { return false; }
  virtual bool run(Graph &g, PassContext &ctx) = 0;
};

#define PASS(Id, Name, Summary) std::unique_ptr<Pass> create##Id##Pass();
#include "passes/Passes.def"

} // namespace cnnc

#endif
