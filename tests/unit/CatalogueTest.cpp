//===- CatalogueTest.cpp - The backends' kernel catalogues ----------------===//
//
// Oracle: the rules the catalogues state (compiler/cpu/Catalogue.h,
// compiler/cuda/Catalogue.h), applied by hand to small convs and ops: which
// algorithm computes each conv, how each blocked kernel reads its operands,
// why a node has no blocked kernel; and that passes needing a catalogue are
// refused without one.
//
//===----------------------------------------------------------------------===//
#include "PassTestUtil.h"
#include "compiler/cpu/Catalogue.h"
#include "compiler/cuda/Catalogue.h"

#include <doctest/doctest.h>

using namespace cnnc;
using namespace cnnc::test;

namespace {

/// Parses `body` (inside a graph with input %x : f32[1,16,8,8]) and infers
/// shapes.
std::unique_ptr<Graph> graphOf(const std::string &body, DiagEngine &diag,
                               const std::string &input = "f32[1,16,8,8]") {
  std::string text = "graph g {\n input %x : " + input + "\n" + body + "}\n";
  std::unique_ptr<Graph> g = parseGraph(text, "t.ir", diag);
  REQUIRE_MESSAGE(g, messages(diag));
  PassManager pm;
  REQUIRE(pm.parsePipeline("infer-shapes", diag));
  REQUIRE_MESSAGE(pm.run(*g, diag), messages(diag));
  return g;
}

const Node &named(const Graph &g, const std::string &name) {
  for (const auto &n : g.nodes())
    if (n->name() == name)
      return *n;
  FAIL("no node " << name);
  return *g.nodes().front();
}

} // namespace

TEST_CASE("kernel catalogue: the conv algorithm of plain convs") {
  DiagEngine diag;
  diag.setPrintImmediately(false);
  auto g = graphOf(R"( %w1 = const random(1) : f32[32,16,1,1]
 %pw = conv(%x, %w1)
 %w2 = const random(2) : f32[16,1,3,3]
 %dw = conv(%x, %w2) {pads=[1,1,1,1], groups=16}
 %w3 = const random(3) : f32[16,16,3,3]
 %c3 = conv(%x, %w3) {pads=[1,1,1,1]}
 %w4 = const random(4) : f32[16,4,3,3]
 %gr = conv(%x, %w4) {groups=4}
 %w5 = const random(5) : f32[16,16,1,1]
 %st = conv(%x, %w5) {stride=[2,2]}
 output %pw, %dw, %c3, %gr, %st
)",
                   diag);
  cpu::Catalogue cpuK(cpuTestInfo());
  cuda::Catalogue cudaK;
  // pointwise: a gemm; depthwise: its direct kernel; the rest implicit GEMM
  // (a strided 1x1 conv is no matrix product of x as it is).
  const std::pair<const char *, ConvAlgo> expected[] = {
      {"pw", ConvAlgo::AsGemm},
      {"dw", ConvAlgo::Depthwise},
      {"c3", ConvAlgo::ImplicitGemm},
      {"gr", ConvAlgo::ImplicitGemm},
      {"st", ConvAlgo::ImplicitGemm}};
  for (auto [name, algo] : expected) {
    CAPTURE(name);
    CHECK(convAlgoName(cpuK.convAlgorithm(named(*g, name))) ==
          convAlgoName(algo));
    CHECK(convAlgoName(cudaK.convAlgorithm(named(*g, name))) ==
          convAlgoName(algo));
  }
}

TEST_CASE("kernel catalogue: a depthwise conv whose tile cannot fit is a "
          "GEMM") {
  // conv_depthwise's tile of one output row must fit its stack buffer of
  // 8192 floats: a 2x1 kernel dilated by 700 rows reads 701 input rows,
  // leaving 8192 / 701 = 11 floats a row, less than the 8 columns and 8
  // floats of slack of the narrowest tile.
  DiagEngine diag;
  diag.setPrintImmediately(false);
  auto g = graphOf(R"( %w = const random(1) : f32[2,1,2,1]
 %dw = conv(%x, %w) {dilation=[700,1], groups=2}
 output %dw
)",
                   diag, "f32[1,2,800,8]");
  CHECK(cpu::Catalogue(cpuTestInfo()).convAlgorithm(named(*g, "dw")) ==
        ConvAlgo::ImplicitGemm);
  // The GPU's depthwise kernel has no such buffer.
  CHECK(cuda::Catalogue().convAlgorithm(named(*g, "dw")) ==
        ConvAlgo::Depthwise);
}

