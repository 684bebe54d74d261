//===- RewritesTest.cpp - fold-pad and conv-to-gemm against the interpreter
//===//
//
// Oracle: the reference interpreter on the graph before the passes. Each
// rewrite (and fold-pad followed by conv-to-gemm, after fold-batch-norm)
// runs on the samples and on small graphs with pads, pointwise convs and
// fully connected matmuls; the outputs on randomInputs(seed 0) must match
// within 1e-5 of the output's scale, the result must verify (the pass
// manager's verify-each), and the rewrite must have happened: the test
// counts pad, conv, gemm and matmul nodes, with the expected counts
// worked out by hand for the small graphs and by an independent predicate
// for the samples.
//
//===----------------------------------------------------------------------===//
#include "PassTestUtil.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

using namespace cnnc;
using namespace cnnc::test;

namespace {

size_t count(const Graph &g, OpKind k) { return countOps(g, k); }

/// Node counts of the ops the rewrites touch.
struct Counts {
  size_t pad = 0, conv = 0, gemm = 0, matmul = 0, add = 0;
  bool operator==(const Counts &) const = default;
};

Counts counts(const Graph &g) {
  return {count(g, OpKind::Pad), count(g, OpKind::Conv), count(g, OpKind::Gemm),
          count(g, OpKind::MatMul), count(g, OpKind::Add)};
}

doctest::String toString(const Counts &c) {
  return ("pad " + std::to_string(c.pad) + " conv " + std::to_string(c.conv) +
          " gemm " + std::to_string(c.gemm) + " matmul " +
          std::to_string(c.matmul) + " add " + std::to_string(c.add))
      .c_str();
}

/// Runs `pipeline` on the graph of `source`, checks that it computes what
/// it did, and returns the node counts before and after.
std::pair<Counts, Counts> runAndCompare(const std::string &source,
                                        const std::string &pipeline,
                                        std::unique_ptr<Graph> *out = nullptr) {
  DiagEngine diag;
  std::unique_ptr<Graph> g = loadGraph(source, diag);
  REQUIRE_MESSAGE(g, messages(diag));
  Counts before = counts(*g);
  checkPipeline(*g, source, pipeline, diag);
  Counts after = counts(*g);
  if (out)
    *out = std::move(g);
  return {before, after};
}

/// Convs conv-to-gemm should lower, by a predicate written apart from the
/// pass: 1x1 kernel, no stride/pads/auto_pad, groups 1, batch 1.
size_t pointwiseConvs(const Graph &g) {
  size_t n = 0;
  for (const auto &node : g.nodes()) {
    if (node->kind() != OpKind::Conv)
      continue;
    const Shape &w = node->operand(1u)->type().shape;
    const std::vector<int64_t> &s = node->getInts("stride");
    const std::vector<int64_t> &p = node->getInts("pads");
    bool ones =
        std::all_of(w.begin() + 2, w.end(), [](int64_t k) { return k == 1; });
    bool unitStride =
        std::all_of(s.begin(), s.end(), [](int64_t v) { return v == 1; });
    bool noPads =
        std::all_of(p.begin(), p.end(), [](int64_t v) { return v == 0; });
    n += ones && unitStride && noPads && node->getInt("groups") == 1 &&
         node->operand(0u)->type().shape[0] == 1;
  }
  return n;
}

const char *const kSamples[] = {"resnet18", "mobilenet_v2", "lenet5",
                                "alexnet2012"};

/// Pads: 7 fold (zeros into a padded conv, -inf into max_pool, zeros into
/// avg_pool with count_include_pad=0 and no pads, reflect into a conv,
/// edge into a replicate conv, one pad feeding a conv and an avg_pool, a
/// 1-D reflect pad over a batch of 2 into a valid conv); 7 stay (channel
/// pad, constant 1, reflect into a padded conv, a second use by relu, zeros
/// into max_pool, zeros into avg_pool count_include_pad=0 with pads, a
/// crop, and -inf into a ceil_mode max_pool whose output size would
/// change).
const char *const kPads = R"(graph pads {
  input %x : f32[1,2,6,6]
  input %z : f32[2,3,8]
  %w = const random(1) : f32[3,2,3,3]
  %w4 = const random(2) : f32[3,4,3,3]
  %v = const random(3) : f32[4,3,3]
  %p1 = pad(%x) {pads=[0,0,1,2,0,0,1,2]}
  %c1 = conv(%p1, %w) {pads=[1,1,1,1]}
  %p2 = pad(%x) {pads=[0,0,1,1,0,0,1,1], value=-inf}
  %m2 = max_pool(%p2) {kernel=[3,3], stride=[2,2]}
  %p3 = pad(%x) {pads=[0,0,1,1,0,0,1,1]}
  %a3 = avg_pool(%p3) {kernel=[3,3], count_include_pad=0}
  %p4 = pad(%x) {pads=[0,0,2,2,0,0,2,2], mode=reflect}
  %c4 = conv(%p4, %w)
  %p5 = pad(%x) {pads=[0,0,1,0,0,0,0,1], mode=edge}
  %c5 = conv(%p5, %w) {pads=[1,1,1,1], padding_mode=replicate}
  %p6 = pad(%x) {pads=[0,0,1,1,0,0,1,1]}
  %c6 = conv(%p6, %w)
  %a6 = avg_pool(%p6) {kernel=[2,2], pads=[1,0,0,1]}
  %p7 = pad(%z) {pads=[0,0,2,0,0,1], mode=reflect}
  %c7 = conv(%p7, %v) {auto_pad=valid}
  %n1 = pad(%x) {pads=[0,1,1,1,0,1,1,1]}
  %d1 = conv(%n1, %w4)
  %n2 = pad(%x) {pads=[0,0,1,1,0,0,1,1], value=1}
  %d2 = conv(%n2, %w)
  %n3 = pad(%x) {pads=[0,0,1,1,0,0,1,1], mode=reflect}
  %d3 = conv(%n3, %w) {pads=[1,1,1,1]}
  %n4 = pad(%x) {pads=[0,0,1,1,0,0,1,1]}
  %d4 = conv(%n4, %w)
  %r4 = relu(%n4)
  %n5 = pad(%x) {pads=[0,0,1,1,0,0,1,1]}
  %d5 = max_pool(%n5) {kernel=[3,3]}
  %n6 = pad(%x) {pads=[0,0,1,1,0,0,1,1]}
  %d6 = avg_pool(%n6) {kernel=[3,3], pads=[1,1,1,1], count_include_pad=0}
  %n7 = pad(%x) {pads=[0,0,-1,1,0,0,1,0]}
  %d7 = conv(%n7, %w)
  %n8 = pad(%x) {pads=[0,0,0,0,0,0,1,1], value=-inf}
  %d8 = max_pool(%n8) {kernel=[2,2], stride=[2,2], ceil_mode=1}
  output %c1, %m2, %a3, %c4, %c5, %c6, %a6, %c7, %d1, %d2, %d3, %d4, %r4, %d5, %d6, %d7, %d8
})";

