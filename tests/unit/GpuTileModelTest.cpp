//===- GpuTileModelTest.cpp - The GPU tile model and choose-tiles for CUDA ===//
//
// passes/TileModel.h's GPU model: every tile it picks is one the CUDA
// kernels can run (gpuTileError), large layers get the large tiles, small
// ones tiles that still fill the multiprocessors; the checks of gpu_tile
// values; and choose-tiles on a GPU target writing gpu_tile (not tile),
// skipping depthwise convs and keeping tiles written by hand.
//
//===----------------------------------------------------------------------===//
#include "TestUtil.h"
#include "compiler/cuda/Catalogue.h"
#include "passes/PassManager.h"
#include "passes/TileModel.h"

#include <doctest/doctest.h>

using namespace cnnc;
using namespace cnnc::test;

namespace {
PassTarget gpu() {
  PassTarget t;
  t.device = PassTarget::Device::Cuda;
  t.gpuSharedBytes = 48 * 1024;
  t.gpuMultiprocessors = 108;
  t.kernels = cuda::catalogue();
  return t;
}
int64_t blocks(const GpuTile &t, int64_t m, int64_t n, int64_t batches) {
  return (m + t.blockRows - 1) / t.blockRows *
         ((n + t.blockCols - 1) / t.blockCols) * batches;
}
} // namespace

TEST_CASE("gpu tile model: every choice runs on the kernels") {
  PassTarget t = gpu();
  for (int64_t m : {1, 3, 16, 64, 100, 256, 1000})
    for (int64_t n : {1, 7, 49, 196, 3136, 100352})
      for (int64_t k : {1, 3, 27, 576, 4608})
        for (int64_t batches : {1, 32}) {
          GpuTile g = chooseGpuTile(m, n, k, batches, t);
          INFO(m, "x", n, "x", k, " batches ", batches, ": ", gpuTileText(g));
          CHECK(gpuTileError(g, t).empty());
          CHECK(g.threads() >= 64);
          CHECK(g.threads() <= 256);
          CHECK(g.depth <= std::max<int64_t>(k, 1));
          CHECK(gpuTileSharedBytes(g) <= t.gpuSharedBytes);
        }
}

TEST_CASE("gpu tile model: big layers get big tiles, small ones more blocks") {
  PassTarget t = gpu();
  // resnet layer 1 at batch 32: M = 64 only, so half of a 128-row block
  // would idle; 64 rows, 128 pixels.
  GpuTile big = chooseGpuTile(64, 32 * 56 * 56, 576, 1, t);
  CHECK(big.blockRows == 64);
  CHECK(big.blockCols * big.blockRows >= 64 * 64);
  // A wide layer at batch 32: 128 x 128 with 8 x 8 per thread.
  GpuTile wide = chooseGpuTile(512, 32 * 28 * 28, 2304, 1, t);
  CHECK(wide == GpuTile{128, 128, 8, 8, 8});
  // Batch 1, 7 x 7 pixels: enough blocks for the multiprocessors.
  GpuTile small = chooseGpuTile(512, 49, 4608, 1, t);
  CHECK(blocks(small, 512, 49, 1) >= t.gpuMultiprocessors / 2);
  CHECK(small.blockRows * small.blockCols < 128 * 128);
  // A fully connected layer at batch 1 (M = 1): thin blocks.
  GpuTile fc = chooseGpuTile(1, 1000, 512, 1, t);
  CHECK(fc.blockRows <= 16);
  // A short K stages no deeper than K.
  CHECK(chooseGpuTile(64, 4096, 3, 1, t).depth == 3);
}

TEST_CASE("gpu tile model: tiles the kernels cannot run are explained") {
  PassTarget t = gpu();
  CHECK(gpuTileError(GpuTile{64, 64, 8, 4, 4}, t).empty());
  CHECK(contains(gpuTileError(GpuTile{64, 64, 8, 3, 4}, t), "whole number"));
  CHECK(contains(gpuTileError(GpuTile{128, 128, 8, 2, 2}, t), "1024"));
  CHECK(
      contains(gpuTileError(GpuTile{256, 256, 64, 8, 8}, t), "shared memory"));
  CHECK(contains(gpuTileError(GpuTile{12, 48, 8, 4, 4}, t), "divide"));
  CHECK(contains(gpuTileError(GpuTile{0, 64, 8, 4, 4}, t), "positive"));
  CHECK(contains(gpuTileError(GpuTile{64, 64, 8, 32, 32}, t), "registers"));
  CHECK(gpuTileSharedBytes(GpuTile{128, 128, 8, 8, 8}) ==
        2 * 8 * (128 + 128 + 2 * kGpuSharedPad) * 4);
  CHECK(gpuTileText(GpuTile{64, 64, 8, 4, 4}) ==
        "block 64x64x8, 4x4 per thread");
  CHECK(gpuTileFromList(gpuTileList(GpuTile{8, 128, 16, 1, 8})) ==
        GpuTile{8, 128, 16, 1, 8});
}

TEST_CASE("choose-tiles on a GPU target writes gpu_tile") {
  DiagEngine diag;
  std::unique_ptr<Graph> g = build(R"(graph tiles {
  input %x : f32[1,13,11,9]
  %w = const random(1) : f32[14,13,3,3]
  %c = conv(%x, %w) {pads=[1,1,1,1]}
  %dw = const random(2) : f32[14,1,3,3]
  %d = conv(%c, %dw) {pads=[1,1,1,1], groups=14}
  %w2 = const random(3) : f32[4,14,1,1]
  %e = conv(%d, %w2) {gpu_tile=[8,32,4,1,1]}
  %f = reshape(%e) {shape=[1,396]}
  %fw = const random(4) : f32[10,396]
  %y = gemm(%f, %fw) {trans_b=1}
  output %y
}
)",
                                   diag);
  REQUIRE(g);
  PassManager pm;
  pm.setTarget(gpu());
  REQUIRE(pm.parsePipeline("choose-tiles", diag));
  REQUIRE_MESSAGE(pm.run(*g, diag), messages(diag));
  PassTarget t = gpu();
  for (const auto &np : g->nodes()) {
    const Node &n = *np;
    CHECK_FALSE(n.hasAttr("tile"));
    if (n.name() == "c")
      CHECK(n.getInts("gpu_tile") ==
            gpuTileList(chooseGpuTile(14, 99, 117, 1, t)));
    if (n.name() == "d")
      CHECK_FALSE(n.hasAttr("gpu_tile"));
    if (n.name() == "e")
      CHECK(n.getInts("gpu_tile") == std::vector<int64_t>{8, 32, 4, 1, 1});
    if (n.name() == "y")
      CHECK(n.getInts("gpu_tile") ==
            gpuTileList(chooseGpuTile(1, 10, 396, 1, t)));
  }
}
