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
  case Storage::Slab:
    return "concat slab";
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
  findSlabs(g);
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

/// The concat operands that can be written into their slab of the result
/// (see the header), with the slab's byte offset.
void MemoryPlan::findSlabs(const Graph &g) {
  std::unordered_map<const Value *, int> uses;
  for (const auto &n : g.nodes())
    for (const Value *v : n->operands())
      ++uses[v];
  for (const auto &n : g.nodes()) {
    if (n->kind() != OpKind::Concat || n->numResults() != 1)
      continue;
    const Value *whole = n->result();
    if (Values.count(whole)) // a graph output: the caller's buffer
      continue;
    const TensorType &wt = whole->type();
    int64_t rank = int64_t(wt.shape.size());
    int64_t axis = n->getInt("axis");
    if (axis < 0)
      axis += rank;
    if (axis < 0 || axis >= rank)
      continue;
    bool contiguous = true;
    for (int64_t a = 0; a < axis; ++a)
      contiguous &= wt.shape[size_t(a)] == 1;
    // A blocked result is concatenated along the channels in whole blocks
    // (the catalogue's rule); its slabs are then as contiguous as plain.
    if (!contiguous || (wt.blocked() && axis != 1))
      continue;
    int64_t inner = 1;
    for (int64_t a = axis + 1; a < rank; ++a)
      inner *= wt.shape[size_t(a)];
    // All or none: a concat whose every operand is written into its slab
    // copies nothing; one that still copies some gains little from the
    // others and keeps its slot alive from their definition on.
    std::vector<std::pair<const Value *, int64_t>> parts;
    int64_t at = 0;
    for (const Value *x : n->operands()) {
      const TensorType &xt = x->type();
      int64_t within = at * inner * int64_t(dtypeSize(xt.dtype));
      at += xt.shape[size_t(axis)];
      const Node *def = x->def();
      if (!def || def->kind() == OpKind::Const ||
          def->kind() == OpKind::Concat || isViewNode(*def) ||
          def->numResults() != 1 || Values.count(x) || uses[x] != 1 ||
          xt.block != wt.block || xt.dtype != wt.dtype ||
          (wt.blocked() && xt.shape[1] % wt.block != 0))
        break;
      parts.push_back({x, within});
    }
    if (parts.size() == n->numOperands())
      for (const auto &[x, within] : parts)
        Slabs[x] = {whole, within};
  }
}

/// A concat operand found by findSlabs goes into its slab of the concat's
/// slot, made now if it is the first.
bool MemoryPlan::trySlab(const Value *r, int64_t pos) {
  auto it = Slabs.find(r);
  if (it == Slabs.end())
    return false;
  const Value *whole = it->second.first;
  auto [slotIt, fresh] = EarlySlots.try_emplace(whole, -1);
  if (fresh)
    slotIt->second = newSlot(whole, whole->type().sizeInBytes(), pos);
  Values[r] = {Storage::Slab, slotIt->second, -1, whole, it->second.second};
  join(slotIt->second, r, pos);
  return true;
}

void MemoryPlan::assignValue(const Node &n, const Value *r, int64_t pos) {
  Unshared += alignUp(r->type().sizeInBytes());
  if (trySlab(r, pos) || tryView(n, r, pos) || tryInPlace(n, r, pos))
    return;
  auto early = EarlySlots.find(r);
  int slot = early != EarlySlots.end()
                 ? early->second
                 : newSlot(r, r->type().sizeInBytes(), pos);
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
    // Not over a concat's slab (or a view of one): the result would be
    // written at the slot's start, not where x is.
    if (!xi || xi->slot < 0 || xi->within != 0 || !(x->type() == r->type()))
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
  return Slots[size_t(vi->slot)].offset + vi->within;
}

bool MemoryPlan::inSlabOf(const Value *part, const Value *whole) const {
  const ValueInfo *vi = info(part);
  return vi && vi->storage == Storage::Slab && vi->source == whole;
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
