//===- AssignLayout.cpp - Channel-blocked layouts for the CPU kernels -----===//
//
// Gives values the CPU backend's blocked channel layout NCHWc (ir/Types.h;
// c = the target's vector width V) where the kernels that read and write
// them have blocked forms, and inserts `relayout` nodes where a blocked
// value meets a consumer that needs it plain, or a plain value a blocked
// consumer cannot read directly.
//
// Which nodes have kernels on blocked values, and how each of those reads
// every operand (plain only, blocked only, either) and writes its result,
// is the target's kernel catalogue's (KernelCatalogue::blockedForm; the CPU
// backend's list is compiler/cpu/Catalogue.cpp): convs of groups 1 or
// depthwise, pools, batch_norm, elementwise and broadcasting ops, concat on
// the channels, all with channel counts that are whole blocks.
//
// Capable nodes joined by the values between them form regions. The rule
// against ping-pong: a region is blocked as a whole, or not at all; it is
// blocked when it holds a conv and needs fewer relayouts (values that
// enter it plain where it needs them blocked, or leave it blocked to a
// plain consumer or a graph output) than it has nodes. So a chain of
// capable ops stays blocked end to end, and a lone conv, pool or relu
// between plain ops stays plain.
//
// Requires: inferred shapes, no blocked value yet (it does nothing on a
// graph that has one). Guarantees: the graph computes the same function
// (relayout is the identity on logical values); graph inputs and outputs
// are plain; every blocked value is produced and consumed by nodes whose
// kernel accepts it (the catalogue's forms, which the CPU lowering checks
// again); one relayout per value and direction.
//
//===----------------------------------------------------------------------===//
#include "passes/KernelCatalogue.h"
#include "passes/Pass.h"
#include "passes/Rewrite.h"

#include <map>
#include <numeric>
#include <optional>
#include <set>

namespace cnnc {

namespace {

/// How a capable node reads an operand slot.
enum class Slot {
  Ignored,    // weights, bias: not layout-carrying (read plain)
  NeedsBlock, // reads blocked only (when the node is blocked)
  Either      // reads plain or blocked as it is (a conv's input of groups
              // 1; a channel vector [N,C,1,...], the same bytes in both)
};

class LayoutPlanner {
public:
  LayoutPlanner(Graph &g, int64_t v, const KernelCatalogue &kernels)
      : G(g), V(v), Kernels(kernels) {}

  /// Chooses the blocked nodes; returns whether there is any.
  bool plan();
  /// Sets the blocked types and inserts the relayouts.
  void rewrite();

private:
  /// The catalogue's blocked form of a capable node.
  const BlockedForm &form(const Node &n) const { return Forms.at(&n); }
  Slot slot(const Node &n, unsigned i) const {
    switch (form(n).operands[i]) {
    case SlotLayout::Plain:
      return Slot::Ignored;
    case SlotLayout::Blocked:
      return Slot::NeedsBlock;
    case SlotLayout::Either:
      return Slot::Either;
    }
    return Slot::Ignored;
  }
  /// Whether node n's result is blocked when n is (a global pool's [N,C,1,1]
  /// and a conv to channels that are not whole blocks stay plain).
  bool blocksResult(const Node &n) const {
    return form(n).result == SlotLayout::Blocked;
  }
  int64_t find(int64_t i) {
    return Parent[i] == i ? i : Parent[i] = find(Parent[i]);
  }
  int64_t relayoutsOf(const std::vector<Node *> &region) const;
  Value *converted(Value *v, int64_t block);

