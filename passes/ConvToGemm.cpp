//===- ConvToGemm.cpp - 1x1 convs and fully connected layers to gemm ------===//
//
// Two rewrites into `gemm`:
//
// A pointwise conv — every kernel size 1, stride 1, no padding, groups 1,
// batch 1, constant weights (and bias), plain layouts, 1 to 3 spatial axes
// S (isPointwiseConv) — is a matrix product of the weights [M,C] with the
// input seen as [C,S]; where the target's kernel catalogue computes it so
// (KernelCatalogue::convAlgorithm says AsGemm), it becomes:
//   %x2  = reshape(%x) {shape=[C,S]}
//   %res2 = reshape(%res) {shape=[M,S]}           (a fused residual only)
//   %g   = gemm(%w2, %x2, %c, %res2) {act..., res_act...}
//   %y   = reshape(%g) {shape=[1,M,*S]}
// with new consts w2 [M,C] (the weights) and c [M,1] (the bias). The
// epilogue attributes move to the gemm; `tile` does not (it was chosen
// for the conv). The final reshape takes the conv's result name.
//
// A fully connected layer written as `matmul(%x [B,K], %w)` with a const
// 2-D w [K,N] becomes `gemm(%x, %w)`; when its only use is an add of a
// const bias of N elements with every axis but the last of size 1 ([N],
// [1,N], [1,1,1,N]; either operand order), the add folds in as the gemm's
// c (a new const [N] where its rank is above 2) and the gemm takes the
// add's result name. An x of higher rank [*B,K] (a linear layer applied at
// every position, as ConvNeXt's and transformers' MLPs are) is seen as
// [M,K], M = prod(B):
//   %x2 = reshape(%x) {shape=[M,K]}
//   %g  = gemm(%x2, %w, %c)
//   %y  = reshape(%g) {shape=[*B,N]}
// (fuse-epilogue fuses an activation after such a reshape into the gemm).
// The pass `matmul-to-gemm` does only this, early in the pipeline, so that
// bias and activations fuse into the gemm; `conv-to-gemm` does both.
//
// The gemm absorbs the nodes it replaces (Node::absorb). Requires:
// inferred shapes. Guarantees: the same function up to f32 summation
// order; every value keeps its type; graph outputs keep their names.
//
//===----------------------------------------------------------------------===//
#include "ir/Weights.h"
#include "ir/ops/SlidingWindow.h"
#include "passes/KernelCatalogue.h"
#include "passes/Pass.h"
#include "passes/Rewrite.h"

#include <algorithm>
#include <optional>
#include <unordered_set>

namespace cnnc {

namespace {

class ConvToGemmPass final : public Pass {
public:
  /// Convs and matmuls (conv-to-gemm), or matmuls only (matmul-to-gemm).
  explicit ConvToGemmPass(bool convs) : Convs(convs) {}
  std::string_view name() const override {
    return Convs ? "conv-to-gemm" : "matmul-to-gemm";
  }
  bool requiresKernels() const override { return Convs; }
  bool run(Graph &g, PassContext &ctx) override;

private:
  bool lowerConv(Graph &g, Node &conv, DiagEngine &diag);
  bool lowerMatMul(Graph &g, Node &mm, DiagEngine &diag);

