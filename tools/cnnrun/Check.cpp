//===- Check.cpp - cnnrun --check: compare with the reference interpreter -===//
#include "ir/Attr.h"
#include "ir/Interpreter.h"
#include "ir/Parser.h"
#include "ir/ShapeInference.h"
#include "ir/Verifier.h"
#include "tools/cnnrun/Runner.h"

#include <cmath>

namespace cnnc {

namespace {

/// How far an output is from the interpreter's.
struct Error {
  double maxAbs = 0;      ///< Largest |actual - expected|.
  double maxExpected = 0; ///< Largest |expected|.
  int64_t worst = -1;     ///< Index of the largest difference.
  int64_t mismatchedNonFinite = 0;

  double relative() const {
    if (mismatchedNonFinite)
      return INFINITY;
    return maxExpected > 0 ? maxAbs / maxExpected : maxAbs;
  }
};

Error compare(const Tensor &actual, const Tensor &expected) {
  Error e;
  for (int64_t i = 0; i < expected.size(); ++i) {
    double a = actual.data[size_t(i)], x = expected.data[size_t(i)];
    if (!std::isfinite(a) || !std::isfinite(x)) {
      // Equal infinities, or NaN for NaN, are agreement.
      bool same = (std::isnan(a) && std::isnan(x)) || a == x;
      e.mismatchedNonFinite += same ? 0 : 1;
      if (!same && e.worst < 0)
        e.worst = i;
      continue;
    }
    e.maxExpected = std::max(e.maxExpected, std::fabs(x));
    double diff = std::fabs(a - x);
    if (diff > e.maxAbs || e.worst < 0) {
      e.maxAbs = std::max(e.maxAbs, diff);
      e.worst = i;
    }
  }
  return e;
}

/// Parses, verifies and shape-infers the --check model, and checks it has
/// the compiled model's inputs and outputs.
std::unique_ptr<Graph>
loadReference(const cnnrt_model *m, const std::string &path, DiagEngine &diag) {
  std::unique_ptr<Graph> g = parseGraphFile(path, diag);
  if (!g || !verifyGraph(*g, diag) || !inferShapes(*g, diag))
    return nullptr;
  const cnnc_model_desc &d = *cnnrt_model_desc(m);
  auto sameTensors = [&](const std::vector<Value *> &vs,
                         const cnnc_tensor_desc *ts, int32_t n,
                         const char *kind) {
    if (vs.size() != size_t(n)) {
      diag.error(SourceLoc{}, "'{}' has {} {}{}, model '{}' has {}", path,
                 vs.size(), kind, vs.size() == 1 ? "" : "s", d.name, n);
      return false;
    }
    for (int32_t i = 0; i < n; ++i) {
      if (vs[size_t(i)]->type().shape == tensorShape(ts[i]))
        continue;
      diag.error(SourceLoc{},
                 "{} {} has shape {} in '{}' but {} in model "
                 "'{}'",
                 kind, i, shapeStr(vs[size_t(i)]->type().shape), path,
                 shapeStr(tensorShape(ts[i])), d.name);
      return false;
    }
    return true;
  };
  if (!sameTensors(g->inputs(), d.inputs, d.num_inputs, "input") ||
      !sameTensors(g->outputs(), d.outputs, d.num_outputs, "output"))
    return nullptr;
  return g;
}

} // namespace

bool checkAgainstInterpreter(const cnnrt_model *m, const RunOptions &opts,
                             const std::vector<Tensor> &inputs,
                             const std::vector<Tensor> &outputs,
                             DiagEngine &diag, std::string &report) {
  std::unique_ptr<Graph> g = loadReference(m, opts.check, diag);
  if (!g)
    return false;
  std::optional<std::vector<Tensor>> want = interpret(*g, inputs, diag);
  if (!want)
    return false;
  const cnnc_model_desc &d = *cnnrt_model_desc(m);
  report += fmt::format("# check against the reference interpreter on '{}' "
                        "(tolerance {})\n",
                        opts.check, opts.tolerance);
  bool ok = true;
  for (size_t i = 0; i < outputs.size(); ++i) {
    Error e = compare(outputs[i], (*want)[i]);
    std::string name = tensorName(d.outputs[i]);
    bool pass = e.relative() <= opts.tolerance;
    report += fmt::format("%{}: max abs error {:.3g}, max rel error {:.3g}",
                          name, e.maxAbs, e.relative());
    if (e.worst >= 0 && (e.maxAbs > 0 || e.mismatchedNonFinite))
      report += fmt::format(" (at index {}: {} vs {})", e.worst,
                            floatText(outputs[i].data[size_t(e.worst)]),
                            floatText((*want)[i].data[size_t(e.worst)]));
    if (e.mismatchedNonFinite)
      report +=
          fmt::format(", {} non-finite mismatches", e.mismatchedNonFinite);
    report += pass ? ": ok\n" : ": FAILED\n";
    if (!pass)
      ok = false;
  }
  if (!ok)
    diag.error(SourceLoc{},
               "model '{}' differs from the reference "
               "interpreter beyond the relative tolerance {}",
               d.name, opts.tolerance);
  return ok;
}

} // namespace cnnc