  Graph &G;
  int64_t V;
  const KernelCatalogue &Kernels;
  std::map<const Node *, BlockedForm> Forms;
  std::map<const Node *, int64_t> Index;
  std::vector<int64_t> Parent;
  std::set<const Node *> Blocked;
  std::map<std::pair<Value *, int64_t>, Value *> Relayouts;
  std::set<std::string> Names;
};

/// Values that would need a relayout if `region` were blocked.
int64_t LayoutPlanner::relayoutsOf(const std::vector<Node *> &region) const {
  std::set<const Node *> in(region.begin(), region.end());
  std::set<const Value *> enter, leave;
  for (const Node *n : region)
    for (unsigned i = 0; i < n->numOperands(); ++i) {
      const Value *x = n->operand(i);
      if (slot(*n, i) == Slot::NeedsBlock && !in.count(x->def()))
        enter.insert(x);
    }
  for (const auto &up : G.nodes()) {
    const Node &u = *up;
    for (unsigned i = 0; i < u.numOperands(); ++i) {
      const Node *d = u.operand(i)->def();
      if (!d || !in.count(d) || !blocksResult(*d))
        continue;
      Slot s = in.count(&u) ? slot(u, i) : Slot::Ignored;
      if (s == Slot::Ignored)
        leave.insert(u.operand(i));
    }
  }
  for (const Value *o : G.outputs())
    if (o->def() && in.count(o->def()) && blocksResult(*o->def()))
      leave.insert(o);
  return int64_t(enter.size() + leave.size());
}

bool LayoutPlanner::plan() {
  std::vector<Node *> nodes;
  for (const auto &n : G.nodes()) {
    for (const Value *r : n->results())
      Names.insert(r->name());
    std::string why;
    std::optional<BlockedForm> f = Kernels.blockedForm(*n, V, why);
    if (!f)
      continue;
    Forms[n.get()] = std::move(*f);
    Index[n.get()] = int64_t(nodes.size());
    nodes.push_back(n.get());
  }
  for (const Value *x : G.inputs())
    Names.insert(x->name());
  Parent.resize(nodes.size());
  std::iota(Parent.begin(), Parent.end(), 0);
  // Join a capable node with the capable producers of its blocked slots.
  for (Node *n : nodes)
    for (unsigned i = 0; i < n->numOperands(); ++i) {
      Node *d = n->operand(i)->def();
      if (slot(*n, i) == Slot::Ignored || !d || !Index.count(d) ||
          !blocksResult(*d))
        continue;
      Parent[find(Index[d])] = find(Index[n]);
    }
  std::map<int64_t, std::vector<Node *>> regions;
  for (Node *n : nodes)
    regions[find(Index[n])].push_back(n);
  for (auto &[root, region] : regions) {
    bool hasConv = false;
    for (const Node *n : region)
      hasConv |= n->kind() == OpKind::Conv;
    if (hasConv && relayoutsOf(region) < int64_t(region.size()))
      Blocked.insert(region.begin(), region.end());
  }
  return !Blocked.empty();
}

/// The relayout of v to `block` (one per value and block), appended.
Value *LayoutPlanner::converted(Value *v, int64_t block) {
  auto key = std::make_pair(v, block);
  if (Value *done = Relayouts[key])
    return done;
  std::string base = v->name() + "." + layoutName(v->type().rank(), block);
  std::string name = base;
  for (int i = 1; Names.count(name); ++i)
    name = base + "." + std::to_string(i);
  Names.insert(name);
  SourceLoc loc = v->def() ? v->def()->loc() : v->loc();
  Node *r = G.addNode(OpKind::Relayout, loc, {v}, {name});
  TensorType t = v->type();
  t.block = block;
  r->result()->setType(t);
  return Relayouts[key] = r->result();
}

void LayoutPlanner::rewrite() {
  for (const Node *n : Blocked)
    if (blocksResult(*n)) {
      TensorType t = n->result()->type();
      t.block = V;
      n->result()->setType(t);
    }
  std::vector<Node *> order;
  for (const auto &n : G.nodes())
    order.push_back(n.get());
  for (Node *u : order) {
    bool blocked = Blocked.count(u) > 0;
    for (unsigned i = 0; i < u->numOperands(); ++i) {
      Value *x = u->operand(i);
      Slot s = blocked ? slot(*u, i) : Slot::Ignored;
      if (s == Slot::Either)
        continue;
      if (x->type().blocked() && (!blocked || s == Slot::Ignored))
        u->setOperand(i, converted(x, 0));
      else if (!x->type().blocked() && blocked && s == Slot::NeedsBlock)
        u->setOperand(i, converted(x, V));
    }
  }
  // A graph output keeps its name: the plain relayout takes it.
  std::vector<Value *> outs = G.outputs();
  for (Value *&o : outs) {
    if (!o->type().blocked())
      continue;
    Value *plain = converted(o, 0);
    std::string name = o->name(),
                base = name + "." + layoutName(o->type().rank(), V);
    std::string fresh = base;
    for (int i = 1; Names.count(fresh); ++i)
      fresh = base + "." + std::to_string(i);
    Names.insert(fresh);
    o->setName(fresh);
    plain->setName(name);
    o = plain;
  }
  G.setOutputs(outs);
}

class AssignLayoutPass final : public Pass {
public:
  std::string_view name() const override { return "assign-layout"; }
  bool requiresKernels() const override { return true; }
  bool run(Graph &g, PassContext &ctx) override {
    if (!checkShapesKnown(g, name(), ctx.diag))
      return false;
    int64_t v = ctx.target.vectorWidth;
    if (v < 2)
      return true;
    for (const auto &n : g.nodes())
      for (const Value *r : n->results())
        if (r->type().blocked())
          return true;
    LayoutPlanner planner(g, v, *ctx.target.kernels);
    if (!planner.plan())
      return true;
    planner.rewrite();
    finishRewrite(g);
    return true;
  }
};

} // namespace

std::unique_ptr<Pass> createAssignLayoutPass() {
  return std::make_unique<AssignLayoutPass>();
}

} // namespace cnnc
