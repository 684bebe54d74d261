//===- Cases.cpp - What the op test runners share -------------------------===//
#include "tests/e2e/Cases.h"

#include "ir/Interpreter.h"
#include "ir/Op.h"
#include "ir/Safetensors.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace cnnc {

namespace fs = std::filesystem;

std::vector<Tensor> caseInputs(const Graph &g, const fs::path &irPath,
                               DiagEngine &diag) {
  fs::path data = fs::path(irPath).replace_extension(".safetensors");
  std::vector<Tensor> random = randomInputs(g, 0);
  if (!fs::exists(data))
    return random;
  std::unique_ptr<SafetensorsFile> file =
      SafetensorsFile::open(data.string(), diag, SourceLoc{});
  if (!file)
    return random;
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    std::string key = "input:" + g.inputs()[i]->name();
    if (!file->find(key))
      continue;
    if (std::optional<Tensor> t = file->read(key, diag, SourceLoc{}))
      random[i] = std::move(*t);
  }
  return random;
}

bool compareOutput(const std::string &name, const float *actual,
                   const Tensor &expected, std::string &log) {
  double scale = 0;
  for (float e : expected.data)
    if (std::isfinite(e))
      scale = std::max(scale, double(std::fabs(e)));
  int64_t bad = 0;
  for (int64_t i = 0; i < expected.size(); ++i) {
    double a = actual[i], e = expected.data[size_t(i)];
    bool ok = std::isnan(e)   ? std::isnan(a)
              : std::isinf(e) ? a == e
                              : std::fabs(a - e) <=
                                    1e-4 * scale + 1e-4 * std::fabs(e) + 1e-6;
    if (ok)
      continue;
    if (bad++ < 5)
      log += fmt::format("    output %{} element {}: actual {}, expected {}\n",
                         name, i, a, e);
  }
  if (bad)
    log += fmt::format("    output %{}: {} of {} elements mismatch\n", name,
                       bad, expected.size());
  return bad == 0;
}

int reportCases(const std::vector<fs::path> &cases,
                const std::vector<CaseOutcome> &outcomes, bool requireAllOps) {
  int passed = 0, failed = 0;
  std::set<OpKind> covered;
  for (size_t i = 0; i < cases.size(); ++i) {
    covered.insert(outcomes[i].ops.begin(), outcomes[i].ops.end());
    if (outcomes[i].passed) {
      ++passed;
      continue;
    }
    ++failed;
    fmt::print("FAIL {}\n{}", cases[i].string(), outcomes[i].log);
  }
  if (requireAllOps)
    for (const OpInfo &op : allOps())
      if (op.kind != OpKind::Const && !covered.count(op.kind)) {
        fmt::print("FAIL op '{}' appears in no case\n", op.name);
        ++failed;
      }
  fmt::print("{} passed, {} failed\n", passed, failed);
  return failed ? 1 : 0;
}

bool addCases(const std::string &arg, std::vector<fs::path> &out) {
  if (fs::is_directory(arg)) {
    for (const auto &e : fs::directory_iterator(arg))
      if (e.path().extension() == ".ir")
        out.push_back(e.path());
    return true;
  }
  if (fs::path(arg).extension() == ".ir") {
    out.push_back(arg);
    return true;
  }
  return false;
}

} // namespace cnnc
