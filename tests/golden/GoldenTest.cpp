//===- GoldenTest.cpp - Every op against outputs computed by PyTorch ------===//
//
// cnnc-golden-test CASES_DIR [FILTER]
//
// Runs every golden case of CASES_DIR (written by gen_golden.py): for
// NAME.ir it parses, verifies and shape-infers the graph, checks each
// output's inferred shape against the expected tensor in NAME.safetensors,
// runs the reference interpreter on the stored inputs and compares every
// element. One line per case, then `N passed, M failed`.
//
// The test fails when any case fails, when the directory holds no case, and
// (without FILTER) when an op of the op table other than const appears in no
// case, so a new op cannot land without a golden case; each such op counts
// as one failure in the summary line.
//
// Tolerance: |actual - expected| <= 1e-4 + 1e-4 * |expected|. The
// expectation is PyTorch's float64 result rounded to float32; the
// interpreter accumulates in double and rounds its result to float32, so the
// two differ by a few float32 ulps (about 1e-7 relative) plus the
// interpreter's own rounding of intermediates. 1e-4 leaves room for that and
// for transcendental functions evaluated in float, yet catches any wrong
// index, pad, window or formula.
//
//===----------------------------------------------------------------------===//
#include "ir/Interpreter.h"
#include "ir/Op.h"
#include "ir/Parser.h"
#include "ir/Safetensors.h"
#include "ir/ShapeInference.h"
#include "ir/Verifier.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

using namespace cnnc;
namespace fs = std::filesystem;

