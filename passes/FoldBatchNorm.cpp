//===- FoldBatchNorm.cpp - Batch norm folded into conv or gemm ------------===//
//
// A batch_norm whose input is the only use of a conv result, or of a fully
// connected gemm's (trans_b=1, constant weight [M,K]), with constant scale,
// bias, mean and var, is folded into that node's weights: with
// s = scale / sqrt(var + epsilon) per output channel m,
//   w'[m,...] = w[m,...] * s[m]      b'[m] = (b[m] - mean[m]) * s[m] + bias[m]
// (conv: axis 0 of w; gemm: the rows of w, and b' absorbs beta*c). The new
// weights are computed in double and held in memory as consts named
// "<bn>.folded_w" and "<bn>.folded_b"; the batch_norm is removed. Any other
// batch_norm stays (the backend runs it). Requires: inferred shapes.
// Guarantees: the graph computes the same function up to f32 rounding of
// the folded weights; types are unchanged; a graph output keeps its name.
//
//===----------------------------------------------------------------------===//
#include "ir/Epilogue.h"
#include "ir/Weights.h"
#include "passes/Pass.h"
#include "passes/Rewrite.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace cnnc {

namespace {

/// The node a batch_norm can fold into, or nullptr.
Node *foldTarget(const Graph &g, const Node &bn) {
  const Value *x = bn.operand(0u);
  Node *p = x->def();
  if (!p || g.numUses(x) != 1)
    return nullptr;
  for (unsigned i = 1; i < 5; ++i)
    if (!isConst(bn.operand(i)))
      return nullptr;
  int64_t m = x->type().shape[1];
  const Value *w = p->numOperands() > 1 ? p->operand(1u) : nullptr;
  const Value *b = p->numOperands() > 2 ? p->operand(2u) : nullptr;
  if (!isConst(w) || (b && !isConst(b)) || !epilogueOf(*p).empty())
    return nullptr; // a fused epilogue runs after the bias: too late
  if (p->kind() == OpKind::Conv)
    return w->type().shape[0] == m ? p : nullptr;
  if (p->kind() != OpKind::Gemm || p->getInt("trans_b") != 1 ||
      w->type().rank() != 2 || w->type().shape[0] != m)
    return nullptr;
  // The gemm's c must be per output column: [M] or [1,M].
  if (b && b->type().shape != Shape{m} && b->type().shape != Shape{1, m})
    return nullptr;
  return p;
}

class FoldBatchNormPass final : public Pass {
public:
  std::string_view name() const override { return "fold-batch-norm"; }
  bool run(Graph &g, PassContext &ctx) override {
    if (!checkShapesKnown(g, name(), ctx.diag))
      return false;
    ConstMaker consts(g);
    bool changed = false;
    for (size_t i = 0, e = g.nodes().size(); i < e; ++i) {
      Node &bn = *g.nodes()[i];
      if (bn.kind() != OpKind::BatchNorm)
        continue;
      Node *p = foldTarget(g, bn);
      if (!p)
        continue;
      if (!fold(g, bn, *p, consts, ctx.diag))
        return false;
      changed = true;
    }
    if (changed)
      finishRewrite(g);
    return true;
  }

private:
  bool fold(Graph &g, Node &bn, Node &p, ConstMaker &consts, DiagEngine &diag);
};

/// Materialises the const defining `v`.
std::optional<Tensor> data(const Graph &g, const Value *v, DiagEngine &diag) {
  return materializeConst(g, *v->def(), diag);
}

bool FoldBatchNormPass::fold(Graph &g, Node &bn, Node &p, ConstMaker &consts,
                             DiagEngine &diag) {
  std::optional<Tensor> scale = data(g, bn.operand(1u), diag),
                        bias = data(g, bn.operand(2u), diag),
                        mean = data(g, bn.operand(3u), diag),
                        var = data(g, bn.operand(4u), diag),
                        w = data(g, p.operand(1u), diag);
  if (!scale || !bias || !mean || !var || !w)
    return false;
  std::optional<Tensor> b;
  if (p.numOperands() > 2 && !(b = data(g, p.operand(2u), diag)))
    return false;
  bool gemm = p.kind() == OpKind::Gemm;
  double beta = gemm ? p.getFloat("beta") : 1.0;
  double eps = bn.getFloat("epsilon");
  int64_t m = scale->size(), inner = w->size() / m;
  Tensor fw(w->shape), fb(Shape{m});
  for (int64_t c = 0; c < m; ++c) {
    size_t k = size_t(c);
    double s = double(scale->data[k]) / std::sqrt(double(var->data[k]) + eps);
    for (int64_t j = 0; j < inner; ++j) {
      size_t idx = size_t(c * inner + j);
      fw.data[idx] = float(double(w->data[idx]) * s);
    }
    double b0 = b ? beta * double(b->data[k]) : 0.0;
    fb.data[k] = float((b0 - double(mean->data[k])) * s + bias->data[k]);
  }
  std::string wName = bn.name() + ".folded_w", bName = bn.name() + ".folded_b";
  p.setOperand(1, consts.make(wName, wName, std::move(fw), bn.loc()));
  Value *nb = consts.make(bName, bName, std::move(fb), bn.loc());
  if (p.numOperands() > 2)
    p.setOperand(2, nb);
  else
    p.addOperand(nb);
  if (gemm)
    p.removeAttr("beta");
  absorbUser(g, p, bn);
  return true;
}

} // namespace

std::unique_ptr<Pass> createFoldBatchNormPass() {
  return std::make_unique<FoldBatchNormPass>();
}

} // namespace cnnc
