//===- LowerBuffers.cpp - Buffers and weights while lowering -------------===//
#include "compiler/LowerBuffers.h"

#include "ir/Weights.h"

#include <cassert>
#include <cstring>

namespace cnnc {

static int64_t alignUp(int64_t x, int64_t a) { return (x + a - 1) / a * a; }

BufferCtx::BufferCtx(const Graph &g, DiagEngine &diag) : G(g), Diag(diag) {}
BufferCtx::~BufferCtx() = default;

bool BufferCtx::hadError() const { return Diag.hasErrors(); }

const Tensor *BufferCtx::constant(const Value *v) {
  const Node *def = v->def();
  if (!def || def->kind() != OpKind::Const)
    return nullptr;
  auto it = Consts.find(v);
  if (it != Consts.end())
    return it->second.get();
  std::optional<Tensor> t = materializeConst(G, *def, Diag);
  if (!t)
    return nullptr;
  auto &slot = Consts[v];
  slot = std::make_unique<Tensor>(std::move(*t));
  return slot.get();
}

Buffer BufferCtx::addWeights(const std::vector<float> &data) {
  int64_t offset = alignUp(int64_t(WeightBytes.size()), 64);
  WeightBytes.resize(size_t(offset) + data.size() * sizeof(float));
  if (!data.empty())
    std::memcpy(WeightBytes.data() + offset, data.data(),
                data.size() * sizeof(float));
  Buffer b;
  b.kind = Buffer::Weights;
  b.offset = offset;
  return b;
}

Buffer BufferCtx::buffer(const Value *v) {
  auto it = Buffers.find(v);
  if (it != Buffers.end())
    return it->second;
  auto ct = ConstBuffers.find(v);
  if (ct != ConstBuffers.end())
    return ct->second;
  // A const used as a plain operand: its data, as is.
  const Tensor *t = constant(v);
  if (!t)
    return Buffer{Buffer::Weights, 0, 0}; // error already reported
  Buffer b = addWeights(t->data);
  ConstBuffers[v] = b;
  return b;
}

Buffer BufferCtx::scratch(int64_t bytes) {
  assert(Plan && !Plan->placed() && Current && "scratch outside lowering");
  return Buffer{Buffer::Workspace, Plan->addScratch(*Current, bytes), 0};
}

void BufferCtx::planBuffers() {
  Plan = std::make_unique<MemoryPlan>(G);
  for (const auto &n : G.nodes())
    for (const Value *r : n->results()) {
      const MemoryPlan::ValueInfo *vi = Plan->info(r);
      if (!vi || vi->storage == Storage::Const)
        continue;
      if (vi->slot >= 0)
        Buffers[r] = Buffer{Buffer::Workspace, vi->slot, 0};
      else if (vi->storage == Storage::Output)
        Buffers[r] = Buffer{Buffer::Output, vi->index, 0};
      else
        Buffers[r] = Buffer{Buffer::Input, vi->index, 0}; // a view of one
    }
  for (size_t i = 0; i < G.inputs().size(); ++i)
    Buffers[G.inputs()[i]] = Buffer{Buffer::Input, int64_t(i), 0};
}

void BufferCtx::finishBuffers() {
  if (!Plan || Plan->placed())
    return;
  Plan->place();
  resolveAllCalls();
}

void BufferCtx::resolveWorkspace(std::vector<Buffer> &buffers) const {
  if (!Plan || !Plan->placed())
    return;
  const std::vector<MemoryPlan::Slot> &slots = Plan->slots();
  for (Buffer &b : buffers) {
    if (b.kind != Buffer::Workspace)
      continue;
    b.offset += slots[size_t(b.index)].offset;
    b.index = 0;
  }
}

} // namespace cnnc