  bool Convs;
  std::optional<ConstMaker> Consts;
  std::optional<NameMaker> Names;
};

/// Copies the epilogue attributes of `from` to `to`.
void copyEpilogue(const Node &from, Node &to) {
  for (const char *name : {"act", "act_args", "res_act", "res_act_args"})
    for (const auto &[attr, value] : from.attrs())
      if (attr == name)
        to.setAttr(attr, value);
}

bool ConvToGemmPass::lowerConv(Graph &g, Node &conv, DiagEngine &diag) {
  Value *x = conv.operand(0u), *y = conv.result();
  const Value *w = conv.operand(1u), *b = conv.operand("b");
  Value *res = conv.operand("res");
  const Shape &ys = y->type().shape;
  int64_t c = x->type().shape[1], m = ys[1];
  int64_t s = numElements(spatialDims(ys));
  std::optional<Tensor> wt = materializeConst(g, *w->def(), diag);
  if (!wt)
    return false;
  std::string base = conv.name();
  SourceLoc loc = conv.loc();
  Value *w2 = Consts->make(base + ".gemm_w", base + ".gemm_w",
                           Tensor(Shape{m, c}, std::move(wt->data)), loc);
  std::vector<Value *> operands = {
      w2, appendReshape(g, x, {c, s}, Names->fresh(base + ".x2"), loc)};
  if (b) {
    std::optional<Tensor> bt = materializeConst(g, *b->def(), diag);
    if (!bt)
      return false;
    operands.push_back(Consts->make(base + ".gemm_c", base + ".gemm_c",
                                    Tensor(Shape{m, 1}, std::move(bt->data)),
                                    loc));
  }
  if (res) {
    // gemm's residual is its 4th operand: c must be there, even as 0.
    if (!b)
      operands.push_back(Consts->make(base + ".gemm_c", base + ".gemm_c",
                                      Tensor(Shape{m, 1}), loc));
    operands.push_back(
        appendReshape(g, res, {m, s}, Names->fresh(base + ".res2"), loc));
  }
  std::string yName = Names->take(y);
  Node *gemm =
      g.addNode(OpKind::Gemm, loc, operands, {Names->fresh(base + ".gemm")});
  copyEpilogue(conv, *gemm);
  gemm->result()->setType(TensorType(y->type().dtype, Shape{m, s}));
  gemm->absorb(conv);
  g.replaceAllUses(y, appendReshape(g, gemm->result(), ys, yName, loc));
  return true;
}

/// The add whose bias folds into the gemm replacing `mm`, and that bias.
std::pair<Node *, Value *> biasAdd(const Graph &g, const Node &mm) {
  const Value *y = mm.result();
  if (g.numUses(y) != 1)
    return {};
  int64_t n = y->type().shape.back();
  for (const auto &user : g.nodes()) {
    if (user->kind() != OpKind::Add)
      continue;
    for (unsigned i = 0; i < 2; ++i) {
      Value *bias = user->operand(1 - i);
      if (user->operand(i) != y || bias == y || !isConst(bias) ||
          !isPlain(bias) || user->result()->type() != y->type())
        continue;
      const Shape &bs = bias->type().shape;
      if (!bs.empty() && bs.back() == n && numElements(bs) == n &&
          bs.size() <= y->type().shape.size())
        return {user.get(), bias};
    }
  }
  return {};
}

bool ConvToGemmPass::lowerMatMul(Graph &g, Node &mm, DiagEngine &diag) {
  Value *x = mm.operand(0u), *w = mm.operand(1u);
  auto [add, bias] = biasAdd(g, mm);
  Node &last = add ? *add : mm;
  Value *y = last.result();
  const Shape &xs = x->type().shape, &ys = y->type().shape;
  int64_t k = xs.back(), n = ys.back();
  int64_t m = numElements(xs) / std::max<int64_t>(k, 1);
  bool flat = xs.size() == 2;
  std::string base = mm.name();
  SourceLoc loc = mm.loc();
  std::vector<Value *> operands = {
      flat ? x : appendReshape(g, x, {m, k}, Names->fresh(base + ".x2"), loc),
      w};
  if (bias && bias->type().shape.size() > 2) {
    std::optional<Tensor> bt = materializeConst(g, *bias->def(), diag);
    if (!bt)
      return false;
    bias = Consts->make(base + ".gemm_c", base + ".gemm_c",
                        Tensor(Shape{n}, std::move(bt->data)), loc);
  }
  if (bias)
    operands.push_back(bias);
  std::string yName = Names->take(y);
  Node *gemm = g.addNode(OpKind::Gemm, loc, operands,
                         {flat ? yName : Names->fresh(base + ".gemm")});
  gemm->result()->setType(TensorType(y->type().dtype, Shape{m, n}));
  gemm->absorb(mm);
  if (add)
    gemm->absorb(*add);
  g.replaceAllUses(y, flat ? gemm->result()
                           : appendReshape(g, gemm->result(), ys, yName, loc));
  return true;
}

/// Reorders g's nodes so that the nodes appended for each replaced node
/// stand where it stood (`replaced`: its index and the index of the first
/// node appended for it, in order; `original`: the node count before).
/// The result is in program order when the original graph was.
void placeReplacements(Graph &g, size_t original,
                       const std::vector<std::pair<size_t, size_t>> &replaced) {
  std::vector<Node *> order;
  order.reserve(g.nodes().size());
  size_t next = 0;
  for (size_t i = 0; i < original; ++i) {
    if (next < replaced.size() && replaced[next].first == i) {
      size_t end = next + 1 < replaced.size() ? replaced[next + 1].second
                                              : g.nodes().size();
      for (size_t j = replaced[next].second; j < end; ++j)
        order.push_back(g.nodes()[j].get());
      ++next;
    }
    order.push_back(g.nodes()[i].get());
  }
  g.reorderNodes(order);
}

/// Whether `mm` is a fully connected layer: x [*B,K] (rank 2 or more)
/// times const w [K,N].
bool isFullyConnected(const Node &mm) {
  const Value *x = mm.operand(0u), *w = mm.operand(1u);
  return x->type().rank() >= 2 && w->type().rank() == 2 && isConst(w) &&
         isPlain(x) && isPlain(w) && isPlain(mm.result());
}

bool ConvToGemmPass::run(Graph &g, PassContext &ctx) {
  if (!checkShapesKnown(g, name(), ctx.diag))
    return false;
  Consts.emplace(g);
  Names.emplace(g);
  // Rewrites append nodes: visit the original ones only, and remember
  // which appended nodes replace which, to put them in its place.
  size_t original = g.nodes().size();
  std::vector<std::pair<size_t, size_t>> replaced; // (index, first appended)
  for (size_t i = 0; i < original; ++i) {
    Node &n = *g.nodes()[i];
    size_t first = g.nodes().size();
    bool ok = true;
    if (Convs && n.kind() == OpKind::Conv &&
        ctx.target.kernels->convAlgorithm(n) == ConvAlgo::AsGemm)
      ok = lowerConv(g, n, ctx.diag);
    else if (n.kind() == OpKind::MatMul && isFullyConnected(n))
      ok = lowerMatMul(g, n, ctx.diag);
    else
      continue;
    if (!ok)
      return false;
    replaced.push_back({i, first});
  }
  if (!replaced.empty()) {
    placeReplacements(g, original, replaced);
    finishRewrite(g);
  }
  Consts.reset();
  Names.reset();
  return true;
}

} // namespace

std::unique_ptr<Pass> createConvToGemmPass() {
  return std::make_unique<ConvToGemmPass>(true);
}

std::unique_ptr<Pass> createMatMulToGemmPass() {
  return std::make_unique<ConvToGemmPass>(false);
}

} // namespace cnnc
