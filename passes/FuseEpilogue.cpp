//===- FuseEpilogue.cpp - Activations and residual adds into conv/gemm ----===//
//
// A conv or gemm (ops flagged kFusable) computes its result in registers;
// what follows it elementwise can run there too (ir/Epilogue.h):
//
//   y = res_act(act(op(x) + bias) + res)
//
// For each kFusable node whose result has exactly one use and is no graph
// output, this pass repeatedly absorbs that single user when it is
//   - an epilogue activation (flags kElementwise | kEpilogue): into `act`
//     while there is no residual and act is free, else into `res_act` when
//     a residual is present and res_act is free;
//   - an epilogue activation after a reshape of the result (the reshape
//     the only use): act(reshape(y)) is reshape(act(y)), so it goes into
//     the node as above and the reshape reads the activated result (a
//     linear layer applied at every position is a gemm between reshapes);
//   - an add (kBroadcast | kEpilogue) whose other operand has exactly the
//     result's type: that operand becomes the residual, when there is none
//     yet; also after a reshape of the result (the reshape the only use),
//     the residual then read through a reshape to the result's shape. When
//     that operand is itself the sole use of a kFusable node later in
//     program order, the add is left to that node, so the earlier result is
//     the residual and nothing moves (ResNet's downsample).
// Before fusing, the activations exporters write as several nodes become
// the one op: x * sigmoid(x) is silu(x) (ONNX has no SiLU before opset
// 22: PyTorch exports it so), x * tanh(softplus(x)) is mish(x) (before
// opset 18), and x * (1 + erf(x / sqrt 2)) * 0.5 is gelu(x) (ONNX has no
// Gelu before opset 20: x / sqrt 2 also as x * (1 / sqrt 2), the halving
// on either factor; constants within 1e-6 of these, scalar, in f32);
// operands in either order, the inner nodes kept only while something else
// uses them.
// A conv without bias (gemm without c) gets a zero one, since the residual
// is the fourth operand. The absorbed nodes are recorded (Node::absorb)
// and removed; the fused node's result takes over all their uses, and a
// graph output keeps its name. Requires: inferred shapes. Guarantees: the
// same function, up to the f32 rounding of the fused computation; types
// unchanged; every residual is defined before its fused node.
//
//===----------------------------------------------------------------------===//
#include "ir/Epilogue.h"
#include "ir/Weights.h"
#include "passes/Pass.h"
#include "passes/Rewrite.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <unordered_map>
#include <unordered_set>

