//===- AssignLayout.cpp - Channel-blocked layouts for the CPU kernels -----===//
//
// Gives values the CPU backend's blocked channel layout NCHWc (ir/Types.h;
// c = the target's vector width V) where the kernels that read and write
// them have blocked forms, and inserts `relayout` nodes where a blocked
// value meets a consumer that needs it plain, or a plain value a blocked
// consumer cannot read directly.
//
// Blocked-capable nodes, all with channel counts (axis 1) that are
// multiples of V, rank 3 to 5:
//   anchors    conv with zero padding and constant weights, groups 1 (it
//              reads a plain input itself, so a network's first conv of 3
//              channels anchors too) or depthwise (groups == C == M);
//              max_pool, avg_pool; global_avg_pool and global_max_pool
//              (blocked input, plain result [N,C,1,1]: the same bytes);
//              a conv of groups 1 from whole blocks to output channels
//              that are not (MobileNet's 24): blocked input, plain result
//              (the backend computes padded blocks and copies the real
//              channels out);
//   followers  elementwise ops (kElementwise), batch_norm (x blocked, its
//              per-channel operands plain), binary ops (kBroadcast)
//              whose operands have the result's shape or are a channel
//              vector [N,C,1,...] of it (squeeze-and-excitation's scale;
//              read in either layout: the bytes are the same), concat on
//              axis 1.
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
// CPU lowering accepts it (compiler/cpu/lower/LowerBlocked.cpp); one
// relayout per value and direction.
//
//===----------------------------------------------------------------------===//
#include "passes/Pass.h"
#include "passes/Rewrite.h"

#include <map>
#include <numeric>
#include <set>

namespace cnnc {

namespace {

/// How a capable node reads an operand slot.
enum class Slot {
  Ignored,    // weights, bias: not layout-carrying
  PlainOk,    // reads plain or blocked (conv groups 1 input)
  NeedsBlock, // reads blocked only (when the node is blocked)
  Either      // [N,C,1,...]: the same bytes in both layouts, read as is
};

/// Whether `x` is a channel vector of `y`: [N,C,1,...] of y's N and C.
bool channelVectorOf(const Value *x, const Value *y) {
  const Shape &s = x->type().shape, &r = y->type().shape;
  if (s.size() != r.size() || s.size() < 3 || s[0] != r[0] || s[1] != r[1])
    return false;
  for (size_t i = 2; i < s.size(); ++i)
    if (s[i] != 1)
      return false;
  return s != r;
}

class LayoutPlanner {
public:
  LayoutPlanner(Graph &g, int64_t v) : G(g), V(v) {}

  /// Chooses the blocked nodes; returns whether there is any.
  bool plan();
  /// Sets the blocked types and inserts the relayouts.
  void rewrite();

private:
  bool channelsOk(const Value *x) const {
    const TensorType &t = x->type();
    return t.rank() >= 3 && t.rank() <= 5 && t.shape[1] % V == 0 &&
           t.shape[1] > 0;
  }
  bool isConst(const Value *v) const {
    return v && v->def() && v->def()->kind() == OpKind::Const;
  }
  bool capableConv(const Node &n) const;
  /// A conv of groups 1 from whole blocks of channels to a count that is
  /// not: it reads x blocked and computes whole blocks (the last one
  /// padded), its result plain.
  bool paddedConv(const Node &n) const {
    const TensorType &y = n.result()->type();
    return n.kind() == OpKind::Conv && n.getInt("groups") == 1 &&
           channelsOk(n.operand(0)) && y.rank() >= 3 && y.rank() <= 5 &&
           y.shape[1] % V != 0;
  }
  bool capable(const Node &n) const;
  Slot slot(const Node &n, unsigned i) const;
  /// Whether node n's result r is blocked when n is.
  bool blocksResult(const Node &n) const {
    return n.kind() != OpKind::GlobalAvgPool &&
           n.kind() != OpKind::GlobalMaxPool && !paddedConv(n);
  }
  int64_t find(int64_t i) {
    return Parent[i] == i ? i : Parent[i] = find(Parent[i]);
  }
  int64_t relayoutsOf(const std::vector<Node *> &region) const;
  Value *converted(Value *v, int64_t block);

  Graph &G;
  int64_t V;
  std::map<const Node *, int64_t> Index;
  std::vector<int64_t> Parent;
  std::set<const Node *> Blocked;
  std::map<std::pair<Value *, int64_t>, Value *> Relayouts;
  std::set<std::string> Names;
};

bool LayoutPlanner::capableConv(const Node &n) const {
  const Value *x = n.operand(0), *w = n.operand(1);
  if (n.getEnum("padding_mode") != "zeros" || !isConst(w))
    return false;
  if (!channelsOk(n.result()))
    return paddedConv(n);
  const Value *b = n.operand("b");
  if (b && b->type().blocked())
    return false;
  int64_t c = x->type().shape[1], m = w->type().shape[0];
  int64_t groups = n.getInt("groups");
  if (groups == 1)
    return true;
  return groups == c && c == m && channelsOk(x);
}

bool LayoutPlanner::capable(const Node &n) const {
  if (n.numResults() != 1 || n.numOperands() == 0)
    return false;
  OpKind k = n.kind();
  if (k == OpKind::Conv)
    return capableConv(n);
  if (k == OpKind::BatchNorm)
    return channelsOk(n.operand(0)) && channelsOk(n.result());
  if (k == OpKind::MaxPool || k == OpKind::AvgPool ||
      k == OpKind::GlobalAvgPool || k == OpKind::GlobalMaxPool)
    return channelsOk(n.operand(0));
  if (k == OpKind::Concat) {
    int64_t axis = n.getInt("axis"), rank = n.result()->type().rank();
    if (axis != 1 && axis != 1 - rank)
      return false;
  } else if (n.info().flags & kBroadcast) {
    for (const Value *x : n.operands())
      if (x->type().shape != n.result()->type().shape &&
          !channelVectorOf(x, n.result()))
        return false;
  } else if (!(n.info().flags & kElementwise)) {
    return false;
  }
  for (const Value *x : n.operands())
    if (!channelsOk(x))
      return false;
  return channelsOk(n.result());
}

Slot LayoutPlanner::slot(const Node &n, unsigned i) const {
  if (n.kind() == OpKind::BatchNorm)
    return i == 0 ? Slot::NeedsBlock : Slot::Ignored;
  if (n.kind() != OpKind::Conv)
    return channelVectorOf(n.operand(i), n.result()) ? Slot::Either
                                                      : Slot::NeedsBlock;
  if (n.operand(i) == n.operand("res"))
    return paddedConv(n) ? Slot::Ignored : Slot::NeedsBlock;
  if (i != 0)
    return Slot::Ignored;
  return n.getInt("groups") == 1 ? Slot::PlainOk : Slot::NeedsBlock;
}

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
    if (!capable(*n))
      continue;
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
    LayoutPlanner planner(g, v);
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
