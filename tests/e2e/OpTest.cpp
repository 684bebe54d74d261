//===- OpTest.cpp - Compiled ops against the reference interpreter --------===//
//
// cnnc-op-test [--filter SUBSTR] [--require-all-ops] [--jobs N]
//              [--pipeline default|PASSES] [--target-cpu=CPU]
//              [--target-features=F] [--tile-cases ROOT] PATH...
//
// For every case (a .ir file, or every .ir file of a folder) it compiles
// the graph with the CPU backend (for the host, or --target-cpu and
// --target-features as cnnc takes them) into a shared object in a
// temporary folder, loads it through the runtime, runs it on the case's
// stored inputs ("input:NAME" in
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
// the target) on each case after the interpreter computed the expected
// outputs from the graph as written, so the optimised graph's compiled
// outputs are compared with the original's.
//
// --tile-cases ROOT adds the folder ROOT/MRxNR of the target's register
// tile (the cases gen_tile_cases.py writes on that tile's edges).
//
// When the host lacks CPU features of the target (AVX-512 code on an AVX2
// machine), every case is still compiled, verified and linked, and the
// runtime must refuse each with its message; nothing runs, and the exit
// status is 77 (ctest's skip) with a line saying so.
//
// Tolerance, per output: |actual - expected| <= 1e-4 * max(|expected|) +
// 1e-4 * |expected| + 1e-6: float accumulation in the kernels versus double
// in the interpreter grows with the reduction length, relative to the
// output's scale.
//
//===----------------------------------------------------------------------===//
#include "compiler/Pipeline.h"
#include "compiler/cpu/Target.h"
#include "compiler/cpu/kernels/ParamsConv.h"
#include "ir/Op.h"
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

/// Runs `pipeline` on g (after the expected outputs were computed) for
/// `target`.
bool optimise(Graph &g, const std::string &pipeline, const TestTarget &t,
              DiagEngine &diag) {
  PassTarget target;
  if (!passTargetFor(t.cpu, t.features, target, diag))
    return false;
  PassManager pm;
  pm.setTarget(target);
  std::string text(pipeline == "default" ? defaultPipeline(2) : pipeline);
  return pm.parsePipeline(text, diag) && pm.run(g, diag);
}

/// What a case did besides passing or failing: the runtime's refusal.
struct RunOutcome : CaseOutcome {
  std::string refused;
};

RunOutcome runCase(const fs::path &irPath, const fs::path &tmpDir,
                   const std::string &pipeline, const TestTarget &target) {
  RunOutcome r;
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
  if (!pipeline.empty() && !optimise(*g, pipeline, target, diag)) {
    r.log = "    the pass pipeline fails\n" + errorsOf(diag);
    return r;
  }
  CompiledRun run = compileAndRun(
      *g, inputs, (tmpDir / (irPath.stem().string() + ".so")).string(),
      target);
  if (!run.refused.empty()) {
    r.refused = run.refused;
    r.passed = run.refused.find("needs CPU features this machine lacks") !=
               std::string::npos;
    if (!r.passed)
      r.log = "    refused with an unexpected message: " + run.refused + "\n";
    return r;
  }
  bool ok = !run.serial.empty();
  for (size_t i = 0; ok && i < expected->size(); ++i) {
    ok &= compareOutput(g->outputs()[i]->name(), run.serial[i].data(),
                        (*expected)[i], r.log);
    if (run.split.size() != run.serial.size() ||
        run.split[i].size() != run.serial[i].size() ||
        (!run.serial[i].empty() &&
         std::memcmp(run.serial[i].data(), run.split[i].data(),
                     run.serial[i].size() * 4) != 0)) {
      r.log += fmt::format("    output %{} differs when its tasks are split\n",
                           g->outputs()[i]->name());
      ok = false;
    }
  }
  r.log += run.error;
  r.passed = ok;
  return r;
}

/// The register tile of `target` ("6x16"), as the kernel library has it.
std::string registerTileName(const TestTarget &target) {
  std::string error;
  std::unique_ptr<cpu::Target> t =
      cpu::resolveTarget(target.cpu, target.features, error);
  if (!t) {
    fmt::print(stderr, "cnnc-op-test: error: {}\n", error);
    return "";
  }
  int v = t->info.vectorWidth;
  return fmt::format("{}x{}", cnnk::gemmMR(v), cnnk::gemmNR(v));
}

bool startsWith(const std::string &s, const char *prefix) {
  return s.rfind(prefix, 0) == 0;
}

} // namespace

int main(int argc, char **argv) {
  std::string filter, pipeline;
  bool requireAll = false;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  TestTarget target;
  std::vector<std::string> tileRoots;
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
    } else if (startsWith(a, "--target-cpu=")) {
      target.cpu = a.substr(13);
    } else if (startsWith(a, "--target-features=")) {
      target.features = a.substr(18);
    } else if (a == "--tile-cases" && i + 1 < argc) {
      tileRoots.push_back(argv[++i]);
    } else if (!addCases(a, cases)) {
      fmt::print(stderr,
                 "cnnc-op-test: error: '{}' is not a .ir file or a "
                 "folder\n",
                 a);
      return 2;
    }
  }
  std::string tile = registerTileName(target);
  if (tile.empty())
    return 2;
  for (const std::string &root : tileRoots) {
    fs::path dir = fs::path(root) / tile;
    if (!addCases(dir.string(), cases)) {
      fmt::print(stderr,
                 "cnnc-op-test: error: no tile cases for register tile {} "
                 "in '{}' (tests/e2e/gen_tile_cases.py writes them)\n",
                 tile, root);
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
  std::vector<RunOutcome> results(cases.size());
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned j = 0; j < jobs; ++j)
    workers.emplace_back([&] {
      for (size_t i; (i = next++) < cases.size();)
        results[i] = runCase(cases[i], tmpl, pipeline, target);
    });
  for (auto &w : workers)
    w.join();
  fs::remove_all(tmpl);

  fmt::print("target: {} (register tile {})\n",
             target.cpu.empty() ? "the host" : target.cpu, tile);
  size_t refused = 0;
  for (const RunOutcome &r : results)
    refused += !r.refused.empty();
  std::vector<CaseOutcome> outcomes(results.begin(), results.end());
  int status = reportCases(cases, outcomes, requireAll);
  if (refused == 0)
    return status;
  if (refused != cases.size()) {
    fmt::print("FAIL: the runtime refused {} of {} cases, ran the others\n",
               refused, cases.size());
    return 1;
  }
  if (status != 0)
    return status;
  // Every case compiled, verified, linked and was refused as it should be.
  fmt::print("skipped running: this CPU cannot run code for {}; all {} "
             "cases compiled, verified and linked, and the runtime refused "
             "each: {}\n",
             target.cpu.empty() ? "the host" : target.cpu, cases.size(),
             results.front().refused);
  return 77;
}
