//===- ChooseTiles.cpp - Tile sizes for every conv and gemm ---------------===//
//
// Records on every conv computed as a GEMM (those the target's kernel
// catalogue computes as ImplicitGemm or AsGemm: not the depthwise ones,
// which have their own direct kernel, nor convs in a blocked layout, whose
// kernel blocks by its layout) and every gemm the tile sizes of the
// analytical model of passes/TileModel.h, for the target in the
// PassContext:
//
//   %y = conv(%x, %w, %b) {pads=[1,1,1,1], tile=[66,112,288]}
//
// tile = [rows, columns, depth]: output channels (M rows) and output pixels
// (N columns) per task, and the K block. A node that already has a `tile`
// keeps it, so tiles written by hand in the IR are honoured. Requires:
// inferred shapes. Guarantees: only `tile` attributes change; the backend
// computes the same values whatever the tiles (the sweep tests in
// tests/e2e/cases/tiles check this).
//
// For a GPU target (PassTarget::isGpu) the pass writes the GPU model's
// gpu_tile = [block_rows, block_cols, depth, thread_rows, thread_cols]
// instead (chooseGpuTile), on every conv the catalogue computes as a GEMM
// (not the depthwise ones: their own direct kernel) and every gemm; a node
// that already has a gpu_tile keeps it.
//
//===----------------------------------------------------------------------===//
#include "ir/Window.h"
#include "passes/KernelCatalogue.h"
#include "passes/Pass.h"
#include "passes/Rewrite.h"
#include "passes/TileModel.h"

namespace cnnc {

namespace {

/// Whether the target's kernels compute conv `n` as a GEMM.
bool computedAsGemm(const Node &n, const PassTarget &t) {
  ConvAlgo a = t.kernels->convAlgorithm(n);
  return a == ConvAlgo::ImplicitGemm || a == ConvAlgo::AsGemm;
}

/// The GEMM shape of a conv the backend computes as one, if it does.
std::optional<ConvGemmShape> convGemmShape(const Node &n,
                                           const PassTarget &t) {
  const TensorType &x = n.operand(0)->type(), &w = n.operand(1)->type(),
                   &y = n.result()->type();
  if (!computedAsGemm(n, t))
    return std::nullopt;
  ConvGemmShape s;
  s.batch = x.shape[0];
  s.groups = n.getInt("groups");
  s.mg = w.shape[0] / s.groups;
  s.kSize = 1;
  for (int64_t i = 2; i < w.rank(); ++i)
    s.kSize *= w.shape[size_t(i)];
  s.k = w.shape[1] * s.kSize;
  s.outSize = 1;
  for (int64_t i = 2; i < y.rank(); ++i)
    s.outSize *= y.shape[size_t(i)];
  if (s.mg == 0 || s.outSize == 0 || s.batch == 0)
    return std::nullopt;
  return s;
}

/// The GPU tile of a conv or gemm, if the CUDA backend computes it as a
/// tiled GEMM: M = output channels per group, N = batch * output pixels,
/// K = C/groups * kernel size, one GEMM per group.
std::optional<GpuTile> gpuTileOf(const Node &n, const PassTarget &t) {
  const Shape &y = n.result()->type().shape;
  if (isGemmKind(n.kind())) {
    const Shape &a = n.operand(0)->type().shape;
    int64_t k = n.getInt("trans_a") ? a[0] : a[1];
    if (y[0] == 0 || y[1] == 0)
      return std::nullopt;
    return chooseGpuTile(y[0], y[1], k, 1, t);
  }
  const Shape &w = n.operand(1)->type().shape;
  int64_t groups = n.getInt("groups");
  if (!computedAsGemm(n, t))
    return std::nullopt;
  int64_t pixels = 1, kSize = 1;
  for (size_t i = 2; i < y.size(); ++i)
    pixels *= y[i];
  for (size_t i = 2; i < w.size(); ++i)
    kSize *= w[i];
  int64_t mg = w[0] / groups;
  if (mg == 0 || pixels * y[0] == 0)
    return std::nullopt;
  return chooseGpuTile(mg, y[0] * pixels, w[1] * kSize, groups, t);
}

GemmShape gemmShape(const Node &n) {
  const Shape &a = n.operand(0)->type().shape, &y = n.result()->type().shape;
  GemmShape s;
  s.m = y[0];
  s.n = y[1];
  s.k = n.getInt("trans_a") ? a[0] : a[1];
  return s;
}

class ChooseTilesPass final : public Pass {
public:
  std::string_view name() const override { return "choose-tiles"; }
  bool requiresKernels() const override { return true; }
  bool run(Graph &g, PassContext &ctx) override {
    if (!checkShapesKnown(g, name(), ctx.diag))
      return false;
    if (!ctx.target.isGpu() && !ctx.target.kernels->registerTile()) {
      ctx.diag.error(SourceLoc{},
                     "choose-tiles: the kernel catalogue '{}' states no "
                     "register tile for a CPU target",
                     ctx.target.kernels->name());
      return false;
    }
    for (const auto &np : g.nodes()) {
      Node &n = *np;
      if (ctx.target.isGpu()) {
        if (n.hasAttr("gpu_tile") ||
            (n.kind() != OpKind::Conv && !isGemmKind(n.kind())))
          continue;
        if (std::optional<GpuTile> t = gpuTileOf(n, ctx.target))
          n.setAttr("gpu_tile", gpuTileList(*t));
        continue;
      }
      if (n.hasAttr("tile"))
        continue;
      std::optional<Tiles> t;
      if (n.kind() == OpKind::Conv) {
        if (std::optional<ConvGemmShape> s = convGemmShape(n, ctx.target))
          t = chooseConvTiles(*s, ctx.target);
      } else if (isGemmKind(n.kind())) {
        GemmShape s = gemmShape(n);
        if (s.m > 0 && s.n > 0)
          t = chooseGemmTiles(s, ctx.target);
      }
      if (t)
        n.setAttr("tile", std::vector<int64_t>{t->rows, t->columns, t->depth});
    }
    return true;
  }
};

} // namespace

std::unique_ptr<Pass> createChooseTilesPass() {
  return std::make_unique<ChooseTilesPass>();
}

} // namespace cnnc
