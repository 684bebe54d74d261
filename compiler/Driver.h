//===- Driver.h - From a graph to artefacts ---------------------*- C++ -*-===//
//
// The compiler driver: lowers a verified, shape-inferred graph with the CPU
// backend and writes what was asked for (shared object, object file,
// assembly, LLVM IR, C header, or a folder of one LLVM IR file per kernel
// with a JSON manifest). Every file and folder is written through a
// temporary and renamed, so a failure leaves nothing half-written.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_DRIVER_H
#define CNNC_COMPILER_DRIVER_H

#include "ir/Graph.h"

#include <string>
#include <vector>

namespace cnnc {

enum class ArtifactKind {
  SharedObject,
  Object,
  Assembly,
  LLVM,
  Header,
  Kernels, // a folder: <index>_<name>.ll (cuda: .cu) per kernel, manifest.json
  Cuda,    // cuda: the kernels' CUDA C (the same folder as Kernels)
  Ptx      // cuda: the PTX of the newest architecture
};

enum class Backend { Cpu, Cuda };

struct CompileOptions {
  ArtifactKind kind = ArtifactKind::SharedObject;
  std::string output;    // the file to write; "-" or empty: standard
                         // output (text and object artefacts only)
  std::string name;      // C identifier; empty: from the graph's name
  Backend backend = Backend::Cpu;
  std::vector<int> gpuArchs = {80, 90}; // cuda: compute capabilities
  std::string targetCpu; // empty or "native": the host
  std::string targetFeatures;
  bool externalWeights = false; // weights to <output stem>.weights
  int optLevel = 3;
  bool timeStages = false; // print the time of each stage to stderr
  unsigned jobs = 0;       // threads compiling the kernels; 0: every core
  bool shareKernels = true; // --specialise=shared (default) or all
  bool profile = false;    // time each kernel call (cnnrun --profile)
};

/// The C identifier a model is named by: `requested` when given (checked),
/// else the graph's name with other characters replaced by '_'. Returns ""
/// after reporting a bad requested name.
std::string modelSymbolName(const Graph &g, const std::string &requested,
                            DiagEngine &diag);

/// Compiles `g` (verified, shapes inferred) and writes the artefact.
bool compileGraph(const Graph &g, const CompileOptions &opts, DiagEngine &diag);
/// The same for a caller done with `g`: the data of its consts held in
/// memory (imported weights) is taken from it and each is freed once
/// packed into the weights, so a network's weights are not held twice
/// (VGG-16: 528 MB). `g` keeps its structure; its held consts lose their
/// data.
bool compileGraphConsuming(Graph &g, const CompileOptions &opts,
                           DiagEngine &diag);

} // namespace cnnc

#endif
