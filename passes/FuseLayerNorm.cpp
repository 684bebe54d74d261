//===- FuseLayerNorm.cpp - layer_norm into the gemm that reads it ---------===//
//
// Two rewrites of the a operand of gemms (ConvNeXt's blocks: a transpose
// to channels-last, a layer_norm over channels, a linear layer):
//
//   1. A layer_norm over the last axis only, with one result, whose result
//      only one gemm reads as its a (directly when 2-D, else through a
//      reshape that merges the leading axes, keeping the last), with
//      trans_a=0 and no epilogue yet, becomes one layer_norm_gemm on the
//      layer_norm's input: the backends normalise each row while they pack
//      or stage a, so the normalised tensor is never written. A missing
//      bias becomes zeros.
//   2. A gemm or layer_norm_gemm whose a is (a reshape of) a transpose to
//      channels-last of a batch-1 tensor, z [1,C,*S] with perm
//      [0,2,...,r-1,1], read by nothing else, reads z as [C,M] with
//      trans_a=1 instead: op(a) is the same matrix and the transpose
//      (a strided copy) goes.
//
// Runs before fuse-epilogue (which treats layer_norm_gemm as it treats
// gemm) and after matmul-to-gemm (which makes the gemms).
// Requires: inferred shapes, plain layouts. Guarantees: the same function
// (in the interpreter, layer_norm_gemm normalises exactly as layer_norm
// did, rounding the normalised rows to float); types of the results kept.
//
//===----------------------------------------------------------------------===//
#include "ir/Epilogue.h"
#include "passes/Pass.h"
#include "passes/Rewrite.h"

#include <optional>
#include <unordered_set>

namespace cnnc {

namespace {

class FuseLayerNormPass final : public Pass {
public:
  std::string_view name() const override { return "fuse-layer-norm"; }
  bool run(Graph &g, PassContext &ctx) override;

private:
  /// Rewrite 1 on gemm `n`; true when it fused.
  bool fuseNorm(Graph &g, Node &n);
  /// Rewrite 2 on gemm or layer_norm_gemm `n`; true when it folded.
  bool foldTranspose(Graph &g, Node &n);

  std::optional<ConstMaker> Consts;
  std::optional<NameMaker> Names;
  /// The nodes rewrite 1 left unused (finishRewrite removes them).
  std::unordered_set<const Node *> Dead;
};

bool FuseLayerNormPass::fuseNorm(Graph &g, Node &n) {
  if (n.kind() != OpKind::Gemm || n.getInt("trans_a") != 0 ||
      n.numOperands() > 3 || !epilogueOf(n).empty())
    return false;
  Value *a = n.operand(0u);
  Node *view = nullptr, *ln = a->def();
  if (ln && ln->kind() == OpKind::Reshape) {
    view = ln;
    ln = view->operand(0u)->def();
  }
  if (!ln || ln->kind() != OpKind::LayerNorm || ln->numResults() != 1)
    return false;
  Value *x = ln->operand(0u);
  const Shape &xs = x->type().shape;
  int64_t axis = ln->getInt("axis");
  if (xs.empty() || (axis != -1 && axis != int64_t(xs.size()) - 1))
    return false;
  if (!isPlain(x) || !isPlain(a) || !isPlain(ln->result()))
    return false;
  // The rows of a must be the normalised slices: a keeps the last axis.
  int64_t k = a->type().shape[1];
  if (xs.back() != k)
    return false;
  if (view ? soleUser(g, ln->result()) != view || soleUser(g, a) != &n
           : soleUser(g, a) != &n)
    return false;
  SourceLoc loc = n.loc();
  Value *bias = ln->numOperands() > 2 ? ln->operand(2u) : nullptr;
  if (!bias) {
    std::string base = ln->name() + ".zero_bias";
    bias = Consts->make(base, base, Tensor(Shape{k}), loc);
  }
  Value *rows = xs.size() == 2
                    ? x
                    : appendReshape(g, x, a->type().shape,
                                    Names->fresh(ln->name() + ".rows"), loc);
  std::vector<Value *> operands = {rows, n.operand(1u), ln->operand(1u), bias};
  if (n.numOperands() > 2)
    operands.push_back(n.operand(2u));
  Value *y = n.result();
  std::string yName = Names->take(y);
  Node *f = g.addNode(OpKind::LayerNormGemm, loc, operands, {yName});
  f->result()->setType(y->type());
  for (const auto &[attr, value] : n.attrs())
    f->setAttr(attr, value);
  f->setAttr("epsilon", ln->getFloat("epsilon"));
  f->absorb(*ln);
  f->absorb(n);
  g.replaceAllUses(y, f->result());
  Dead.insert({&n, ln});
  if (view)
    Dead.insert(view);
  return true;
}

bool FuseLayerNormPass::foldTranspose(Graph &g, Node &n) {
  if (n.getInt("trans_a") != 0)
    return false;
  Value *a = n.operand(0u);
  Node *view = a->def();
  if (!view || view->kind() != OpKind::Reshape || soleUser(g, a, Dead) != &n)
    return false;
  Value *t = view->operand(0u);
  Node *tr = t->def();
  if (!tr || tr->kind() != OpKind::Transpose || soleUser(g, t, Dead) != view)
    return false;
  Value *z = tr->operand(0u);
  const Shape &zs = z->type().shape;
  size_t r = zs.size();
  if (r < 3 || zs[0] != 1 || !isPlain(z) || !isPlain(t))
    return false;
  std::vector<int64_t> perm = tr->getInts("perm");
  std::vector<int64_t> want = {0};
  for (size_t i = 2; i < r; ++i)
    want.push_back(int64_t(i));
  want.push_back(1);
  if (perm != want)
    return false;
  // a [M,C] is z's [C,M] transposed when a keeps the channels as its rows'
  // elements: M = the product of the spatial axes.
  const Shape &as = a->type().shape;
  if (as[1] != zs[1])
    return false;
  Value *cm = appendReshape(g, z, Shape{as[1], as[0]},
                            Names->fresh(tr->name() + ".cm"), n.loc());
  n.setOperand(0u, cm);
  n.setAttr("trans_a", int64_t(1));
  n.absorb(*tr);
  return true;
}

bool FuseLayerNormPass::run(Graph &g, PassContext &ctx) {
  if (!checkShapesKnown(g, name(), ctx.diag))
    return false;
  Consts.emplace(g);
  Names.emplace(g);
  bool changed = false;
  size_t original = g.nodes().size();
  for (size_t i = 0; i < original; ++i)
    changed |= fuseNorm(g, *g.nodes()[i]);
  // The fused nodes were appended: visit every node now.
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    Node &n = *g.nodes()[i];
    if (isGemmKind(n.kind()) && !Dead.count(&n))
      changed |= foldTranspose(g, n);
  }
  if (changed)
    finishRewrite(g);
  Consts.reset();
  Names.reset();
  Dead.clear();
  return true;
}

} // namespace

std::unique_ptr<Pass> createFuseLayerNormPass() {
  return std::make_unique<FuseLayerNormPass>();
}

} // namespace cnnc
