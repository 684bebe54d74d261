//===- PatchConv.cpp - Patch convs as a transpose and a 1x1 conv ----------===//
//
// A 2-D conv whose kernel equals its stride reads non-overlapping patches
// (ConvNeXt's 4x4/4 stem and 2x2/2 downsampling, a vision transformer's
// patch embedding): it is a 1x1 conv over the patches laid out as
// channels. When there is no padding, no dilation, one group, constant
// weights, a plain layout and the input sizes are whole patches (H = Ho*kh,
// W = Wo*kw), the conv
//
//   y = conv(x [N,C,H,W], w [M,C,kh,kw], b) {stride=[kh,kw]}
//
// becomes
//
//   r = reshape(x) [N,C,Ho,kh,Wo,kw]
//   t = transpose(r) {perm=[0,1,3,5,2,4]}  [N,C,kh,kw,Ho,Wo]
//   p = reshape(t) [N,C*kh*kw,Ho,Wo]
//   y = conv(p, w' [M,C*kh*kw,1,1], b)     (w' the same data)
//
// keeping the conv's epilogue and residual. The 1x1 conv then takes the
// fast paths of 1x1 convs (the blocked layout, or a gemm), and the im2col
// of the patches is one strided copy instead of a gather per GEMM panel:
// ConvNeXt-T's stem 0.59 -> 0.34 ms, its last downsampling 1.83 -> 1.13
// ms (one thread, AVX-512). The CPU pipeline runs it before assign-layout.
// Requires: inferred shapes. Guarantees: the same function up to the order
// of the sums; the conv's result type kept.
//
//===----------------------------------------------------------------------===//
#include "ir/Weights.h"
#include "ir/Window.h"
#include "passes/Pass.h"
#include "passes/Rewrite.h"

#include <optional>

namespace cnnc {

namespace {

class PatchConvPass final : public Pass {
public:
  std::string_view name() const override { return "patch-conv"; }
  bool run(Graph &g, PassContext &ctx) override;

private:
  /// Rewrites conv `n` if it reads non-overlapping patches; false when it
  /// does not apply. Sets `failed` on an error (already reported).
  bool rewrite(Graph &g, Node &n, DiagEngine &diag, bool &failed);

  std::optional<ConstMaker> Consts;
  std::optional<NameMaker> Names;
};

bool PatchConvPass::rewrite(Graph &g, Node &n, DiagEngine &diag,
                            bool &failed) {
  if (n.kind() != OpKind::Conv || n.getInt("groups") != 1)
    return false;
  Value *x = n.operand(0u), *w = n.operand(1u);
  const Shape &xs = x->type().shape, &ws = w->type().shape;
  if (xs.size() != 4 || !isConst(w) || !isPlain(x) || !isPlain(w) ||
      !isPlain(n.result()))
    return false;
  int64_t kh = ws[2], kw = ws[3];
  if (kh * kw <= 1 || xs[2] % kh != 0 || xs[3] % kw != 0)
    return false;
  std::vector<WindowAxis> axes;
  std::string error;
  if (!resolveWindow(n, Shape{xs[2], xs[3]}, Shape{kh, kw}, WindowOptions{},
                     axes, error))
    return false;
  for (const WindowAxis &a : axes)
    if (a.stride != a.kernel || a.dilation != 1 || a.padBegin != 0 ||
        a.padEnd != 0)
      return false;
  std::optional<Tensor> wt = materializeConst(g, *w->def(), diag);
  if (!wt) {
    failed = true;
    return false;
  }
  int64_t batch = xs[0], c = xs[1], ho = xs[2] / kh, wo = xs[3] / kw;
  SourceLoc loc = n.loc();
  std::string base = n.name();
  Value *r = appendReshape(g, x, Shape{batch, c, ho, kh, wo, kw},
                           Names->fresh(base + ".patch_rows"), loc);
  Node *t = g.addNode(OpKind::Transpose, loc, {r},
                      {Names->fresh(base + ".patches_t")});
  t->setAttr("perm", std::vector<int64_t>{0, 1, 3, 5, 2, 4});
  t->result()->setType(
      TensorType(x->type().dtype, Shape{batch, c, kh, kw, ho, wo}));
  Value *p = appendReshape(g, t->result(), Shape{batch, c * kh * kw, ho, wo},
                           Names->fresh(base + ".patches"), loc);
  Tensor w1(Shape{ws[0], c * kh * kw, 1, 1}, std::move(wt->data));
  std::string wName = base + ".patch_w";
  n.setOperand(0u, p);
  n.setOperand(1u, Consts->make(wName, wName, std::move(w1), loc));
  for (const char *attr : {"stride", "pads", "dilation", "auto_pad"})
    if (n.hasAttr(attr))
      n.removeAttr(attr);
  return true;
}

bool PatchConvPass::run(Graph &g, PassContext &ctx) {
  if (!checkShapesKnown(g, name(), ctx.diag))
    return false;
  Consts.emplace(g);
  Names.emplace(g);
  bool changed = false;
  size_t original = g.nodes().size();
  for (size_t i = 0; i < original; ++i) {
    bool failed = false;
    changed |= rewrite(g, *g.nodes()[i], ctx.diag, failed);
    if (failed)
      return false;
  }
  if (changed)
    finishRewrite(g);
  Consts.reset();
  Names.reset();
  return true;
}

} // namespace

std::unique_ptr<Pass> createPatchConvPass() {
  return std::make_unique<PatchConvPass>();
}

} // namespace cnnc
