//===- OpTest.cpp - Compiled ops against the reference interpreter --------===//
//
// cnnc-op-test [--filter SUBSTR] [--require-all-ops] [--jobs N]
//              [--pipeline default|PASSES] PATH...
//
// For every case (a .ir file, or every .ir file of a folder) it compiles
// the graph with the CPU backend into a shared object in a temporary
// folder, loads it, runs it on the case's stored inputs ("input:NAME" in
// NAME.safetensors beside it, as the golden cases have) or on seeded random
// inputs, and compares every output with the reference interpreter's. Then
// it runs the model again with its parallel task ranges split unevenly
// (as a thread pool would) and requires bit-identical outputs: results must
// not depend on the thread count. One line per failing case, then
// `N passed, M failed`.
//
// --require-all-ops fails when an op of the op table (but const) appears in
// no case, so no op goes without a compiled test.
//
// --pipeline runs a pass pipeline (`default`: cnnc's default -O2 one, for
// this machine) on each case after the interpreter computed the expected
// outputs from the graph as written, so the optimised graph's compiled
// outputs are compared with the original's.
//
// Tolerance, per output: |actual - expected| <= 1e-4 * max(|expected|) +
// 1e-4 * |expected| + 1e-6: float accumulation in the kernels versus double
// in the interpreter grows with the reduction length, relative to the
// output's scale.
//
//===----------------------------------------------------------------------===//
#include "ir/Op.h"
#include "compiler/Pipeline.h"
#include "ir/Interpreter.h"
#include "ir/Parser.h"
#include "ir/Safetensors.h"
#include "ir/ShapeInference.h"
#include "ir/Verifier.h"
#include "passes/PassManager.h"
#include "tests/e2e/Cases.h"
#include "tests/e2e/RunCompiled.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

using namespace cnnc;
namespace fs = std::filesystem;

namespace {

/// Runs `pipeline` on g (after the expected outputs were computed).
bool optimise(Graph &g, const std::string &pipeline, DiagEngine &diag) {
  PassTarget target;
  if (!passTargetFor("", "", target, diag))
    return false;
  PassManager pm;
  pm.setTarget(target);
  std::string text(pipeline == "default" ? defaultPipeline(2) : pipeline);
  return pm.parsePipeline(text, diag) && pm.run(g, diag);
}

CaseOutcome runCase(const fs::path &irPath, const fs::path &tmpDir,
                    const std::string &pipeline) {
  CaseOutcome r;
  DiagEngine diag;
  diag.setPrintImmediately(false);
  std::unique_ptr<Graph> g = parseGraphFile(irPath.string(), diag);
  if (!g) {
    r.log = "    does not parse\n" + errorsOf(diag);
    return r;
  }
  for (const auto &n : g->nodes())
    r.ops.insert(n->kind());
  if (!verifyGraph(*g, diag) || !inferShapes(*g, diag)) {
    r.log = "    does not verify or infer shapes\n" + errorsOf(diag);
    return r;
  }
  std::vector<Tensor> inputs = caseInputs(*g, irPath, diag);
  std::optional<std::vector<Tensor>> expected = interpret(*g, inputs, diag);
  if (!expected) {
    r.log = "    the interpreter fails\n" + errorsOf(diag);
    return r;
  }
  if (!pipeline.empty() && !optimise(*g, pipeline, diag)) {
    r.log = "    the pass pipeline fails\n" + errorsOf(diag);
    return r;
  }
  CompiledRun run = compileAndRun(
      *g, inputs, (tmpDir / (irPath.stem().string() + ".so")).string());
  bool ok = !run.serial.empty();
  for (size_t i = 0; ok && i < expected->size(); ++i) {
    ok &= compareOutput(g->outputs()[i]->name(), run.serial[i].data(),
                        (*expected)[i], r.log);
    if (run.split.size() != run.serial.size() ||
        std::memcmp(run.serial[i].data(), run.split[i].data(),
                    run.serial[i].size() * 4) != 0) {
      r.log += fmt::format("    output %{} differs when its tasks are split\n",
                           g->outputs()[i]->name());
      ok = false;
    }
  }
  r.log += run.error;
  r.passed = ok;
  return r;
}

} // namespace

int main(int argc, char **argv) {
  std::string filter, pipeline;
  bool requireAll = false;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  std::vector<fs::path> cases;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--filter" && i + 1 < argc) {
      filter = argv[++i];
    } else if (a == "--jobs" && i + 1 < argc) {
      jobs = unsigned(std::max(1, std::atoi(argv[++i])));
    } else if (a == "--pipeline" && i + 1 < argc) {
      pipeline = argv[++i];
    } else if (a == "--require-all-ops") {
      requireAll = true;
    } else if (!addCases(a, cases)) {
      fmt::print(stderr,
                 "cnnc-op-test: error: '{}' is not a .ir file or a "
                 "folder\n",
                 a);
      return 2;
    }
  }
  std::sort(cases.begin(), cases.end());
  std::erase_if(cases, [&](const fs::path &p) {
    return p.string().find(filter) == std::string::npos;
  });
  if (cases.empty()) {
    fmt::print("no cases\n0 passed, 1 failed\n");
    return 1;
  }
  char tmpl[] = "/tmp/cnnc-op-test-XXXXXX";
  if (!mkdtemp(tmpl)) {
    fmt::print(stderr, "cnnc-op-test: error: cannot create a temporary "
                       "folder\n");
    return 1;
  }
  std::vector<CaseOutcome> results(cases.size());
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned j = 0; j < jobs; ++j)
    workers.emplace_back([&] {
      for (size_t i; (i = next++) < cases.size();)
        results[i] = runCase(cases[i], tmpl, pipeline);
    });
  for (auto &w : workers)
    w.join();
  fs::remove_all(tmpl);

  return reportCases(cases, results, requireAll);
}
