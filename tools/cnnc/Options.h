//===- Options.h - cnnc's command line --------------------------*- C++ -*-===//
#ifndef CNNC_TOOLS_CNNC_OPTIONS_H
#define CNNC_TOOLS_CNNC_OPTIONS_H

#include "passes/PassManager.h"

#include <optional>
#include <string>
#include <vector>

namespace cnnc {

enum class EmitKind {
  IR,
  Summary,
  Dot, // the optimised graph for graphviz
  SharedObject,
  Object,
  Assembly,
  LLVM,
  Header,
  Kernels,
  Cuda, // --target=cuda: the kernels' CUDA C
  Ptx
};

struct CliOptions {
  std::string model;
  std::string output; // -o; empty means stdout
  EmitKind emit = EmitKind::IR;
  bool emitGiven = false;
  std::string name;             // --name
  bool cuda = false;            // --target=cuda
  std::vector<int> gpuArchs = {80, 90}; // --gpu-arch
  std::string targetCpu;        // --target-cpu
  std::string targetFeatures;   // --target-features
  bool externalWeights = false; // --weights=external
  int optLevel = 3;             // -O0..-O3 (LLVM's pipeline)
  bool timeStages = false;      // --time-stages
  unsigned jobs = 0;            // -jN: compile threads (0: every core)
  bool shareKernels = true;     // --specialise=shared|all
  bool profile = false;         // --profile: time each kernel call
  std::string passes;           // --passes; empty means the default pipeline
  bool printPipeline = false;
  PassOptions passOpts;
  bool interpret = false;
  std::vector<std::string> inputs;      // [NAME=]FILE.npy
  std::vector<std::string> inputShapes; // --input-shape NAME=1x3x224x224
  uint64_t seed = 0;
  std::string outputDir;
  bool printOutputs = false;
  bool listOps = false;
  bool listOnnxOps = false;
  bool listPasses = false;
  bool printTarget = false; // --print-target
  bool help = false;
  bool version = false;
};

/// Parses argv; on a usage error prints it and returns nullopt.
std::optional<CliOptions> parseCommandLine(int argc, char **argv);
void printUsage();
/// The op table as text (--list-ops).
std::string listOps();

} // namespace cnnc

#endif
