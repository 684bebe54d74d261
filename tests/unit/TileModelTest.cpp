//===- TileModelTest.cpp - The analytical tile model ----------------------===//
//
// The model (passes/TileModel.h) against the kernels it shapes: its
// register tile and panel limit are the micro-kernel's (kernels/ParamsConv.h),
// hand-computed tiles for a few shapes, and invariants over a grid.
//
//===----------------------------------------------------------------------===//
#include "passes/TileModel.h"
#include "compiler/cpu/kernels/Params.h"

#include <doctest/doctest.h>

using namespace cnnc;

namespace {
PassTarget target(int v, int regs) {
  PassTarget t;
  t.vectorWidth = v;
  t.vectorRegisters = regs;
  t.l1Bytes = 32 * 1024;
  t.l2Bytes = 1024 * 1024;
  return t;
}
} // namespace

TEST_CASE("tile pass model: the register tile and panel are the kernels'") {
  CHECK(kTileBPanelFloats == cnnk::kBPanelFloats);
  for (auto [v, regs] : {std::pair{4, 16}, {8, 16}, {16, 32}}) {
    RegisterTile rt = registerTile(target(v, regs));
    CHECK(rt.mr == cnnk::gemmMR(v));
    CHECK(rt.nr == cnnk::gemmNR(v));
  }
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
          CHECK(c.depth * rt.nr <= kTileBPanelFloats);
          CHECK(c.rows <= (mg + rt.mr - 1) / rt.mr * rt.mr);
        }
  }
}