namespace cnnc {

namespace {

/// The users of values, ignoring nodes already absorbed.
class Users {
public:
  explicit Users(const Graph &g) : G(g) {}
  /// The single node using `v`, or null when `v` has another use (or is a
  /// graph output).
  Node *sole(const Value *v) const { return soleUser(G, v, Dead); }
  void kill(const Node *n) { Dead.insert(n); }

private:
  const Graph &G;
  std::unordered_set<const Node *> Dead;
};

bool isResidualAdd(const Node &n) {
  const OpInfo &info = n.info();
  return n.kind() == OpKind::Add && info.has(kBroadcast) &&
         info.has(kEpilogue) && n.numOperands() == 2;
}

/// The x of `v` = kind(x), or null when v is not the result of a `kind`
/// node.
Value *operandIf(const Value *v, OpKind kind) {
  const Node *d = v->def();
  return d && d->kind() == kind && d->numOperands() == 1 ? d->operand(0u)
                                                         : nullptr;
}

/// The x of x * f(x) with f = silu's sigmoid or mish's tanh(softplus),
/// and which of the two `m` computes.
Value *selfGated(const Node &m, OpKind &kind) {
  if (m.kind() != OpKind::Mul || m.numOperands() != 2)
    return nullptr;
  for (unsigned i = 0; i < 2; ++i) {
    Value *x = m.operand(1 - i), *f = m.operand(i);
    if (x->type() != m.result()->type())
      continue;
    if (operandIf(f, OpKind::Sigmoid) == x) {
      kind = OpKind::Silu;
      return x;
    }
    Value *sp = operandIf(f, OpKind::Tanh);
    if (sp && operandIf(sp, OpKind::Softplus) == x) {
      kind = OpKind::Mish;
      return x;
    }
  }
  return nullptr;
}

/// The mul nodes of g, in program order.
std::vector<Node *> mulNodes(const Graph &g) {
  std::vector<Node *> muls;
  for (const auto &n : g.nodes())
    if (n->kind() == OpKind::Mul)
      muls.push_back(n.get());
  return muls;
}

/// Replaces the result of mul `m`, the end of an activation spelled out in
/// `nodes` (innermost first, m last), by activation `kind` of x: the new
/// node records them as its origins and takes m's name (a graph output
/// keeps it; m's result is renamed with `suffix`).
void replaceByActivation(Graph &g, Node &m, OpKind kind, Value *x,
                         const std::vector<Node *> &nodes,
                         const std::string &suffix) {
  Value *y = m.result();
  std::string name = y->name();
  Node *a = g.addNode(kind, m.loc(), {x}, {name + suffix});
  a->result()->setType(y->type());
  for (Node *n : nodes)
    a->absorb(*n);
  y->setName(name + suffix);
  a->result()->setName(name);
  g.replaceAllUses(y, a->result());
}

/// Replaces every x * sigmoid(x) by silu(x) and x * tanh(softplus(x)) by
/// mish(x); returns whether it did.
bool matchGatedActivations(Graph &g) {
  bool changed = false;
  for (Node *m : mulNodes(g)) {
    OpKind kind;
    Value *x = selfGated(*m, kind);
    if (!x)
      continue;
    // The nodes between x and the mul, innermost first, then the mul.
    Value *f = m->operand(0u) == x ? m->operand(1u) : m->operand(0u);
    std::vector<Node *> nodes = {f->def(), m};
    if (kind == OpKind::Mish)
      nodes.insert(nodes.begin(), f->def()->operand(0u)->def());
    replaceByActivation(g, *m, kind, x, nodes, ".gated");
    changed = true;
  }
  return changed;
}

/// Whether `v` is a one-element constant within 1e-6 of `want`.
bool isScalar(const Graph &g, const Value *v, double want, DiagEngine &diag) {
  const Node *d = v->def();
  if (!d || d->kind() != OpKind::Const || v->type().numElements() != 1)
    return false;
  std::optional<Tensor> t = materializeConst(g, *d, diag);
  return t && std::fabs(double(t->data[0]) - want) <= 1e-6;
}

/// The nodes of x * (1 + erf(x / sqrt 2)) * 0.5 ending at the mul `m`,
/// innermost first, or empty; `x` is set to x.
std::vector<Node *> erfGelu(const Graph &g, Node &m, Value *&x,
                            DiagEngine &diag) {
  const TensorType &type = m.result()->type();
  auto half = [&](const Value *v) { return isScalar(g, v, 0.5, diag); };
  // The factor 1 + erf(x / sqrt 2), its x and its nodes (innermost first).
  auto onePlusErf = [&](Value *a, std::vector<Node *> &nodes) -> Value * {
    Node *add = a->def();
    if (!add || add->kind() != OpKind::Add || add->numOperands() != 2)
      return nullptr;
    for (unsigned i = 0; i < 2; ++i) {
      Value *e = add->operand(i);
      if (!isScalar(g, add->operand(1 - i), 1.0, diag))
        continue;
      Value *u = operandIf(e, OpKind::Erf);
      Node *scale = u ? u->def() : nullptr;
      if (!scale || scale->numOperands() != 2)
        continue;
      Value *in = scale->operand(0u), *k = scale->operand(1u);
      bool halfSqrt2 = false;
      if (scale->kind() == OpKind::Div)
        halfSqrt2 = isScalar(g, k, std::numbers::sqrt2, diag);
      else if (scale->kind() == OpKind::Mul) {
        if (!isScalar(g, k, 1 / std::numbers::sqrt2, diag))
          std::swap(in, k);
        halfSqrt2 = isScalar(g, k, 1 / std::numbers::sqrt2, diag);
      }
      if (!halfSqrt2 || in->type() != type)
        continue;
      nodes = {scale, e->def(), add};
      return in;
    }
    return nullptr;
  };
  if (m.kind() != OpKind::Mul || m.numOperands() != 2 || m.numResults() != 1)
    return {};
  for (unsigned i = 0; i < 2; ++i) {
    Value *p = m.operand(i), *q = m.operand(1 - i);
    std::vector<Node *> nodes;
    Node *pd = p->def();
    if (!pd || pd->kind() != OpKind::Mul || pd->numOperands() != 2)
      continue;
    for (unsigned j = 0; j < 2; ++j) {
      Value *a = pd->operand(j), *b = pd->operand(1 - j);
      // (x * (1 + erf)) * 0.5 and ((1 + erf) * 0.5) * x.
      if (Value *in = onePlusErf(a, nodes)) {
        if ((b == in && half(q)) || (half(b) && q == in)) {
          nodes.push_back(pd);
          nodes.push_back(&m);
          x = in;
          return nodes;
        }
      }
      // (x * 0.5) * (1 + erf).
      if (half(b) && a->type() == type) {
        if (Value *in = onePlusErf(q, nodes); in == a) {
          nodes.insert(nodes.begin(), pd);
          nodes.push_back(&m);
          x = in;
          return nodes;
        }
      }
    }
  }
  return {};
}

/// Replaces every x * (1 + erf(x / sqrt 2)) * 0.5 by gelu(x); returns
/// whether it did.
bool matchErfGelu(Graph &g, DiagEngine &diag) {
  std::unordered_set<const Node *> used;
  bool changed = false;
  for (Node *m : mulNodes(g)) {
    if (used.count(m))
      continue;
    Value *x = nullptr;
    std::vector<Node *> nodes = erfGelu(g, *m, x, diag);
    if (nodes.empty())
      continue;
    used.insert(nodes.begin(), nodes.end());
    replaceByActivation(g, *m, OpKind::Gelu, x, nodes, ".erf_form");
    changed = true;
  }
  return changed;
}

class FuseEpiloguePass final : public Pass {
public:
  std::string_view name() const override { return "fuse-epilogue"; }
  bool run(Graph &g, PassContext &ctx) override;

private:
  bool absorb(Graph &g, Node &p, Node &u);
  /// Puts activation `u`, whose operand has type `operand` (p's result,
  /// or a reshape of it), into a free slot of p's epilogue.
  bool absorbActivation(Node &p, const Node &u, const TensorType &operand);
  /// Makes the other operand of add `u` p's residual; `via` is the
  /// operand of u that p computes: p's result, or a reshape of it (the
  /// residual is then reshaped to p's shape, a view).
  bool absorbResidual(Graph &g, Node &p, const Node &u, const Value *via);
  bool absorbThroughReshape(Graph &g, Node &p, Node &r);
  /// Whether `v`'s definition would rather absorb an add of it and `p`'s
  /// result: a free kFusable node later than `p` in program order.
  bool laterFusable(const Node &p, const Value *v) const;

