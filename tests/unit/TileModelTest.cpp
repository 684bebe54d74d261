//===- TileModelTest.cpp - The analytical tile model ----------------------===//
//
// The model (passes/TileModel.h) against the kernels it shapes: the
// register tiles the CPU catalogue states per instruction set (worked out
// by hand from the register counts), hand-computed tiles for a few shapes,
// and invariants over a grid.
//
//===----------------------------------------------------------------------===//
#include "PassTestUtil.h"
#include "passes/TileModel.h"
#include "compiler/cpu/Catalogue.h"
#include "compiler/cpu/kernels/Params.h"

#include <doctest/doctest.h>

using namespace cnnc;

namespace {
PassTarget target(int v, int regs) {
  return test::cpuTestTarget(v, regs, 1024 * 1024);
}
} // namespace

TEST_CASE("kernel catalogue: register tiles per instruction set") {
  // By hand: the GEMM micro-kernel keeps MR x 2 accumulator vectors, 2 B
  // vectors and a broadcast in registers, MR at most 8: 16 registers give
  // MR = (16 - 3) / 2 = 6, 32 give 8; NR = 2 vectors. conv_blocked keeps
  // 6 pixels x NB blocks, NB weight vectors and a broadcast: NB = 2 in 16
  // registers (6*2 + 2 + 1 = 15), 4 in 32 (6*4 + 4 + 1 = 29).
  struct Expected {
    const char *name;
    int v, regs, mr, nr, bmr, nb;
  };
  const Expected expected[] = {{"avx512", 16, 32, 8, 32, 6, 4},
                               {"avx", 8, 16, 6, 16, 6, 2},
                               {"sse", 4, 16, 6, 8, 6, 2}};
  REQUIRE(cpu::isaEntries().size() == std::size(expected));
  for (size_t i = 0; i < std::size(expected); ++i) {
    const cpu::IsaEntry &e = cpu::isaEntries()[i];
    const Expected &x = expected[i];
    CAPTURE(x.name);
    CHECK(std::string(e.name) == x.name);
    CHECK(e.vectorWidth == x.v);
    CHECK(e.vectorRegisters == x.regs);
    CHECK(e.gemmMR == x.mr);
    CHECK(e.gemmNR == x.nr);
    CHECK(e.blockedMR == x.bmr);
    CHECK(e.blockedNB == x.nb);
    // The kernels are built with the same figures.
    CHECK(e.gemmMR == cnnk::gemmMR(x.v));
    CHECK(e.blockedNB == cnnk::blockedNB(x.v));
    RegisterTile rt = registerTile(target(x.v, x.regs));
    CHECK(rt.mr == x.mr);
    CHECK(rt.nr == x.nr);
    CHECK(rt.bPanelFloats == 8192);
  }
  // The base instruction set needs no feature: every x86-64 CPU has it.
  CHECK(std::string(cpu::isaEntries().back().feature).empty());
}

TEST_CASE("tile pass model: hand-computed tiles") {
  PassTarget avx2 = target(8, 16);
  // kc: (6 + 16) * 4 bytes per K step; 3/4 of 32 KiB holds 279 steps, so
  // 256 (a power of two, within 8192 / 16 = 512).
  CHECK(maxKBlock(avx2) == 256);
  // AVX-512: (8 + 32) * 4 bytes: 153 -> 128.
  CHECK(maxKBlock(target(16, 32)) == 128);
  // ResNet's 64->64 3x3 at 56x56: K = 576 > 256 splits into 3 blocks of
  // 192, rounded up to the kernel size 9: 198.
  ConvGemmShape s{1, 1, 64, 56 * 56, 576, 9};
  Tiles t = chooseConvTiles(s, avx2);
  CHECK(t.depth == 198);
  // A small conv is one task: M padded to 18 rows, 99 pixels in 7 panels.
  ConvGemmShape small{1, 1, 14, 99, 117, 9};
  Tiles ts = chooseConvTiles(small, avx2);
  CHECK(ts.rows == 18);
  CHECK(ts.columns == 112);
  CHECK(ts.depth == 117);
  // gemm with one M panel streams all of K.
  Tiles g = chooseGemmTiles(GemmShape{1, 1, 1000, 4096}, avx2);
  CHECK(g.rows == 6);
  CHECK(g.depth == 4096);
}

TEST_CASE("tile pass model: tiles are multiples of the register tile") {
  for (auto [v, regs] : {std::pair{4, 16}, {8, 16}, {16, 32}}) {
    PassTarget t = target(v, regs);
    RegisterTile rt = registerTile(t);
    for (int64_t mg : {1, 5, 64, 130, 512})
      for (int64_t pixels : {1, 17, 3136, 12544})
        for (int64_t k : {3, 27, 576, 4608}) {
          Tiles c = chooseConvTiles(ConvGemmShape{1, 1, mg, pixels, k, 9}, t);
          CAPTURE(mg);
          CAPTURE(pixels);
          CAPTURE(k);
          CHECK(c.rows % rt.mr == 0);
          CHECK(c.columns % rt.nr == 0);
          CHECK(c.depth >= 1);
          CHECK(c.depth <= k);
          CHECK(c.depth * rt.nr <= rt.bPanelFloats);
          CHECK(c.rows <= (mg + rt.mr - 1) / rt.mr * rt.mr);
        }
  }
}
