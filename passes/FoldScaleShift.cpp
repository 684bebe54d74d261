//===- FoldScaleShift.cpp - Per-channel scale/shift folded into conv/gemm -===//
//
// A conv or gemm without epilogue, constant weights (and constant bias or
// c, if any), whose result is the single use of
//   mul(y, s)   (either operand order)  folds s into weights and bias:
//               w'[m,...] = w[m,...] * s[m]      b'[m] = b[m] * s[m]
//   add(y, d)   (either order)          b'[m] = b[m] + d[m]
//   sub(y, d)                           b'[m] = b[m] - d[m]
// where the constant s or d is per output channel: broadcastable to the
// result with every axis but axis 1 (conv's output channels, gemm's
// columns) of size 1, or a scalar; the result of the mul/add/sub must have
// the node's type. A missing bias is created (conv + bias-add becomes one
// conv). For gemm, column j of op(b) is scaled and c (times beta) becomes
// [N] or [M,N]; beta is dropped. Repeats while the folded node's result
// is followed by such an op. New weights are computed in double and held
// in memory as consts named "<op>.folded_w" / "<op>.folded_b"; the mul,
// add or sub is recorded (Node::absorb) and removed.
// Requires: inferred shapes. Guarantees: the same function up to the f32
// rounding of the folded weights; types unchanged; a graph output keeps
// its name.
//
//===----------------------------------------------------------------------===//
#include "ir/Epilogue.h"
#include "ir/Weights.h"
#include "passes/Pass.h"
#include "passes/Rewrite.h"

#include <algorithm>
#include <optional>
#include <unordered_set>

namespace cnnc {

namespace {

/// What a mul/add/sub does to the node before it.
enum class Fold { Scale, Add, Sub };

/// Whether `shape` is per channel (axis 1) of `out` (see the file comment).
bool perChannel(const Shape &shape, const Shape &out) {
  if (shape.size() > out.size() || out.size() < 2)
    return false;
  size_t lead = out.size() - shape.size();
  for (size_t i = 0; i < shape.size(); ++i) {
    size_t axis = lead + i;
    if (shape[i] != 1 && (axis != 1 || shape[i] != out[1]))
      return false;
  }
  return true;
}

class FoldScaleShiftPass final : public Pass {
public:
  std::string_view name() const override { return "fold-scale-shift"; }
  bool run(Graph &g, PassContext &ctx) override;

private:
  /// Folds `u` into `p` if it can; false when it does not apply. Sets
  /// `failed` on an error (already reported).
  bool tryFold(Graph &g, Node &p, Node &u, bool &failed);
  bool foldConv(Graph &g, Node &p, const Node &u, Fold f,
                const std::vector<double> &d);
  bool foldGemm(Graph &g, Node &p, const Node &u, Fold f,
                const std::vector<double> &d);

