//===- PassTestUtil.h - What the pass tests share ---------------*- C++ -*-===//
//
// The numerical pass tests (PassesTest, FusionTest, RewritesTest) load a
// sample network or a small graph, run a pipeline on it and require the
// reference interpreter to compute the same outputs after as before, on
// randomInputs(seed 0), within 1e-5 of each output's scale. The outputs
// before are computed once per source and process: the samples take
// seconds each in the interpreter.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_TESTS_UNIT_PASSTESTUTIL_H
#define CNNC_TESTS_UNIT_PASSTESTUTIL_H

#include "TestUtil.h"
#include "compiler/cpu/Catalogue.h"
#include "ir/Interpreter.h"
#include "passes/PassManager.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace cnnc::test {

inline size_t countOps(const Graph &g, OpKind k) {
  return size_t(std::count_if(g.nodes().begin(), g.nodes().end(),
                              [&](const auto &n) { return n->kind() == k; }));
}

/// A sample network by name ("resnet18"), or IR text (anything with a
/// '{'), parsed, verified and shape-inferred.
inline std::unique_ptr<Graph> loadGraph(const std::string &textOrSample,
                                        DiagEngine &diag) {
  if (textOrSample.find('{') != std::string::npos)
    return build(textOrSample, diag);
  std::string path = std::string(CNNC_SAMPLES_DIR) + "/" + textOrSample + ".ir";
  std::string text;
  REQUIRE(readFile(path, text, diag));
  return build(text, diag, path);
}

/// The interpreter's outputs of `source` as written, on randomInputs(0).
inline const std::vector<Tensor> &referenceOutputs(const std::string &source) {
  static std::map<std::string, std::vector<Tensor>> cache;
  auto it = cache.find(source);
  if (it != cache.end())
    return it->second;
  DiagEngine diag;
  std::unique_ptr<Graph> g = loadGraph(source, diag);
  REQUIRE_MESSAGE(g, messages(diag));
  auto outs = interpret(*g, randomInputs(*g, 0), diag);
  REQUIRE_MESSAGE(outs, messages(diag));
  return cache[source] = std::move(*outs);
}

/// A CPU target of `vectorWidth` floats and `registers` vector registers,
/// 32 KiB of L1 and `l2Bytes` of L2 (by default an AVX2 machine's).
inline cpu::TargetInfo cpuTestInfo(int vectorWidth = 8, int registers = 16,
                                   int64_t l2Bytes = 512 * 1024) {
  cpu::TargetInfo t;
  t.vectorWidth = vectorWidth;
  t.vectorRegisters = registers;
  t.l1Bytes = 32 * 1024;
  t.l2Bytes = l2Bytes;
  return t;
}

/// cpuTestInfo's target as the passes see it, with the CPU backend's
/// kernel catalogue.
inline PassTarget cpuTestTarget(int vectorWidth = 8, int registers = 16,
                                int64_t l2Bytes = 512 * 1024) {
  return cpu::passTarget(cpuTestInfo(vectorWidth, registers, l2Bytes));
}

/// Runs `pipeline` on g (loaded from `source`), verifying after each pass,
/// and checks that g computes what `source` does. Returns g's outputs.
inline std::vector<Tensor> checkPipeline(Graph &g, const std::string &source,
                                         const std::string &pipeline,
                                         DiagEngine &diag) {
  INFO("pipeline: ", pipeline);
  const std::vector<Tensor> &before = referenceOutputs(source);
  std::vector<Tensor> inputs = randomInputs(g, 0);
  PassOptions opts;
  opts.verifyEach = true;
  opts.target = cpuTestTarget();
  PassManager pm(std::move(opts));
  REQUIRE(pm.parsePipeline(pipeline, diag));
  REQUIRE_MESSAGE(pm.run(g, diag), messages(diag));
  auto after = interpret(g, inputs, diag);
  REQUIRE_MESSAGE(after, messages(diag));
  REQUIRE(after->size() == before.size());
  for (size_t o = 0; o < before.size(); ++o) {
    const Tensor &x = before[o], &y = (*after)[o];
    REQUIRE(x.shape == y.shape);
    double scale = 0, worst = 0;
    int64_t at = 0;
    for (float v : x.data)
      if (std::isfinite(v))
        scale = std::max(scale, double(std::abs(v)));
    for (int64_t i = 0; i < x.size(); ++i) {
      double a = y.data[size_t(i)], e = x.data[size_t(i)];
      double err = std::isinf(e) && a == e ? 0.0 : std::abs(a - e);
      if (!(err <= worst))
        worst = err, at = i;
    }
    INFO("output ", o, ": worst index ", at, " actual ", y.data[size_t(at)],
         " expected ", x.data[size_t(at)], " (scale ", scale, ")");
    CHECK(worst <= 1e-5 * scale + 1e-12);
  }
  return std::move(*after);
}

} // namespace cnnc::test

#endif
