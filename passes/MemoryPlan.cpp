//===- MemoryPlan.cpp - Liveness-based workspace planning -----------------===//
#include "passes/MemoryPlan.h"

#include <algorithm>
#include <cassert>

namespace cnnc {

namespace {

int64_t alignUp(int64_t x) {
  return (x + kWorkspaceAlign - 1) / kWorkspaceAlign * kWorkspaceAlign;
}

} // namespace

const char *storageName(Storage s) {
  switch (s) {
  case Storage::Input:
    return "input";
  case Storage::Output:
    return "output";
  case Storage::Const:
    return "const";
  case Storage::Workspace:
    return "workspace";
  case Storage::View:
    return "view";
  case Storage::InPlace:
    return "in place";
  }
  return "?";
}

bool isViewNode(const Node &n) {
  OpKind k = n.kind();
  if (k == OpKind::Relayout)
    return n.operand(0)->type().block == n.result()->type().block;
  return k == OpKind::Reshape || k == OpKind::Flatten ||
         k == OpKind::Identity || k == OpKind::Dropout;
}

MemoryPlan::MemoryPlan(const Graph &g) : G(g) {
  // Program positions and the last use of every value.
  for (const auto &n : g.nodes()) {
    int64_t pos = int64_t(Positions.size());
    Positions[n.get()] = pos;
    for (const Value *v : n->operands())
      LastUse[v] = std::max(LastUse[v], pos);
  }
  // The caller's buffers keep their first role, as the backend does.
  for (size_t i = 0; i < g.inputs().size(); ++i)
    Values[g.inputs()[i]] = {Storage::Input, -1, int64_t(i), nullptr};
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    const Value *v = g.outputs()[i];
    if (Values.count(v) || isConst(v))
      continue;
    Values[v] = {Storage::Output, -1, int64_t(i), nullptr};
  }
  for (const auto &n : g.nodes()) {
    int64_t pos = Positions[n.get()];
    for (const Value *r : n->results()) {
      if (n->kind() == OpKind::Const) {
        Values[r] = {Storage::Const, -1, -1, nullptr};
        continue;
      }
      if (!Values.count(r))
        assignValue(*n, r, pos);
    }
  }
}

void MemoryPlan::assignValue(const Node &n, const Value *r, int64_t pos) {
  Unshared += alignUp(r->type().sizeInBytes());
  if (tryView(n, r, pos) || tryInPlace(n, r, pos))
    return;
  int slot = newSlot(r, r->type().sizeInBytes(), pos);
  Values[r] = {Storage::Workspace, slot, -1, nullptr};
  join(slot, r, pos);
}

/// A view shares the storage of its operand when that is the workspace or
/// a graph input; its uses extend the slot's lifetime.
bool MemoryPlan::tryView(const Node &n, const Value *r, int64_t pos) {
  if (!isViewNode(n))
    return false;
  const Value *x = n.operand(0);
  const ValueInfo *xi = info(x);
  if (!xi || xi->storage == Storage::Output || xi->storage == Storage::Const)
    return false;
  ValueInfo vi = *xi;
  vi.storage = Storage::View;
  vi.source = x;
  Values[r] = vi;
  if (vi.slot >= 0)
    join(vi.slot, r, pos);
  return true;
}

/// An elementwise result may take over the slot of an operand of its exact
/// type that dies here, when no other operand reads that slot differently.
bool MemoryPlan::tryInPlace(const Node &n, const Value *r, int64_t pos) {
  const OpInfo &op = n.info();
  bool elementwise = op.flags & kElementwise;
  bool broadcast = (op.flags & kBroadcast) && n.numOperands() == 2;
  if (!elementwise && !broadcast)
    return false;
  for (const Value *x : n.operands()) {
    const ValueInfo *xi = info(x);
    if (!xi || xi->slot < 0 || !(x->type() == r->type()))
      continue;
    if (Slots[size_t(xi->slot)].last != pos)
      continue; // the slot is read again later
    bool clash = false;
    for (const Value *o : n.operands()) {
      const ValueInfo *oi = info(o);
      clash |=
          o != x && oi && oi->slot == xi->slot && !(o->type() == x->type());
    }
    if (clash)
      continue;
    Values[r] = {Storage::InPlace, xi->slot, -1, x};
    join(xi->slot, r, pos);
    return true;
  }
  return false;
}

int MemoryPlan::newSlot(const Value *owner, int64_t bytes, int64_t pos) {
  Slot s;
  s.bytes = bytes;
  s.first = s.last = pos;
  s.owner = owner;
  Slots.push_back(s);
  return int(Slots.size() - 1);
}

/// Value `v`, defined at `pos`, now lives in `slot` too.
void MemoryPlan::join(int slot, const Value *v, int64_t pos) {
  Slot &s = Slots[size_t(slot)];
  s.bytes = std::max(s.bytes, v->type().sizeInBytes());
  s.first = std::min(s.first, pos);
  s.last = std::max(s.last, pos);
  auto it = LastUse.find(v);
  if (it != LastUse.end())
    s.last = std::max(s.last, it->second);
}

const MemoryPlan::ValueInfo *MemoryPlan::info(const Value *v) const {
  auto it = Values.find(v);
  return it == Values.end() ? nullptr : &it->second;
}

int64_t MemoryPlan::position(const Node &n) const {
  auto it = Positions.find(&n);
  assert(it != Positions.end() && "node of another graph");
  return it->second;
}

int MemoryPlan::addScratch(const Node &n, int64_t bytes) {
  assert(!Placed && "scratch requested after placement");
  Unshared += alignUp(bytes);
  return newSlot(nullptr, bytes, position(n));
}

void MemoryPlan::place() {
  assert(!Placed && "placed twice");
  Placed = true;
  std::vector<size_t> order(Slots.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return Slots[a].bytes > Slots[b].bytes;
  });
  std::vector<size_t> done; // placed slots
  for (size_t id : order) {
    Slot &s = Slots[id];
    int64_t need = alignUp(s.bytes);
    // Placed slots live at the same time, by offset.
    std::vector<const Slot *> live;
    for (size_t p : done) {
      const Slot &o = Slots[p];
      if (o.first <= s.last && s.first <= o.last)
        live.push_back(&o);
    }
    std::sort(live.begin(), live.end(), [](const Slot *a, const Slot *b) {
      return a->offset < b->offset;
    });
    // Best fit: the smallest gap that holds it, else after the last one.
    int64_t at = 0, best = -1, bestGap = 0;
    for (const Slot *o : live) {
      int64_t gap = o->offset - at;
      if (gap >= need && (best < 0 || gap < bestGap)) {
        best = at;
        bestGap = gap;
      }
      at = std::max(at, o->offset + alignUp(o->bytes));
    }
    s.offset = best >= 0 ? best : at;
    Total = std::max(Total, s.offset + need);
    done.push_back(id);
  }
}

int64_t MemoryPlan::offsetOf(const Value *v) const {
  const ValueInfo *vi = info(v);
  if (!vi || vi->slot < 0)
    return -1;
  return Slots[size_t(vi->slot)].offset;
}

WorkspaceSummary MemoryPlan::summary() const {
  WorkspaceSummary s;
  s.before = Unshared;
  s.after = Total;
  for (const auto &[v, vi] : Values) {
    WorkspaceSummary::Placement p;
    p.offset = offsetOf(v);
    p.how = vi.storage == Storage::Workspace ? "" : storageName(vi.storage);
    s.values[v] = p;
  }
  return s;
}

} // namespace cnnc
