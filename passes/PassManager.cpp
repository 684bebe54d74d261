//===- PassManager.cpp ----------------------------------------------------===//
#include "passes/PassManager.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <fmt/format.h>

namespace cnnc {

namespace {
constexpr PassInfo kPasses[] = {
#define PASS(Id, Name, Summary) {Name, Summary, &create##Id##Pass},
#include "passes/Passes.def"
};
} // namespace

std::span<const PassInfo> allPasses() { return kPasses; }

const PassInfo *lookupPass(std::string_view name) {
  for (const PassInfo &p : kPasses)
    if (p.name == name)
      return &p;
  return nullptr;
}

const PassInfo *findPass(std::string_view name, DiagEngine &diag) {
  if (const PassInfo *p = lookupPass(name))
    return p;
  std::string known;
  for (const PassInfo &k : kPasses)
    known += (known.empty() ? "" : ", ") + std::string(k.name);
  diag.error(SourceLoc{}, "unknown pass '{}' (passes: {})", name, known);
  return nullptr;
}

bool PassManager::parsePipeline(std::string_view text, DiagEngine &diag) {
  while (!text.empty()) {
    size_t comma = text.find(',');
    const PassInfo *p = findPass(text.substr(0, comma), diag);
    if (!p)
      return false;
    Passes.push_back(p->create());
    if (comma == std::string_view::npos)
      break;
    text.remove_prefix(comma + 1);
  }
  return true;
}

std::string PassManager::pipelineStr() const {
  std::string s;
  for (const auto &p : Passes)
    s += (s.empty() ? "" : ",") + std::string(p->name());
  return s;
}

void PassManager::emit(const std::string &s) const {
  if (Opts.dump)
    Opts.dump(s);
  else
    std::fputs(s.c_str(), stderr);
}

bool PassManager::run(Graph &g, DiagEngine &diag) {
  PassContext ctx{diag, Opts.target};
  using Clock = std::chrono::steady_clock;
  std::vector<std::pair<std::string_view, double>> times;
  for (const auto &p : Passes)
    if (p->requiresKernels() && !Opts.target.kernels) {
      diag.error(SourceLoc{},
                 "pass '{}' needs the target's kernel catalogue, and none "
                 "was given (set PassTarget::kernels, as passTargetFor "
                 "does)",
                 p->name());
      return false;
    }
  for (const auto &p : Passes) {
    bool print = Opts.printAfterAll ||
                 Opts.printAfter.count(std::string(p->name())) != 0;
    std::string before = print ? printGraph(g) : std::string();
    auto t0 = Clock::now();
    bool ok = p->run(g, ctx);
    times.push_back(
        {p->name(), std::chrono::duration<double>(Clock::now() - t0).count()});
    if (!ok)
      return false;
    if (Opts.verifyEach && !verifyGraph(g, diag)) {
      diag.error(SourceLoc{}, "graph fails verification after pass '{}'",
                 p->name());
      return false;
    }
    if (print) {
      std::string after = printGraph(g);
      emit(fmt::format("# -- IR after {}{} --\n{}", p->name(),
                       after == before ? " (unchanged)" : "", after));
    }
    if (Opts.stopAfter == p->name())
      break;
  }
  if (Opts.timePasses) {
    double total = 0;
    std::string s = "# -- pass timings --\n";
    for (auto &[name, secs] : times) {
      s += fmt::format("#  {:>9.3f} ms  {}\n", secs * 1e3, name);
      total += secs;
    }
    emit(s + fmt::format("#  {:>9.3f} ms  total\n", total * 1e3));
  }
  return true;
}

} // namespace cnnc
