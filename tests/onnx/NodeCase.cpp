//===- NodeCase.cpp - One ONNX backend node test, run by cnnc -------------===//
#include "tests/onnx/NodeCase.h"

#include "compiler/onnx/Importer.h"
#include "tests/e2e/RunCompiled.h"
#include "tests/onnx/NodeSupport.h"
#include "tests/onnx/TensorProtos.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <set>
#include <vector>

using namespace cnnc;
using namespace cnnc::nodetest;
namespace fs = std::filesystem;

namespace {

constexpr double kRtol = 1e-3, kAtol = 1e-4;

CaseResult failed(std::string reason, std::string details = "") {
  return {Outcome::Failed, std::move(reason), std::move(details)};
}

/// The first line of the first error of a log of indented diagnostics.
std::string firstLine(const std::string &log) {
  size_t b = log.find_first_not_of(' ');
  if (b == std::string::npos)
    return "";
  return log.substr(b, log.find('\n', b) - b);
}

/// The graph inputs the test feeds: those that are not initializers, each
/// with its input_N.pb, in order.
bool readFedInputs(const ::onnx::GraphProto &g, const fs::path &data,
                   std::vector<std::string> &order, FedInputs &fed,
                   std::string &error) {
  std::set<std::string> inits;
  for (const auto &t : g.initializer())
    inits.insert(t.name());
  for (const ::onnx::ValueInfoProto &in : g.input()) {
    if (inits.count(in.name()))
      continue;
    fs::path pb = data / fmt::format("input_{}.pb", order.size());
    if (!readTensorProto(pb.string(), fed[in.name()])) {
      error = fmt::format("cannot read {}", pb.filename().string());
      return false;
    }
    order.push_back(in.name());
  }
  return true;
}

/// Inputs of the imported graph, by name from the fed tensors.
bool graphInputs(const Graph &g, const FedInputs &fed,
                 std::vector<Tensor> &inputs, std::string &error) {
  for (const Value *v : g.inputs()) {
    auto it = fed.find(v->name());
    if (it == fed.end()) {
      error = fmt::format("imported graph input %{} is no fed ONNX input",
                          v->name());
      return false;
    }
    std::optional<Tensor> t = toTensor(it->second, error);
    if (!t)
      return false;
    inputs.push_back(std::move(*t));
  }
  return true;
}

bool isClose(double a, double e) {
  if (std::isnan(e))
    return std::isnan(a);
  if (std::isinf(e))
    return a == e;
  return std::fabs(a - e) <= kAtol + kRtol * std::fabs(e);
}

/// Compares output `name` with its expected tensor; appends what differs.
bool compareOutput(const std::string &name, const std::vector<float> &actual,
                   const Shape &shape, const Tensor &expected,
                   std::string &log) {
  if (shape != expected.shape) {
    log += fmt::format("    output {}: shape {}, expected {}\n", name,
                       shapeStr(shape), shapeStr(expected.shape));
    return false;
  }
  int64_t bad = 0;
  for (size_t i = 0; i < expected.data.size(); ++i) {
    if (isClose(actual[i], expected.data[i]))
      continue;
    if (bad++ < 5)
      log += fmt::format("    output {} element {}: actual {}, expected {}\n",
                         name, i, actual[i], expected.data[i]);
  }
  if (bad)
    log += fmt::format("    output {}: {} of {} elements mismatch\n", name, bad,
                       expected.size());
  return bad == 0;
}

CaseResult compareOutputs(const ::onnx::GraphProto &g, const fs::path &data,
                          const CompiledRun &run) {
  if (size_t(g.output_size()) != run.serial.size())
    return failed(fmt::format("{} outputs, expected {}", run.serial.size(),
                              g.output_size()));
  std::string log;
  for (size_t i = 0; i < run.serial.size(); ++i) {
    const std::string &name = g.output(int(i)).name();
    ::onnx::TensorProto pb;
    std::string error;
    std::optional<Tensor> expected;
    if (readTensorProto((data / fmt::format("output_{}.pb", i)).string(), pb))
      expected = toTensor(pb, error);
    if (!expected)
      return failed(fmt::format("cannot read output_{}.pb {}", i, error));
    compareOutput(name, run.serial[i], run.shapes[i], *expected, log);
    if (run.split.size() != run.serial.size() ||
        run.split[i].size() != run.serial[i].size() ||
        (!run.serial[i].empty() &&
         std::memcmp(run.serial[i].data(), run.split[i].data(),
                     run.serial[i].size() * 4) != 0))
      log +=
          fmt::format("    output {} differs when its tasks are split\n", name);
  }
  if (!log.empty())
    return failed(firstLine(log), log);
  return {Outcome::Passed, "", ""};
}

} // namespace

CaseResult cnnc::nodetest::runNodeTest(const std::string &dir,
                                       const std::string &tmpDir) {
  fs::path model = fs::path(dir) / "model.onnx";
  fs::path data = fs::path(dir) / "test_data_set_0";
  ::onnx::ModelProto proto;
  if (!readModelProto(model.string(), proto))
    return failed("cannot read model.onnx");
  std::vector<std::string> order;
  FedInputs fed;
  std::string error;
  if (!readFedInputs(proto.graph(), data, order, fed, error))
    return failed(error);
  if (std::string why = leftOutReason(proto, fed); !why.empty())
    return {Outcome::LeftOut, why, ""};

  cnnc::onnx::ImportOptions opts;
  for (size_t i = 1; i < order.size(); ++i) {
    std::optional<Tensor> t = toTensor(fed[order[i]], error);
    if (!t)
      return failed(fmt::format("input_{}.pb: {}", i, error));
    opts.frozenInputs[order[i]] = std::move(*t);
  }
  DiagEngine diag;
  diag.setPrintImmediately(false);
  std::unique_ptr<Graph> g =
      cnnc::onnx::importOnnxFile(model.string(), opts, diag);
  if (!g) {
    std::string log = errorsOf(diag);
    return failed("does not import: " + firstLine(log), log);
  }
  std::vector<Tensor> inputs;
  if (!graphInputs(*g, fed, inputs, error))
    return failed(error);
  std::string name = fs::path(dir).filename().string();
  CompiledRun run =
      compileAndRun(*g, inputs, (fs::path(tmpDir) / (name + ".so")).string());
  if (!run.error.empty())
    return failed(firstLine(run.error), run.error);
  return compareOutputs(proto.graph(), data, run);
}