namespace {

constexpr double kAbsTol = 1e-4;
constexpr double kRelTol = 1e-4;
/// Mismatching elements printed per output before the count.
constexpr int64_t kMaxReported = 5;

/// The multi-index of flat element `flat` of a row-major `shape`: "[0,2,1]".
std::string multiIndex(const Shape &shape, int64_t flat) {
  std::vector<int64_t> idx(shape.size());
  for (size_t i = shape.size(); i-- > 0;) {
    idx[i] = flat % shape[i];
    flat /= shape[i];
  }
  return shapeStr(idx);
}

/// Prints the errors (not the warnings) a stage reported, indented under the
/// case's line.
void printErrors(const DiagEngine &diag) {
  for (const Diagnostic &d : diag.diagnostics())
    if (d.severity != Severity::Warning)
      fmt::print("    {}\n", DiagEngine::format(d));
}

/// Compares one output elementwise; prints the first mismatches and their
/// count. Returns true when every element is within tolerance.
bool compareOutput(const std::string &caseName, const std::string &output,
                   const Tensor &actual, const Tensor &expected) {
  if (actual.shape != expected.shape) {
    fmt::print("    {}: output %{} has shape {}, expected {}\n", caseName,
               output, shapeStr(actual.shape), shapeStr(expected.shape));
    return false;
  }
  int64_t mismatches = 0;
  for (int64_t i = 0; i < expected.size(); ++i) {
    double a = actual.data[size_t(i)], e = expected.data[size_t(i)];
    if (std::fabs(a - e) <= kAbsTol + kRelTol * std::fabs(e))
      continue; // NaN fails this test and lands below
    if (mismatches++ < kMaxReported)
      fmt::print("    {}: output %{} element {} {}: actual {}, expected {}\n",
                 caseName, output, i, multiIndex(expected.shape, i), a, e);
  }
  if (mismatches)
    fmt::print("    {}: output %{}: {} of {} elements mismatch\n", caseName,
               output, mismatches, expected.size());
  return mismatches == 0;
}

/// Reads `key` of the case's safetensors file; prints why on failure.
std::optional<Tensor> readTensor(const SafetensorsFile &file,
                                 const std::string &key, DiagEngine &diag) {
  if (!file.find(key)) {
    fmt::print("    {} has no tensor '{}'\n", file.path(), key);
    return std::nullopt;
  }
  std::optional<Tensor> t = file.read(key, diag, SourceLoc{});
  if (!t)
    printErrors(diag);
  return t;
}

/// Runs one case; records the ops its graph uses in `covered`. Returns true
/// when it passes, else prints why.
bool runCase(const fs::path &irPath, std::set<OpKind> &covered) {
  std::string name = irPath.stem().string();
  DiagEngine diag;
  diag.setPrintImmediately(false);
  std::unique_ptr<Graph> g = parseGraphFile(irPath.string(), diag);
  if (!g) {
    fmt::print("    {}: does not parse\n", name);
    printErrors(diag);
    return false;
  }
  for (const auto &n : g->nodes())
    covered.insert(n->kind());
  if (!verifyGraph(*g, diag) || !inferShapes(*g, diag)) {
    fmt::print("    {}: does not verify or infer shapes\n", name);
    printErrors(diag);
    return false;
  }
  fs::path dataPath = fs::path(irPath).replace_extension(".safetensors");
  std::unique_ptr<SafetensorsFile> data =
      SafetensorsFile::open(dataPath.string(), diag, SourceLoc{});
  if (!data) {
    printErrors(diag);
    return false;
  }
  std::vector<Tensor> inputs;
  for (const Value *in : g->inputs()) {
    std::optional<Tensor> t = readTensor(*data, "input:" + in->name(), diag);
    if (!t)
      return false;
    inputs.push_back(std::move(*t));
  }
  std::vector<Tensor> expected;
  bool ok = true;
  for (const Value *out : g->outputs()) {
    std::optional<Tensor> t =
        readTensor(*data, "expected:" + out->name(), diag);
    if (!t)
      return false;
    if (out->type().shape != t->shape) {
      fmt::print("    {}: output %{} is inferred {}, expected shape {}\n", name,
                 out->name(), out->type().str(), shapeStr(t->shape));
      ok = false;
    }
    expected.push_back(std::move(*t));
  }
  if (!ok)
    return false;
  std::optional<std::vector<Tensor>> actual = interpret(*g, inputs, diag);
  if (!actual) {
    fmt::print("    {}: the interpreter failed\n", name);
    printErrors(diag);
    return false;
  }
  for (size_t i = 0; i < expected.size(); ++i)
    ok &=
        compareOutput(name, g->outputs()[i]->name(), (*actual)[i], expected[i]);
  return ok;
}

/// The .ir files of `dir` whose name contains `filter`, sorted.
std::vector<fs::path> findCases(const fs::path &dir,
                                const std::string &filter) {
  std::vector<fs::path> cases;
  std::error_code ec;
  for (const fs::directory_entry &e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".ir" &&
        e.path().stem().string().find(filter) != std::string::npos)
      cases.push_back(e.path());
  std::sort(cases.begin(), cases.end());
  return cases;
}

/// Reports every op of the table (but const) that no case uses. Returns the
/// number of such ops.
unsigned reportUncovered(const std::set<OpKind> &covered) {
  unsigned missing = 0;
  for (const OpInfo &op : allOps()) {
    if (op.kind == OpKind::Const || covered.count(op.kind))
      continue;
    fmt::print("FAIL op '{}' has no golden case (add one to "
               "tests/golden/gen_golden.py)\n",
               op.name);
    ++missing;
  }
  return missing;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    fmt::print(stderr, "usage: {} CASES_DIR [FILTER]\n", argv[0]);
    return 2;
  }
  fs::path dir = argv[1];
  std::string filter = argc == 3 ? argv[2] : "";
  std::vector<fs::path> cases = findCases(dir, filter);
  if (cases.empty()) {
    fmt::print("FAIL no golden case (*.ir) in '{}'{}\n", dir.string(),
               filter.empty() ? "" : fmt::format(" matching '{}'", filter));
    fmt::print("0 passed, 1 failed\n");
    return 1;
  }
  unsigned passed = 0, failed = 0;
  std::set<OpKind> covered;
  for (const fs::path &p : cases) {
    bool ok = runCase(p, covered);
    fmt::print("{} {}\n", ok ? "PASS" : "FAIL", p.stem().string());
    ++(ok ? passed : failed);
  }
  if (filter.empty())
    failed += reportUncovered(covered);
  fmt::print("{} passed, {} failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