/// Pointwise convs: 4 lower (2-D with bias and relu, 3-D without bias,
/// 1-D with a residual and res_act, same_upper auto_pad); 4 stay (stride
/// 2, groups 2, batch 2, a 3x3).
const char *const kPointwise = R"(graph pointwise {
  input %x : f32[1,4,5,7]
  input %v : f32[1,3,2,3,4]
  input %s : f32[1,4,9]
  input %r : f32[1,6,9]
  input %x2 : f32[2,4,5,7]
  %w = const random(1) : f32[6,4,1,1]
  %b = const random(2) : f32[6]
  %c1 = conv(%x, %w, %b) {act=relu}
  %w3 = const random(3) : f32[5,3,1,1,1]
  %c2 = conv(%v, %w3)
  %w1 = const random(4) : f32[6,4,1]
  %c3 = conv(%s, %w1, %b, %r) {act=leaky_relu, act_args=[0.2], res_act=tanh}
  %c4 = conv(%x, %w) {auto_pad=same_upper, tile=[6,16,8]}
  %d1 = conv(%x, %w) {stride=[2,2]}
  %wg = const random(5) : f32[6,2,1,1]
  %d2 = conv(%x, %wg) {groups=2}
  %d3 = conv(%x2, %w, %b)
  %w33 = const random(6) : f32[6,4,3,3]
  %d4 = conv(%x, %w33)
  output %c1, %c2, %c3, %c4, %d1, %d2, %d3, %d4
})";

/// Fully connected matmuls: 3 become gemms (matmul + [N] bias, bias +
/// matmul with a [1,N] bias, a lone matmul); 2 stay (non-const weights, a
/// batched 3-D matmul). The add after a matmul with two uses stays (the
/// matmul still becomes a gemm).
const char *const kMatMul = R"(graph fc {
  input %x : f32[3,8]
  input %y : f32[8,5]
  input %t : f32[2,3,8]
  %w = const random(1) : f32[8,5]
  %b = const random(2) : f32[5]
  %b2 = const random(3) : f32[1,5]
  %m1 = matmul(%x, %w)
  %f1 = add(%m1, %b)
  %m2 = matmul(%x, %w)
  %f2 = add(%b2, %m2)
  %m3 = matmul(%x, %w)
  %n1 = matmul(%x, %y)
  %g1 = add(%n1, %b)
  %n2 = matmul(%t, %w)
  %m4 = matmul(%x, %w)
  %g2 = add(%m4, %b)
  %g3 = relu(%m4)
  output %f1, %f2, %m3, %g1, %n2, %g2, %g3
})";

