//===- LayoutTest.cpp - assign-layout on whole networks, compiled ---------===//
//
// Oracle: the reference interpreter on the plain graph. assign-layout is the
// identity for the interpreter (it ignores layouts), so beyond that check
// both graphs, plain and blocked, are compiled by the CPU backend and run in
// process (tests/e2e/RunCompiled): the blocked model must match the
// interpreter within the op test's tolerance, the plain model closely, and
// its serial and unevenly split runs bit for bit. The pass must also have
// done its job: every conv blocked, no relayout.
//
//===----------------------------------------------------------------------===//
#include "PassTestUtil.h"
#include "compiler/cpu/Catalogue.h"
#include "ir/Interpreter.h"
#include "passes/PassManager.h"
#include "tests/e2e/RunCompiled.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <unistd.h>

using namespace cnnc;
using namespace cnnc::test;

namespace {

std::unique_ptr<Graph> loadSample(const std::string &name,
                                  const std::string &pipeline,
                                  DiagEngine &diag) {
  std::string path = std::string(CNNC_SAMPLES_DIR) + "/" + name + ".ir";
  std::string text;
  REQUIRE(readFile(path, text, diag));
  std::unique_ptr<Graph> g = build(text, diag, path);
  REQUIRE_MESSAGE(g, messages(diag));
  PassOptions opts;
  opts.verifyEach = true;
  opts.target = cpuTestTarget();
  PassManager pm(std::move(opts));
  REQUIRE(pm.parsePipeline(pipeline, diag));
  REQUIRE_MESSAGE(pm.run(*g, diag), messages(diag));
  return g;
}

size_t count(const Graph &g, OpKind k) {
  return size_t(std::count_if(g.nodes().begin(), g.nodes().end(),
                              [&](const auto &n) { return n->kind() == k; }));
}

size_t blockedConvs(const Graph &g) {
  size_t n = 0;
  for (const auto &node : g.nodes())
    n += node->kind() == OpKind::Conv && node->result()->type().blocked();
  return n;
}

/// Worst |actual - expected| relative to the expected output's scale.
double relError(const std::vector<float> &actual, const Tensor &expected) {
  REQUIRE(actual.size() == expected.data.size());
  double scale = 0, worst = 0;
  for (float e : expected.data)
    scale = std::max(scale, double(std::fabs(e)));
  for (size_t i = 0; i < actual.size(); ++i)
    worst = std::max(worst, std::fabs(double(actual[i]) - expected.data[i]));
  return worst / std::max(scale, 1e-30);
}

std::string soPath(const std::string &stem) {
  return (std::filesystem::temp_directory_path() /
          (stem + "." + std::to_string(::getpid()) + ".so"))
      .string();
}

void checkSample(const std::string &name) {
  INFO("sample: ", name);
  DiagEngine diag;
  std::string plainPipe = "infer-shapes,fold-batch-norm";
  auto plain = loadSample(name, plainPipe, diag);
  auto blocked = loadSample(name, plainPipe + ",assign-layout", diag);
  // Both networks run blocked from the first conv (which reads the plain
  // input itself) to the global pool (which writes plain): every conv is
  // blocked and no relayout is needed.
  size_t convs = count(*blocked, OpKind::Conv);
  CHECK(convs > 0);
  CHECK(blockedConvs(*blocked) == convs);
  CHECK(count(*blocked, OpKind::Relayout) == 0);

  std::vector<Tensor> inputs = randomInputs(*plain, 0);
  auto expected = interpret(*plain, inputs, diag);
  REQUIRE_MESSAGE(expected, messages(diag));
  auto interpreted = interpret(*blocked, inputs, diag);
  REQUIRE_MESSAGE(interpreted, messages(diag));
  REQUIRE(interpreted->size() == expected->size());
  for (size_t o = 0; o < expected->size(); ++o)
    CHECK((*interpreted)[o].data == (*expected)[o].data);

  CompiledRun a = compileAndRun(*plain, inputs, soPath(name + ".plain"));
  REQUIRE_MESSAGE(a.error.empty(), a.error);
  CompiledRun b = compileAndRun(*blocked, inputs, soPath(name + ".blocked"));
  REQUIRE_MESSAGE(b.error.empty(), b.error);
  REQUIRE(b.serial.size() == expected->size());
  for (size_t o = 0; o < expected->size(); ++o) {
    INFO("output ", o);
    CHECK(relError(b.serial[o], (*expected)[o]) < 1e-4);
    CHECK(relError(a.serial[o], (*expected)[o]) < 1e-4);
    CHECK(b.serial[o] == b.split[o]);
  }
}

} // namespace

TEST_CASE("assign-layout: compiled resnet18 matches the interpreter") {
  checkSample("resnet18");
}

TEST_CASE("assign-layout: compiled mobilenet_v2 matches the interpreter") {
  checkSample("mobilenet_v2");
}