TEST_CASE("kernel catalogue: blocked forms") {
  DiagEngine diag;
  diag.setPrintImmediately(false);
  auto g = graphOf(R"( %w1 = const random(1) : f32[16,3,3,3]
 %first = conv(%x3, %w1) {pads=[1,1,1,1]}
 %w2 = const random(2) : f32[16,16,3,3]
 %b2 = const random(3) : f32[16]
 %c = conv(%x, %w2, %b2, %first) {pads=[1,1,1,1]}
 %w3 = const random(4) : f32[20,16,1,1]
 %part = conv(%c, %w3)
 %w4 = const random(5) : f32[16,1,3,3]
 %dw = conv(%c, %w4) {pads=[1,1,1,1], groups=16}
 %refl = conv(%x, %w2) {pads=[1,1,1,1], padding_mode=reflect}
 %grp = conv(%x, %w4) {pads=[1,1,1,1], groups=16}
 %gp = global_avg_pool(%c)
 %sc = mul(%c, %gp)
 %sm = softmax(%c)
 %bn_s = const random(6) : f32[16]
 %bn = batch_norm(%c, %bn_s, %bn_s, %bn_s, %bn_s)
 output %part, %dw, %refl, %grp, %sc, %sm, %bn
)",
                   diag, "f32[1,16,8,8]\n input %x3 : f32[1,3,8,8]");
  cpu::Catalogue k(cpuTestInfo());
  using L = SlotLayout;
  auto form = [&](const char *name) {
    std::string why;
    std::optional<BlockedForm> f = k.blockedForm(named(*g, name), 8, why);
    REQUIRE_MESSAGE(f, name, ": ", why);
    return *f;
  };
  auto none = [&](const char *name) {
    std::string why;
    CHECK_FALSE(k.blockedForm(named(*g, name), 8, why));
    return why;
  };
  // A first conv of 3 channels reads x plain; one of whole blocks reads x
  // as it is; weights and bias plain; the residual in the result's layout.
  CHECK(form("first").operands == std::vector<L>{L::Plain, L::Plain});
  CHECK(form("first").result == L::Blocked);
  CHECK(form("c").operands ==
        std::vector<L>{L::Either, L::Plain, L::Plain, L::Blocked});
  // 20 output channels are not whole blocks of 8: blocked x, plain result.
  CHECK(form("part").operands == std::vector<L>{L::Blocked, L::Plain});
  CHECK(form("part").result == L::Plain);
  CHECK(form("dw").operands == std::vector<L>{L::Blocked, L::Plain});
  CHECK(form("dw").result == L::Blocked);
  CHECK(none("refl") == "padding_mode reflect");
  // groups 16 over 16 channels to 16 is depthwise; the blocked depthwise
  // kernel needs x blocked.
  CHECK(form("grp").operands[0] == L::Blocked);
  // A global pool's [N,C,1,1] is the same bytes in both layouts; a channel
  // vector operand is read as it is.
  CHECK(form("gp").result == L::Either);
  CHECK(form("sc").operands == std::vector<L>{L::Blocked, L::Either});
  CHECK(none("sm") == "no blocked kernel");
  CHECK(form("bn").operands ==
        std::vector<L>{L::Blocked, L::Plain, L::Plain, L::Plain, L::Plain});
  // The CUDA kernels take no blocked layout.
  std::string why;
  CHECK_FALSE(cuda::Catalogue().blockedForm(named(*g, "c"), 8, why));
  CHECK(why.find("plain") != std::string::npos);
}

TEST_CASE("kernel catalogue: winograd as the conv's algo asks") {
  DiagEngine diag;
  diag.setPrintImmediately(false);
  // A chain, so that assign-layout blocks it: the first conv reads the
  // plain input, the others blocked values.
  auto g = graphOf(R"( %w = const random(1) : f32[64,64,3,3]
 %p = conv(%x, %w) {pads=[1,1,1,1], algo=winograd}
 %a = conv(%p, %w) {pads=[1,1,1,1], algo=winograd}
 %d = conv(%a, %w) {pads=[1,1,1,1], algo=direct}
 %w5 = const random(2) : f32[64,64,5,5]
 %f = conv(%d, %w5) {pads=[2,2,2,2], algo=winograd}
 %y = relu(%f)
 output %y
)",
                   diag, "f32[1,64,28,28]");
  PassOptions opts;
  opts.target = cpuTestTarget();
  PassManager pm(std::move(opts));
  REQUIRE(pm.parsePipeline("assign-layout", diag));
  REQUIRE_MESSAGE(pm.run(*g, diag), messages(diag));
  cpu::Catalogue k(cpuTestInfo());
  // Winograd F(4x4, 3x3) takes 3x3 convs of stride 1 of a blocked input
  // only; the others asking for it get the direct kernel.
  CHECK(named(*g, "a").result()->type().blocked());
  CHECK(k.convAlgorithm(named(*g, "p")) == ConvAlgo::Blocked);
  CHECK(k.convAlgorithm(named(*g, "a")) == ConvAlgo::Winograd);
  CHECK(k.convAlgorithm(named(*g, "d")) == ConvAlgo::Blocked);
  CHECK(k.convAlgorithm(named(*g, "f")) == ConvAlgo::Blocked);
}

TEST_CASE("kernel catalogue: passes that ask it are refused without one") {
  for (const char *p : {"assign-layout", "conv-to-gemm", "choose-tiles"}) {
    DiagEngine diag;
    diag.setPrintImmediately(false);
    auto g = graphOf(" %y = relu(%x)\n output %y\n", diag);
    PassManager pm;
    REQUIRE(pm.parsePipeline(p, diag));
    CHECK_FALSE(pm.run(*g, diag));
    CHECK(contains(messages(diag), "needs the target's kernel catalogue"));
  }
  // matmul-to-gemm asks nothing of the kernels.
  DiagEngine diag;
  auto g = graphOf(" %y = relu(%x)\n output %y\n", diag);
  PassManager pm;
  REQUIRE(pm.parsePipeline("matmul-to-gemm", diag));
  CHECK(pm.run(*g, diag));
}