/// fold-pad then conv-to-gemm: a padded 1x1 conv is no longer pointwise
/// after the fold and stays a conv; a 1x1 conv reading a folded pad's
/// consumer lowers.
const char *const kChain = R"(graph chain {
  input %x : f32[1,3,6,6]
  %w = const random(1) : f32[8,3,3,3]
  %p = pad(%x) {pads=[0,0,1,1,0,0,1,1]}
  %c = conv(%p, %w)
  %r = relu(%c)
  %w1 = const random(2) : f32[4,8,1,1]
  %b1 = const random(3) : f32[4]
  %c1 = conv(%r, %w1, %b1)
  %p2 = pad(%c1) {pads=[0,0,1,0,0,0,0,1]}
  %w2 = const random(4) : f32[4,4,1,1]
  %c2 = conv(%p2, %w2)
  output %c2
})";

} // namespace

TEST_CASE("rewrite passes keep the samples' outputs") {
  for (const char *name : kSamples) {
    INFO("sample: ", std::string(name));
    auto [before, after] = runAndCompare(name, "infer-shapes,fold-pad");
    CHECK(before == after);
    std::unique_ptr<Graph> g;
    runAndCompare(name, "infer-shapes,fold-batch-norm", &g);
    size_t lowered = pointwiseConvs(*g);
    std::tie(before, after) = runAndCompare(
        name, "infer-shapes,fold-batch-norm,fold-pad,conv-to-gemm,dce");
    CHECK(after.conv == before.conv - lowered);
    CHECK(after.gemm == before.gemm + lowered);
  }
}

TEST_CASE("rewrite pass conv-to-gemm lowers mobilenet_v2's pointwise convs") {
  auto [before, after] =
      runAndCompare("mobilenet_v2", "infer-shapes,conv-to-gemm");
  // 52 convs: 17 depthwise 3x3, the 3x3 stem, 34 pointwise (16 expansions
  // but the first block has none: 16 + 17 projections + the last 1x1).
  CHECK(before.conv == 52);
  CHECK(after.conv == 18);
  CHECK(after.gemm == before.gemm + 34);
}

TEST_CASE("rewrite pass fold-pad folds what it can") {
  std::unique_ptr<Graph> g;
  auto [before, after] = runAndCompare(kPads, "infer-shapes,fold-pad", &g);
  CHECK(before.pad == 15);
  CHECK(after.pad == 8);
  CHECK(after.conv == before.conv);
  // Each consumer records the pad it absorbed.
  for (const auto &n : g->nodes())
    if (n->name() == "c1" || n->name() == "a6") {
      REQUIRE(n->origins().size() == 1);
      CHECK(n->origins()[0].op == "pad");
    }
}

TEST_CASE("rewrite pass conv-to-gemm lowers pointwise convs") {
  std::unique_ptr<Graph> g;
  auto [before, after] =
      runAndCompare(kPointwise, "infer-shapes,conv-to-gemm", &g);
  CHECK(after.conv == before.conv - 4);
  CHECK(after.gemm == 4);
  for (const auto &n : g->nodes())
    if (n->kind() == OpKind::Gemm) {
      CHECK_FALSE(n->hasAttr("tile"));
      REQUIRE(n->origins().size() == 1);
      CHECK(n->origins()[0].op == "conv");
    }
  // The outputs keep their names.
  CHECK(g->outputs()[0]->name() == "c1");
  CHECK(g->outputs()[2]->name() == "c3");
}

TEST_CASE("rewrite pass conv-to-gemm lowers fully connected matmuls") {
  std::unique_ptr<Graph> g;
  auto [before, after] =
      runAndCompare(kMatMul, "infer-shapes,conv-to-gemm", &g);
  CHECK(before == Counts{0, 0, 0, 6, 4});
  // m1+f1, m2+f2, m3, m4 -> gemms, and n2 (x of rank 3: [6,8] between
  // reshapes); n1 (variable weights) stays, and so do the adds after n1
  // and after m4 (two uses).
  CHECK(after == Counts{0, 0, 5, 1, 2});
  CHECK(g->outputs()[0]->name() == "f1");
  CHECK(g->outputs()[1]->name() == "f2");
}

TEST_CASE("rewrite passes chain: fold-pad then conv-to-gemm") {
  auto [before, after] =
      runAndCompare(kChain, "infer-shapes,fold-pad,conv-to-gemm,dce");
  CHECK(before == Counts{2, 3, 0, 0, 0});
  // Both pads fold; c1 lowers; c2 took p2's padding and stays a conv.
  CHECK(after == Counts{0, 2, 1, 0, 0});
}
