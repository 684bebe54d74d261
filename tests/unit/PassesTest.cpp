//===- PassesTest.cpp - The rewrites against the reference interpreter ----===//
//
// Oracle: the reference interpreter on the graph before the pass. Each pass
// (and the chain of all of them) runs on sample networks and small graphs;
// the outputs on randomInputs(seed 0) must match within 1e-5 of the
// output's scale, the result must verify, and the pass must have done its
// job (no batch_norm left after fold-batch-norm, fewer nodes, ...).
// vgg16 is left out: the interpreter takes too long on it.
//
//===----------------------------------------------------------------------===//
#include "PassTestUtil.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

using namespace cnnc;
using namespace cnnc::test;

namespace {

/// A graph before and after a pipeline, with the interpreter's outputs.
struct Run {
  DiagEngine diag;
  std::unique_ptr<Graph> g;
  size_t nodesBefore = 0;
  size_t bnBefore = 0;
  std::vector<Tensor> before, after;
};

/// Runs `pipeline` on the graph and checks that it computes what it did.
void runAndCompare(Run &r, const std::string &source,
                   const std::string &pipeline) {
  r.g = loadGraph(source, r.diag);
  REQUIRE_MESSAGE(r.g, messages(r.diag));
  r.nodesBefore = r.g->nodes().size();
  r.bnBefore = countOps(*r.g, OpKind::BatchNorm);
  r.before = referenceOutputs(source);
  r.after = checkPipeline(*r.g, source, pipeline, r.diag);
}

constexpr const char *kAllPasses = "fold-constants,fold-batch-norm,cse,dce";

const char *const kSamples[] = {"resnet18", "mobilenet_v2", "alexnet2012",
                                "lenet5"};

/// Small graphs: dead code, foldable weight arithmetic, duplicates, batch
/// norms after conv, after a fully connected gemm and after neither.
const char *const kSmall[] = {
    R"(graph g {
  input %x : f32[2,3,6,6]
  %w = const random(1) : f32[4,3,3,3]
  %wt = transpose(%w) {perm=[0,1,3,2]}
  %k = const [0.5] : f32[1]
  %ws = mul(%wt, %k)
  %c = conv(%x, %ws) {pads=[1,1,1,1]}
  %s = const random(2, 0.5, 2) : f32[4]
  %t = const random(3) : f32[4]
  %m = const random(4) : f32[4]
  %v = const random(5, 0.5, 2) : f32[4]
  %bn = batch_norm(%c, %s, %t, %m, %v)
  %r = relu(%bn)
  %r2 = relu(%bn)
  %y = add(%r, %r2)
  %dead = sigmoid(%y)
  %bn2 = batch_norm(%y, %s, %t, %m, %v)
  output %bn2
})",
    R"(graph fc {
  input %x : f32[3,8]
  %w = const random(1) : f32[5,8]
  %b = const random(2) : f32[1,5]
  %fc = gemm(%x, %w, %b) {trans_b=1, alpha=0.5, beta=2}
  %s = const random(3, 0.5, 2) : f32[5]
  %t = const random(4) : f32[5]
  %m = const random(5) : f32[5]
  %v = const random(6, 0.5, 2) : f32[5]
  %bn = batch_norm(%fc, %s, %t, %m, %v) {epsilon=0.001}
  %w2 = const random(1) : f32[5,8]
  %fc2 = gemm(%x, %w2) {trans_b=1}
  %y = add(%bn, %fc2)
  output %y
})",
    R"(graph grouped {
  input %x : f32[1,4,5,5]
  %w = const random(7) : f32[4,1,3,3]
  %b = const random(8) : f32[4]
  %c = conv(%x, %w, %b) {groups=4, stride=[2,2]}
  %s = const random(2, 0.5, 2) : f32[4]
  %t = const random(3) : f32[4]
  %m = const random(4) : f32[4]
  %v = const random(5, 0.5, 2) : f32[4]
  %bn = batch_norm(%c, %s, %t, %m, %v)
  output %bn
})",
};

} // namespace

TEST_CASE("each pass and the chain keep the samples' outputs") {
  for (const char *name : kSamples)
    for (const char *p :
         {"dce", "fold-batch-norm", "fold-constants", "cse", kAllPasses}) {
      INFO("sample: ", std::string(name));
      Run r;
      runAndCompare(r, name, std::string("infer-shapes,") + p);
      size_t nodes = r.g->nodes().size();
      if (std::string(p) == "fold-batch-norm" || p == kAllPasses) {
        CHECK(countOps(*r.g, OpKind::BatchNorm) == 0);
        // Each batch_norm, its four consts and the conv's old weight are
        // gone (torchvision's convs before a batch_norm have no bias); the
        // folded weight and bias came.
        CHECK(nodes == r.nodesBefore - 4 * r.bnBefore);
      } else {
        CHECK(nodes == r.nodesBefore);
      }
    }
}

TEST_CASE("each pass and the chain keep small graphs' outputs") {
  for (const char *text : kSmall)
    for (const char *p :
         {"dce", "fold-batch-norm", "fold-constants", "cse", kAllPasses}) {
      Run r;
      runAndCompare(r, text, std::string("infer-shapes,") + p);
    }
}

TEST_CASE("the passes change what they should in a small graph") {
  auto nodesAfter = [](const char *pipeline) {
    Run r;
    runAndCompare(r, kSmall[0], std::string("infer-shapes,") + pipeline);
    return std::pair(r.g->nodes().size(), countOps(*r.g, OpKind::BatchNorm));
  };
  // 15 nodes. dce drops %dead. The others remove what they leave unused,
  // and %dead with it: fold-constants turns w, wt, k, ws into one const;
  // cse merges %r2 into %r. fold-batch-norm alone folds nothing: the
  // conv's weight is not a const until fold-constants ran; in the chain it
  // replaces %bn and the folded weight by two consts, but keeps %bn2 (after
  // an add) and the consts it reads.
  using P = std::pair<size_t, size_t>;
  CHECK(nodesAfter("dce") == P(14, 2));
  CHECK(nodesAfter("fold-constants") == P(11, 2));
  CHECK(nodesAfter("cse") == P(13, 2));
  CHECK(nodesAfter("fold-batch-norm") == P(15, 2));
  CHECK(nodesAfter(kAllPasses) == P(10, 1));
}

TEST_CASE("gemm batch norm folds with alpha and beta") {
  Run r;
  runAndCompare(r, kSmall[1], "infer-shapes,fold-batch-norm");
  CHECK(countOps(*r.g, OpKind::BatchNorm) == 0);
}

TEST_CASE("passes that read shapes ask for infer-shapes") {
  for (const char *p : {"fold-batch-norm", "fold-constants", "cse"}) {
    DiagEngine diag;
    diag.setPrintImmediately(false);
    std::unique_ptr<Graph> g = parseGraph(
        "graph g {\n input %x : f32[2]\n %y = relu(%x)\n output %y\n}\n",
        "t.ir", diag);
    REQUIRE(g);
    PassManager pm;
    REQUIRE(pm.parsePipeline(p, diag));
    CHECK_FALSE(pm.run(*g, diag));
    CHECK(contains(messages(diag), "needs inferred shapes"));
  }
}
