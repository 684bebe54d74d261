//===- Interpreter.cpp - Runs the per-op reference kernels ----------------===//
#include "ir/Interpreter.h"
#include "ir/Epilogue.h"
#include "ir/Weights.h"

#include <unordered_map>

namespace cnnc {

std::vector<int64_t> stridesOf(const Shape &s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;)
    st[i - 1] = st[i] * s[i];
  return st;
}

namespace {
void dispatch(const KernelCtx &ctx) {
  switch (ctx.node.kind()) {
#define OP(Id, ...)                                                            \
  case OpKind::Id:                                                             \
    return interpret##Id(ctx);
#include "ir/Ops.def"
  }
}
/// Applies activation `act` to t in place.
void activate(const EpilogueAct &act, Tensor &t) {
  Tensor out(t.shape);
  dispatch(KernelCtx{*act.node, {&t}, {&out}});
  t = std::move(out);
}

/// The epilogue of a fused conv or gemm (ir/Epilogue.h), on its result.
void applyEpilogue(const Node &n, const KernelCtx &ctx) {
  Epilogue e = epilogueOf(n);
  Tensor &y = ctx.out();
  if (e.act)
    activate(*e.act, y);
  if (e.res) {
    const Tensor &r = ctx.in(residualOperandIndex(n.kind()));
    for (int64_t i = 0; i < y.size(); ++i)
      y.data[size_t(i)] =
          float(double(y.data[size_t(i)]) + double(r.data[size_t(i)]));
  }
  if (e.resAct)
    activate(*e.resAct, y);
}
} // namespace

void interpretNode(const KernelCtx &ctx) {
  dispatch(ctx);
  if (ctx.node.info().has(kFusable))
    applyEpilogue(ctx.node, ctx);
}

// Consts are materialised by the driver; the table still routes them here.
void interpretConst(const KernelCtx &) {}

std::vector<Tensor> randomInputs(const Graph &g, uint64_t seed) {
  std::vector<Tensor> ins;
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    Tensor t(g.inputs()[i]->type().shape);
    for (int64_t j = 0; j < t.size(); ++j)
      t.data[size_t(j)] = 2.0f * randomUniform01(seed + i, uint64_t(j)) - 1.0f;
    ins.push_back(std::move(t));
  }
  return ins;
}

std::optional<std::vector<Tensor>>
interpret(const Graph &g, std::span<const Tensor> inputs, DiagEngine &diag) {
  if (inputs.size() != g.inputs().size()) {
    diag.error(g.loc(), "graph '{}' has {} input{}, given {}", g.name(),
               g.inputs().size(), g.inputs().size() == 1 ? "" : "s",
               inputs.size());
    return std::nullopt;
  }
  std::unordered_map<const Value *, Tensor> env;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value *v = g.inputs()[i];
    if (inputs[i].shape != v->type().shape) {
      diag.error(v->loc(), "input '%{}' expects shape {}, given {}", v->name(),
                 shapeStr(v->type().shape), shapeStr(inputs[i].shape));
      return std::nullopt;
    }
    env[v] = inputs[i];
  }
  // Last use of each value, to free intermediates early.
  std::unordered_map<const Value *, size_t> lastUse;
  for (size_t i = 0; i < g.nodes().size(); ++i)
    for (const Value *v : g.nodes()[i]->operands())
      lastUse[v] = i;
  for (const Value *o : g.outputs())
    lastUse[o] = g.nodes().size();

  for (size_t i = 0; i < g.nodes().size(); ++i) {
    const Node &n = *g.nodes()[i];
    if (n.kind() == OpKind::Const) {
      std::optional<Tensor> t = materializeConst(g, n, diag);
      if (!t)
        return std::nullopt;
      env[n.result()] = std::move(*t);
      continue;
    }
    KernelCtx ctx{n, {}, {}};
    for (const Value *v : n.operands())
      ctx.ins.push_back(&env.at(v));
    for (const Value *r : n.results()) {
      env[r] = Tensor(r->type().shape);
      ctx.outs.push_back(&env[r]);
    }
    interpretNode(ctx);
    for (const Value *v : n.operands())
      if (lastUse[v] == i)
        env.erase(v);
  }
  std::vector<Tensor> outs;
  for (const Value *o : g.outputs())
    outs.push_back(env.at(o));
  return outs;
}

} // namespace cnnc