  Users *Uses = nullptr;
  ConstMaker *Consts = nullptr;
  NameMaker *Names = nullptr;
  std::unordered_map<const Node *, size_t> Order;
};

bool FuseEpiloguePass::absorbActivation(Node &p, const Node &u,
                                        const TensorType &operand) {
  if (!isEpilogueActivation(u.kind()) || u.numOperands() != 1 ||
      u.result()->type() != operand)
    return false;
  bool hasRes = epilogueOf(p).res != nullptr;
  std::string_view slot = hasRes ? "res_act" : "act";
  if (!epilogueSlotFree(p, slot))
    return false;
  setEpilogueAct(p, slot, u);
  return true;
}

bool FuseEpiloguePass::laterFusable(const Node &p, const Value *v) const {
  const Node *d = v->def();
  if (!d || !d->info().has(kFusable) || !epilogueOf(*d).empty() ||
      !Uses->sole(v))
    return false;
  auto pi = Order.find(&p), di = Order.find(d);
  return pi != Order.end() && di != Order.end() && di->second > pi->second;
}

bool FuseEpiloguePass::absorbResidual(Graph &g, Node &p, const Node &u,
                                      const Value *via) {
  if (!isResidualAdd(u) || epilogueOf(p).res)
    return false;
  const Value *y = p.result();
  Value *r = u.operand(0u) == via ? u.operand(1u) : u.operand(0u);
  if (r == via || r->type() != via->type() || u.result()->type() != via->type())
    return false;
  if (laterFusable(p, r))
    return false;
  if (via != y) {
    r = appendReshape(g, r, y->type().shape,
                      Names->fresh(r->name() + ".as_residual"), u.loc());
  }
  unsigned ri = residualOperandIndex(p.kind());
  if (p.numOperands() < ri) {
    // The bias (conv) or c (gemm) precedes the residual: a zero one.
    bool conv = p.kind() == OpKind::Conv;
    Shape s = conv ? Shape{p.operand(1u)->type().shape[0]} : Shape{1};
    std::string base = p.name() + (conv ? ".zero_b" : ".zero_c");
    p.addOperand(Consts->make(base, base, Tensor(s), p.loc()));
  }
  p.addOperand(r);
  return true;
}

bool FuseEpiloguePass::absorbThroughReshape(Graph &g, Node &p, Node &r) {
  if (r.kind() != OpKind::Reshape)
    return false;
  Node *v = Uses->sole(r.result());
  if (!v || (!absorbActivation(p, *v, r.result()->type()) &&
             !absorbResidual(g, p, *v, r.result())))
    return false;
  Uses->kill(v);
  p.absorb(*v);
  Value *from = v->result();
  if (g.isOutput(from)) {
    std::string name = from->name();
    from->setName(name + ".fused");
    r.result()->setName(name);
  }
  g.replaceAllUses(from, r.result());
  return true;
}

bool FuseEpiloguePass::absorb(Graph &g, Node &p, Node &u) {
  if (absorbThroughReshape(g, p, u))
    return true;
  if (!absorbActivation(p, u, p.result()->type()) &&
      !absorbResidual(g, p, u, p.result()))
    return false;
  Uses->kill(&u);
  absorbUser(g, p, u);
  return true;
}

bool FuseEpiloguePass::run(Graph &g, PassContext &ctx) {
  if (!checkShapesKnown(g, name(), ctx.diag))
    return false;
  bool gated = matchGatedActivations(g);
  if (matchErfGelu(g, ctx.diag) || gated)
    finishRewrite(g);
  Users uses(g);
  ConstMaker consts(g);
  NameMaker names(g);
  Uses = &uses;
  Consts = &consts;
  Names = &names;
  std::vector<Node *> nodes;
  for (const auto &n : g.nodes()) {
    Order[n.get()] = nodes.size();
    nodes.push_back(n.get());
  }
  bool changed = false;
  for (Node *p : nodes) {
    if (!p->info().has(kFusable))
      continue;
    while (Node *u = uses.sole(p->result())) {
      if (!absorb(g, *p, *u))
        break;
      changed = true;
    }
  }
  if (changed)
    finishRewrite(g);
  return true;
}

} // namespace

std::unique_ptr<Pass> createFuseEpiloguePass() {
  return std::make_unique<FuseEpiloguePass>();
}

} // namespace cnnc