  DiagEngine *Diag = nullptr;
  ConstMaker *Consts = nullptr;
};

/// Materialises the const defining `v`.
std::optional<Tensor> data(const Graph &g, const Value *v, DiagEngine &diag) {
  return materializeConst(g, *v->def(), diag);
}

/// The per-channel values of constant `v` for `m` channels.
std::optional<std::vector<double>> channelValues(const Graph &g, const Value *v,
                                                 int64_t m, DiagEngine &diag) {
  std::optional<Tensor> t = data(g, v, diag);
  if (!t)
    return std::nullopt;
  std::vector<double> out(static_cast<size_t>(m));
  for (int64_t i = 0; i < m; ++i)
    out[size_t(i)] = t->size() == 1 ? t->data[0] : t->data[size_t(i)];
  return out;
}

/// The new bias value of channel m: b (or 0) scaled or shifted by d[m].
double folded(Fold f, double b, double d) {
  switch (f) {
  case Fold::Scale:
    return b * d;
  case Fold::Add:
    return b + d;
  case Fold::Sub:
    return b - d;
  }
  return b;
}

bool FoldScaleShiftPass::foldConv(Graph &g, Node &p, const Node &u, Fold f,
                                  const std::vector<double> &d) {
  int64_t m = int64_t(d.size());
  const Value *bv = p.numOperands() > 2 ? p.operand(2u) : nullptr;
  std::optional<Tensor> b;
  if (bv && !(b = data(g, bv, *Diag)))
    return false;
  Tensor fb(Shape{m});
  for (int64_t c = 0; c < m; ++c)
    fb.data[size_t(c)] =
        float(folded(f, b ? double(b->data[size_t(c)]) : 0.0, d[size_t(c)]));
  if (f == Fold::Scale) {
    std::optional<Tensor> w = data(g, p.operand(1u), *Diag);
    if (!w)
      return false;
    int64_t inner = w->size() / m;
    for (int64_t i = 0; i < w->size(); ++i)
      w->data[size_t(i)] =
          float(double(w->data[size_t(i)]) * d[size_t(i / inner)]);
    std::string wName = u.name() + ".folded_w";
    p.setOperand(1, Consts->make(wName, wName, std::move(*w), u.loc()));
  }
  std::string bName = u.name() + ".folded_b";
  Value *nb = Consts->make(bName, bName, std::move(fb), u.loc());
  if (bv)
    p.setOperand(2, nb);
  else
    p.addOperand(nb);
  return true;
}

bool FoldScaleShiftPass::foldGemm(Graph &g, Node &p, const Node &u, Fold f,
                                  const std::vector<double> &d) {
  const Shape &ys = p.result()->type().shape;
  int64_t rows = ys[0], n = ys[1];
  const Value *cv = p.numOperands() > 2 ? p.operand(2u) : nullptr;
  std::optional<Tensor> c;
  if (cv && !(c = data(g, cv, *Diag)))
    return false;
  // c (times beta) as [N] when it is the same for every row, else [M,N].
  bool perRow = c && c->rank() == 2 && c->dim(0) == rows && rows > 1;
  int64_t cRows = perRow ? rows : 1;
  Tensor fc(perRow ? Shape{rows, n} : Shape{n});
  double beta = p.getFloat("beta");
  for (int64_t i = 0; i < cRows; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double v = 0.0;
      if (c) {
        int64_t ci = c->rank() == 2 && c->dim(0) > 1 ? i : 0;
        int64_t cj = c->rank() >= 1 && c->dim(c->rank() - 1) > 1 ? j : 0;
        int64_t cols = c->rank() >= 1 ? c->dim(c->rank() - 1) : 1;
        v = beta * double(c->data[size_t(ci * cols + cj)]);
      }
      fc.data[size_t(i * n + j)] = float(folded(f, v, d[size_t(j)]));
    }
  if (f == Fold::Scale) {
    std::optional<Tensor> w = data(g, p.operand(1u), *Diag);
    if (!w)
      return false;
    // op(b) is [K,N]: b is [N,K] when transposed, else [K,N].
    bool transB = p.getInt("trans_b") != 0;
    int64_t k = w->size() / n;
    for (int64_t r = 0; r < k; ++r)
      for (int64_t j = 0; j < n; ++j) {
        size_t idx = size_t(transB ? j * k + r : r * n + j);
        w->data[idx] = float(double(w->data[idx]) * d[size_t(j)]);
      }
    std::string wName = u.name() + ".folded_w";
    p.setOperand(1, Consts->make(wName, wName, std::move(*w), u.loc()));
  }
  std::string cName = u.name() + ".folded_c";
  Value *nc = Consts->make(cName, cName, std::move(fc), u.loc());
  if (cv)
    p.setOperand(2, nc);
  else
    p.addOperand(nc);
  p.removeAttr("beta");
  return true;
}

bool FoldScaleShiftPass::tryFold(Graph &g, Node &p, Node &u, bool &failed) {
  OpKind k = u.kind();
  if (!u.info().has(kBroadcast) || u.numOperands() != 2 ||
      (k != OpKind::Mul && k != OpKind::Add && k != OpKind::Sub))
    return false;
  const Value *y = p.result();
  unsigned yi = u.operand(0u) == y ? 0 : 1;
  const Value *other = u.operand(1 - yi);
  if (other == y || (k == OpKind::Sub && yi != 0) || !isConst(other) ||
      u.result()->type() != y->type() ||
      !perChannel(other->type().shape, y->type().shape))
    return false;
  const Value *w = p.operand(1u);
  const Value *b = p.numOperands() > 2 ? p.operand(2u) : nullptr;
  if (!isConst(w) || (b && !isConst(b)) || !epilogueOf(p).empty())
    return false;
  std::optional<std::vector<double>> d =
      channelValues(g, other, y->type().shape[1], *Diag);
  Fold f = k == OpKind::Mul   ? Fold::Scale
           : k == OpKind::Add ? Fold::Add
                              : Fold::Sub;
  bool ok = d && (p.kind() == OpKind::Conv ? foldConv(g, p, u, f, *d)
                                           : foldGemm(g, p, u, f, *d));
  if (!ok) {
    failed = true;
    return false;
  }
  absorbUser(g, p, u);
  return true;
}

bool FoldScaleShiftPass::run(Graph &g, PassContext &ctx) {
  if (!checkShapesKnown(g, name(), ctx.diag))
    return false;
  ConstMaker consts(g);
  Diag = &ctx.diag;
  Consts = &consts;
  std::vector<Node *> nodes;
  for (const auto &n : g.nodes())
    if (n->kind() == OpKind::Conv || n->kind() == OpKind::Gemm)
      nodes.push_back(n.get());
  std::unordered_set<const Node *> dead;
  bool changed = false, failed = false;
  for (Node *p : nodes) {
    while (Node *u = soleUser(g, p->result(), dead)) {
      if (!tryFold(g, *p, *u, failed))
        break;
      dead.insert(u);
      changed = true;
    }
    if (failed)
      return false;
  }
  if (changed)
    finishRewrite(g);
  return true;
}

} // namespace

std::unique_ptr<Pass> createFoldScaleShiftPass() {
  return std::make_unique<FoldScaleShiftPass>();
}

} // namespace cnnc
