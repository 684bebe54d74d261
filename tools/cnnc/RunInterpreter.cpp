//===- RunInterpreter.cpp -------------------------------------------------===//
#include "tools/cnnc/RunInterpreter.h"
#include "ir/Attr.h"
#include "ir/Interpreter.h"
#include "ir/Npy.h"
#include "tools/common/OutputSummary.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <numeric>

namespace cnnc {

namespace {

/// Fills `inputs` from --input arguments; the rest stay seeded random.
bool loadInputs(const Graph &g, const CliOptions &opts, DiagEngine &diag,
                std::vector<Tensor> &inputs) {
  inputs = randomInputs(g, opts.seed);
  std::vector<bool> given(g.inputs().size(), false);
  size_t positional = 0;
  for (const std::string &arg : opts.inputs) {
    size_t eq = arg.find('=');
    std::string path = eq == std::string::npos ? arg : arg.substr(eq + 1);
    size_t index;
    if (eq == std::string::npos) {
      index = positional++;
      if (index >= g.inputs().size()) {
        diag.error(SourceLoc{}, "more --input files than the {} input{} of "
                   "'{}'", g.inputs().size(),
                   g.inputs().size() == 1 ? "" : "s", g.name());
        return false;
      }
    } else {
      std::string name = arg.substr(0, eq);
      if (!name.empty() && name[0] == '%')
        name = name.substr(1);
      auto it = std::find_if(g.inputs().begin(), g.inputs().end(),
                             [&](const Value *v) { return v->name() == name; });
      if (it == g.inputs().end()) {
        diag.error(SourceLoc{}, "model '{}' has no input '%{}'", g.name(),
                   name);
        return false;
      }
      index = size_t(it - g.inputs().begin());
    }
    if (given[index]) {
      diag.error(SourceLoc{}, "input '%{}' is given twice",
                 g.inputs()[index]->name());
      return false;
    }
    std::optional<Tensor> t = readNpy(path, diag);
    if (!t)
      return false;
    const Shape &want = g.inputs()[index]->type().shape;
    if (t->shape != want) {
      diag.error(SourceLoc{}, "input '%{}' expects shape {}, '{}' has {}",
                 g.inputs()[index]->name(), shapeStr(want), path,
                 shapeStr(t->shape));
      return false;
    }
    inputs[index] = std::move(*t);
    given[index] = true;
  }
  return true;
}

} // namespace

bool runInterpreter(const Graph &g, const CliOptions &opts, DiagEngine &diag,
                    std::string &report) {
  std::vector<Tensor> inputs;
  if (!loadInputs(g, opts, diag, inputs))
    return false;
  auto t0 = std::chrono::steady_clock::now();
  std::optional<std::vector<Tensor>> outs = interpret(g, inputs, diag);
  if (!outs)
    return false;
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  report += fmt::format("# reference interpreter: {} output{} in {:.3f} s\n",
                        outs->size(), outs->size() == 1 ? "" : "s", secs);
  for (size_t i = 0; i < outs->size(); ++i)
    report += describeTensor(g.outputs()[i]->name(), (*outs)[i],
                             opts.printOutputs);
  if (!opts.outputDir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(opts.outputDir, ec);
    if (ec) {
      diag.error(SourceLoc{}, "cannot create directory '{}': {}",
                 opts.outputDir, ec.message());
      return false;
    }
    for (size_t i = 0; i < outs->size(); ++i) {
      std::string path =
          (std::filesystem::path(opts.outputDir) /
           (g.outputs()[i]->name() + ".npy"))
              .string();
      if (!writeNpy(path, (*outs)[i], diag))
        return false;
      report += fmt::format("# wrote {}\n", path);
    }
  }
  return true;
}

} // namespace cnnc
