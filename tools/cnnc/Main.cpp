//===- Main.cpp - The cnnc compiler driver --------------------------------===//
//
// cnnc MODEL.ir [--emit=ir|summary|dot|so|obj|header|asm|llvm] [-o FILE]
// [--interpret ...]
//
// Exit status: 0 on success, 1 on any user error (diagnostics say where and
// what), 2 on a bad command line.
//
//===----------------------------------------------------------------------===//
#include "compiler/Driver.h"
#include "compiler/DriverUtil.h"
#include "compiler/Pipeline.h"
#include "compiler/cpu/Target.h"
#include "compiler/onnx/Importer.h"
#include "ir/AtomicFile.h"
#include "ir/Dot.h"
#include "ir/GraphFiles.h"
#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Summary.h"
#include "ir/Verifier.h"
#include "passes/MemoryPlan.h"
#include "passes/PassManager.h"
#include "tools/cnnc/Options.h"
#include "tools/cnnc/RunInterpreter.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <filesystem>
#include <new>

using namespace cnnc;

namespace {

/// The code-generation artefact an --emit kind asks for, if any.
std::optional<ArtifactKind> artifactKind(EmitKind k) {
  switch (k) {
  case EmitKind::IR:
  case EmitKind::Summary:
  case EmitKind::Dot:
    return std::nullopt;
  case EmitKind::SharedObject:
    return ArtifactKind::SharedObject;
  case EmitKind::Object:
    return ArtifactKind::Object;
  case EmitKind::Assembly:
    return ArtifactKind::Assembly;
  case EmitKind::LLVM:
    return ArtifactKind::LLVM;
  case EmitKind::Header:
    return ArtifactKind::Header;
  case EmitKind::Kernels:
    return ArtifactKind::Kernels;
  case EmitKind::Cuda:
    return ArtifactKind::Cuda;
  case EmitKind::Ptx:
    return ArtifactKind::Ptx;
  }
  return std::nullopt;
}

/// Writes `text` to `path` through a temporary file, so a failure leaves
/// nothing half-written.
bool writeOutput(const std::string &path, const std::string &text,
                 DiagEngine &diag) {
  if (path.empty() || path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return true;
  }
  return writeFileAtomically(path, text, diag);
}

/// --stop-after and --print-ir-after must name registered passes.
bool checkPassNames(const CliOptions &opts, DiagEngine &diag) {
  std::vector<std::string> names(opts.passOpts.printAfter.begin(),
                                 opts.passOpts.printAfter.end());
  if (!opts.passOpts.stopAfter.empty())
    names.push_back(opts.passOpts.stopAfter);
  for (const std::string &n : names)
    if (!findPass(n, diag))
      return false;
  return true;
}

bool isOnnxPath(std::string_view m) {
  return m.size() >= 5 && m.substr(m.size() - 5) == ".onnx";
}

/// Parses MODEL.ir, or imports MODEL.onnx (by its extension).
std::unique_ptr<Graph> loadModel(const CliOptions &opts, DiagEngine &diag) {
  if (!isOnnxPath(opts.model)) {
    if (!opts.inputShapes.empty()) {
      diag.error(SourceLoc{}, "--input-shape applies to ONNX models only");
      return nullptr;
    }
    return parseGraphFile(opts.model, diag);
  }
  onnx::ImportOptions io;
  for (const std::string &s : opts.inputShapes) {
    std::string error;
    if (!onnx::parseInputShape(s, io, error)) {
      diag.error(SourceLoc{}, "{}", error);
      return nullptr;
    }
  }
  return onnx::importOnnxFile(opts.model, io, diag);
}

int run(const CliOptions &opts) {
  DiagEngine diag;
  if (!checkPassNames(opts, diag))
    return 1;
  PassManager pm(opts.passOpts);
  PassTarget target;
  if (opts.cuda)
    target = gpuPassTarget();
  else if (!passTargetFor(opts.targetCpu, opts.targetFeatures, target, diag))
    return 1;
  pm.setTarget(target);
  if (!pm.parsePipeline(opts.passes.empty()
                            ? defaultPipeline(opts.optLevel, target.device)
                            : opts.passes,
                        diag))
    return 1;
  if (opts.printPipeline)
    std::fprintf(stderr, "pipeline: %s\n", pm.pipelineStr().c_str());

  StageTimer timer(opts.timeStages);
  std::unique_ptr<Graph> g = loadModel(opts, diag);
  if (!g || !verifyGraph(*g, diag))
    return 1;
  timer.lap(isOnnxPath(opts.model) ? "import" : "parse");
  if (!pm.run(*g, diag))
    return 1;
  timer.lap("passes");

  std::string out;
  bool shapesKnown = true;
  for (const auto &n : g->nodes())
    for (const Value *r : n->results())
      shapesKnown &= r->type().known;
  if (std::optional<ArtifactKind> kind = artifactKind(opts.emit)) {
    if (!shapesKnown) {
      diag.error(SourceLoc{}, "code generation needs inferred shapes; run "
                              "the infer-shapes pass");
      return 1;
    }
    CompileOptions co;
    co.kind = *kind;
    co.output = opts.output;
    co.name = opts.name;
    co.backend = opts.cuda ? Backend::Cuda : Backend::Cpu;
    co.gpuArchs = opts.gpuArchs;
    co.targetCpu = opts.targetCpu;
    co.targetFeatures = opts.targetFeatures;
    co.externalWeights = opts.externalWeights;
    co.optLevel = opts.optLevel;
    co.timeStages = opts.timeStages;
    co.jobs = opts.jobs;
    co.shareKernels = opts.shareKernels;
    co.profile = opts.profile;
    // The graph is not needed after: its weights are freed as packed.
    return compileGraphConsuming(*g, co, diag) ? 0 : 1;
  }
  if (opts.emit == EmitKind::Summary) {
    if (!shapesKnown) {
      diag.error(SourceLoc{}, "--emit=summary needs inferred shapes; run "
                              "the infer-shapes pass");
      return 1;
    }
    MemoryPlan plan(*g);
    plan.place();
    WorkspaceSummary ws = plan.summary();
    out = formatSummary(*g, computeStats(*g), &ws);
  } else if (opts.emit == EmitKind::Dot) {
    out = formatDot(*g);
  } else if (!opts.interpret) {
    // Imported or folded weights go to a safetensors file beside the IR.
    if (!opts.output.empty() && opts.output != "-" && hasHeldData(*g))
      return writeGraphFiles(*g, opts.output, diag) ? 0 : 1;
    out = printGraph(*g);
  }
  if (opts.interpret) {
    if (!shapesKnown) {
      diag.error(SourceLoc{}, "--interpret needs inferred shapes; run the "
                              "infer-shapes pass");
      return 1;
    }
    if (!runInterpreter(*g, opts, diag, out))
      return 1;
  }
  return writeOutput(opts.output, out, diag) ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
  std::optional<CliOptions> opts = parseCommandLine(argc, argv);
  if (!opts)
    return 2;
  if (opts->help) {
    printUsage();
    return 0;
  }
  if (opts->version) {
    std::printf("cnnc 0.1.0\n");
    return 0;
  }
  if (opts->listOps) {
    std::fputs(listOps().c_str(), stdout);
    return 0;
  }
  if (opts->listOnnxOps) {
    // Markdown: docs/onnx-ops.md is this table.
    std::printf("| ONNX op | versions (opsets up to %d) |\n|---|---|\n",
                onnx::newestOpset());
    for (const auto &[name, versions] : onnx::supportedOnnxOps())
      fmt::print("| {} | {} |\n", name, fmt::join(versions, ", "));
    return 0;
  }
  if (opts->listPasses) {
    for (const PassInfo &p : allPasses())
      std::printf("%-22.*s %.*s\n", int(p.name.size()), p.name.data(),
                  int(p.summary.size()), p.summary.data());
    return 0;
  }
  if (opts->printTarget) {
    std::string error;
    std::unique_ptr<cpu::Target> t =
        cpu::resolveTarget(opts->targetCpu, opts->targetFeatures, error);
    if (!t) {
      std::fprintf(stderr, "cnnc: error: %s\n", error.c_str());
      return 1;
    }
    std::fputs(cpu::describeTarget(*t).c_str(), stdout);
    return 0;
  }
  try {
    return run(*opts);
  } catch (const std::bad_alloc &) {
    // The only exception cnnc lets through: a model too large for memory.
    std::fprintf(stderr, "cnnc: error: out of memory\n");
    return 1;
  }
}
