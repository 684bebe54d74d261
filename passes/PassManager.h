//===- PassManager.h - Running pipelines of passes --------------*- C++ -*-===//
#ifndef CNNC_PASSES_PASSMANAGER_H
#define CNNC_PASSES_PASSMANAGER_H

#include "passes/Pass.h"

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace cnnc {

struct PassInfo {
  std::string_view name;
  std::string_view summary;
  std::unique_ptr<Pass> (*create)();
};

/// Every registered pass, in Passes.def order.
std::span<const PassInfo> allPasses();
const PassInfo *lookupPass(std::string_view name);
/// lookupPass, reporting an unknown name (with the known ones) to `diag`.
const PassInfo *findPass(std::string_view name, DiagEngine &diag);

/// Instrumentation of a pipeline run.
struct PassOptions {
  bool verifyEach = false;
  bool printAfterAll = false;
  std::set<std::string> printAfter;
  std::string stopAfter;
  bool timePasses = false;
  /// The machine the graph is compiled for.
  PassTarget target;
  /// Where IR dumps and timings go (stderr when unset).
  std::function<void(const std::string &)> dump;
};

class PassManager {
public:
  explicit PassManager(PassOptions opts = {}) : Opts(std::move(opts)) {}

  void add(std::unique_ptr<Pass> p) { Passes.push_back(std::move(p)); }
  void setTarget(const PassTarget &t) { Opts.target = t; }
  /// Appends passes named in "a,b,c"; reports unknown names (with the list
  /// of known ones) and returns false.
  bool parsePipeline(std::string_view text, DiagEngine &diag);
  /// "infer-shapes,..." for --print-pipeline.
  std::string pipelineStr() const;
  bool empty() const { return Passes.empty(); }

  /// Runs the passes in order; stops at the first failure or after
  /// `stopAfter`. Returns false on failure.
  bool run(Graph &g, DiagEngine &diag);

private:
  void emit(const std::string &s) const;

  PassOptions Opts;
  std::vector<std::unique_ptr<Pass>> Passes;
};

} // namespace cnnc

#endif
