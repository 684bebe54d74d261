//===- FoldConstants.cpp - Constant folding -------------------------------===//
//
// Evaluates, with the reference interpreter's kernel, every node whose
// operands are all consts, and replaces its results by consts holding the
// computed data in memory (named after the results, keys "<result>.folded",
// at the node's source location). Walking in program order folds whole
// chains: transposes, reshapes, pads and arithmetic on weights. Results over
// kMaxFoldElements elements in all are left alone, to bound compile time and
// memory. Requires: inferred shapes. Guarantees: the graph computes the same
// function; result types and graph output names are unchanged; no node but
// a const has only const operands (below the bound).
//
//===----------------------------------------------------------------------===//
#include "ir/Interpreter.h"
#include "ir/Weights.h"
#include "passes/Pass.h"
#include "passes/Rewrite.h"

#include <algorithm>
#include <optional>

namespace cnnc {

namespace {

/// Largest number of result elements one folded node may produce (64M).
constexpr int64_t kMaxFoldElements = int64_t(64) << 20;

bool foldable(const Node &n) {
  if (n.kind() == OpKind::Const || n.numOperands() == 0)
    return false;
  for (const Value *v : n.operands())
    if (!v->def() || v->def()->kind() != OpKind::Const)
      return false;
  int64_t total = 0;
  for (const Value *r : n.results())
    total += r->type().numElements();
  return total <= kMaxFoldElements;
}

class FoldConstantsPass final : public Pass {
public:
  std::string_view name() const override { return "fold-constants"; }
  bool run(Graph &g, PassContext &ctx) override {
    if (!checkShapesKnown(g, name(), ctx.diag))
      return false;
    ConstMaker consts(g);
    bool changed = false;
    for (size_t i = 0, e = g.nodes().size(); i < e; ++i) {
      Node &n = *g.nodes()[i];
      if (!foldable(n))
        continue;
      if (!fold(g, n, consts, ctx.diag))
        return false;
      changed = true;
    }
    if (changed)
      finishRewrite(g);
    return true;
  }

private:
  bool fold(Graph &g, Node &n, ConstMaker &consts, DiagEngine &diag);
};

bool FoldConstantsPass::fold(Graph &g, Node &n, ConstMaker &consts,
                             DiagEngine &diag) {
  std::vector<Tensor> ins, outs;
  ins.reserve(n.numOperands());
  for (const Value *v : n.operands()) {
    std::optional<Tensor> t = materializeConst(g, *v->def(), diag);
    if (!t)
      return false;
    ins.push_back(std::move(*t));
  }
  outs.reserve(n.numResults());
  KernelCtx kc{n, {}, {}};
  for (const Tensor &t : ins)
    kc.ins.push_back(&t);
  for (const Value *r : n.results()) {
    outs.emplace_back(r->type().shape);
    kc.outs.push_back(&outs.back());
  }
  interpretNode(kc);
  for (unsigned i = 0; i < n.numResults(); ++i) {
    Value *r = n.result(i);
    // The const takes the result's name, so the IR reads the same.
    consts.release(r->name());
    Value *c = consts.make(r->name(), r->name() + ".folded", std::move(outs[i]),
                           n.loc());
    g.replaceAllUses(r, c);
  }
  return true;
}

} // namespace

std::unique_ptr<Pass> createFoldConstantsPass() {
  return std::make_unique<FoldConstantsPass>();
}

} // namespace cnnc
