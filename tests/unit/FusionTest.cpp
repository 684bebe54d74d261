//===- FusionTest.cpp - fold-scale-shift and fuse-epilogue, numerically ---===//
//
// Oracle: the reference interpreter on the graph before the passes (it
// applies a fused node's epilogue, ir/Interpreter.cpp). fold-scale-shift,
// fuse-epilogue and the chain fold-batch-norm, fold-scale-shift,
// fuse-epilogue, dce run on sample networks and small graphs; outputs on
// randomInputs(seed 0) must match within 1e-5 of the output's scale, every
// pass's result must verify, and the passes must have done their job
// (resnet18 keeps no relu or add and far fewer nodes, ...). Test names
// contain "pass" so that ctest's unit-passes entry runs them.
//
//===----------------------------------------------------------------------===//
#include "PassTestUtil.h"
#include "ir/Epilogue.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

using namespace cnnc;
using namespace cnnc::test;

namespace {

/// Nodes that compute something (not consts).
size_t countCompute(const Graph &g) {
  return g.nodes().size() - countOps(g, OpKind::Const);
}

/// A graph after a pipeline, its node count before.
struct Run {
  DiagEngine diag;
  std::unique_ptr<Graph> g;
  size_t computeBefore = 0;
};

/// Runs `pipeline` on the graph and checks that it computes what it did.
void runAndCompare(Run &r, const std::string &source,
                   const std::string &pipeline) {
  r.g = loadGraph(source, r.diag);
  REQUIRE_MESSAGE(r.g, messages(r.diag));
  r.computeBefore = countCompute(*r.g);
  checkPipeline(*r.g, source, pipeline, r.diag);
}

constexpr const char *kChain =
    "fold-batch-norm,fold-scale-shift,fuse-epilogue,dce";

const char *const kPipelines[] = {"fold-scale-shift", "fuse-epilogue", kChain};

const char *const kSamples[] = {"resnet18", "mobilenet_v2", "alexnet2012",
                                "lenet5"};

/// Small graphs: a residual block with a downsample conv, every slot of the
/// epilogue, scale/shift chains on conv (also grouped and 1D) and gemm.
const char *const kSmall[] = {
    R"(graph block {
  input %x : f32[2,4,6,6]
  %w1 = const random(1) : f32[8,4,3,3]
  %b1 = const random(2) : f32[8]
  %c1 = conv(%x, %w1, %b1) {pads=[1,1,1,1], stride=[2,2]}
  %r1 = relu(%c1)
  %w2 = const random(3) : f32[8,8,3,3]
  %c2 = conv(%r1, %w2) {pads=[1,1,1,1]}
  %s = const random(4, 0.5, 2) : f32[8,1,1]
  %m = mul(%c2, %s)
  %t = const random(5) : f32[1,8,1,1]
  %a = add(%t, %m)
  %wd = const random(6) : f32[8,4,1,1]
  %d = conv(%x, %wd) {stride=[2,2]}
  %sum = add(%a, %d)
  %y = relu(%sum)
  %e = elu(%y) {alpha=0.5}
  output %e
})",
    R"(graph acts {
  input %x : f32[1,6,5,7]
  %w = const random(1) : f32[6,1,3,3]
  %b = const random(2) : f32[6]
  %c = conv(%x, %w, %b) {groups=6, pads=[1,1,1,1]}
  %h = hard_swish(%c)
  %s = add(%h, %x)
  %g = gelu(%s) {approximate=tanh}
  %w1 = const random(3) : f32[6,3,3]
  %x1 = reshape(%x) {shape=[1,6,35]}
  %c1 = conv(%x1, %w1) {pads=[1,1], groups=2}
  %k = const [0.5] : f32[1]
  %m1 = mul(%k, %c1)
  %s1 = sub(%m1, %k)
  %l = leaky_relu(%s1) {alpha=0.1}
  output %g, %l
})",
    R"(graph fc {
  input %x : f32[3,8]
  %w = const random(1) : f32[5,8]
  %b = const random(2) : f32[3,1]
  %fc = gemm(%x, %w, %b) {trans_b=1, alpha=0.5, beta=2}
  %s = const random(3) : f32[5]
  %m = mul(%fc, %s)
  %t = const random(4) : f32[1,5]
  %a = add(%m, %t)
  %sg = sigmoid(%a)
  %w2 = const random(5) : f32[8,5]
  %fc2 = gemm(%x, %w2)
  %r = add(%fc2, %sg)
  %c = clip(%r) {min=-0.5, max=0.5}
  output %c
})",
};

} // namespace

TEST_CASE("fusion passes keep the samples' outputs") {
  for (const char *name : kSamples)
    for (const char *p : kPipelines) {
      INFO("sample: ", std::string(name));
      Run r;
      runAndCompare(r, name, std::string("infer-shapes,") + p);
    }
}

TEST_CASE("fusion passes keep small graphs' outputs") {
  for (const char *text : kSmall)
    for (const char *p : kPipelines) {
      Run r;
      runAndCompare(r, text, std::string("infer-shapes,") + p);
    }
}

TEST_CASE("fusion pass chain leaves resnet18 with no relu or add") {
  Run r;
  runAndCompare(r, "resnet18", std::string("infer-shapes,") + kChain);
  CHECK(countOps(*r.g, OpKind::Relu) == 0);
  CHECK(countOps(*r.g, OpKind::Add) == 0);
  CHECK(countOps(*r.g, OpKind::BatchNorm) == 0);
  // 20 convs, max_pool, global_avg_pool, flatten, gemm.
  CHECK(countCompute(*r.g) == 24);
  CHECK(countCompute(*r.g) * 2 < r.computeBefore);
  size_t withRes = 0;
  for (const auto &n : r.g->nodes())
    if (epilogueOf(*n).res)
      ++withRes;
  CHECK(withRes == 8);
}

TEST_CASE("fusion pass chain fuses mobilenet_v2's clips and adds") {
  Run r;
  runAndCompare(r, "mobilenet_v2", std::string("infer-shapes,") + kChain);
  CHECK(countOps(*r.g, OpKind::Clip) == 0);
  CHECK(countOps(*r.g, OpKind::Add) == 0);
  CHECK(countOps(*r.g, OpKind::BatchNorm) == 0);
}

TEST_CASE("fusion passes fold and fuse a residual block into two convs") {
  Run r;
  runAndCompare(r, kSmall[0], std::string("infer-shapes,") + kChain);
  // c1 {act=relu}; the downsample conv d, later than c2, takes the add
  // with c2 (scale and shift folded) as its residual, then relu; elu has
  // no slot left.
  CHECK(countCompute(*r.g) == 4);
  CHECK(countOps(*r.g, OpKind::Conv) == 3);
  CHECK(countOps(*r.g, OpKind::Elu) == 1);
  const Node *d = r.g->outputs()[0]->def()->operand(0u)->def();
  REQUIRE(d);
  CHECK(d->name() == "d");
  CHECK(epilogueStr(*d) == "+res,relu");
}

TEST_CASE("fold-scale-shift pass folds gemm scale and shift") {
  Run r;
  runAndCompare(r, kSmall[2], "infer-shapes,fold-scale-shift");
  CHECK(countOps(*r.g, OpKind::Mul) == 0);
  CHECK(countOps(*r.g, OpKind::Add) == 1);
  Run f;
  runAndCompare(f, kSmall[2], std::string("infer-shapes,") + kChain);
  CHECK(countCompute(*f.g) == 2);
}
