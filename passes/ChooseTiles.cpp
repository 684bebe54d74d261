//===- ChooseTiles.cpp - Tile sizes for every conv and gemm ---------------===//
//
// Records on every conv computed as a GEMM (all but depthwise ones, which
// have their own direct kernel, and convs in a blocked layout, whose kernel
// blocks by its layout) and every gemm the tile sizes of the analytical
// model of passes/TileModel.h, for the target in the PassContext:
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
//===----------------------------------------------------------------------===//
#include "ir/Window.h"
#include "passes/Pass.h"
#include "passes/Rewrite.h"
#include "passes/TileModel.h"

namespace cnnc {

namespace {

/// The GEMM shape of a conv the backend computes as one, if it does.
std::optional<ConvGemmShape> convGemmShape(const Node &n) {
  const TensorType &x = n.operand(0)->type(), &w = n.operand(1)->type(),
                   &y = n.result()->type();
  if (x.blocked() || y.blocked())
    return std::nullopt;
  ConvGemmShape s;
  s.batch = x.shape[0];
  s.groups = n.getInt("groups");
  int64_t channels = x.shape[1];
  bool depthwise = channels == s.groups && x.rank() <= 4;
  if (depthwise)
    return std::nullopt;
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
  bool run(Graph &g, PassContext &ctx) override {
    if (!checkShapesKnown(g, name(), ctx.diag))
      return false;
    for (const auto &np : g.nodes()) {
      Node &n = *np;
      if (n.hasAttr("tile"))
        continue;
      std::optional<Tiles> t;
      if (n.kind() == OpKind::Conv) {
        if (std::optional<ConvGemmShape> s = convGemmShape(n))
          t = chooseConvTiles(*s, ctx.target);
      } else if (n.kind() == OpKind::Gemm) {
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
