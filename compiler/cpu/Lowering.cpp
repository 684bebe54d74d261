//===- Lowering.cpp - Lowering context and per-node dispatch -------------===//
#include "compiler/cpu/Lowering.h"
#include "compiler/cpu/lower/LowerBlocked.h"

#include "ir/Weights.h"

#include <cassert>

namespace cnnc::cpu {

const KernelInfo &kernelInfo(KernelId id) {
  static const KernelInfo infos[] = {
#define KERNEL(Id, name, Params, Vectorised)                                   \
  {#name, sizeof(cnnk::Params), Vectorised != 0},
#include "compiler/cpu/kernels/Kernels.def"
  };
  return infos[size_t(id)];
}

int64_t numElementsOf(const Value *v) { return numElements(v->type().shape); }

static int64_t alignUp(int64_t x, int64_t a) { return (x + a - 1) / a * a; }

LowerCtx::LowerCtx(const Graph &g, const TargetInfo &target, DiagEngine &diag)
    : G(g), Target(target), Diag(diag) {}

bool LowerCtx::hadError() const { return Diag.hasErrors(); }

const Tensor *LowerCtx::constant(const Value *v) {
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

Buffer LowerCtx::addWeights(const std::vector<float> &data) {
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

Buffer LowerCtx::buffer(const Value *v) {
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

Buffer LowerCtx::scratch(int64_t bytes) {
  assert(Plan && !Plan->placed() && Current && "scratch outside lowering");
  return Buffer{Buffer::Workspace, Plan->addScratch(*Current, bytes), 0};
}

void LowerCtx::planBuffers() {
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

void LowerCtx::finishBuffers() {
  if (!Plan || Plan->placed())
    return;
  Plan->place();
  for (KernelCall &c : Calls)
    resolveWorkspace(c);
}

void LowerCtx::resolveWorkspace(KernelCall &c) const {
  if (!Plan || !Plan->placed())
    return;
  const std::vector<MemoryPlan::Slot> &slots = Plan->slots();
  for (Buffer &b : c.buffers) {
    if (b.kind != Buffer::Workspace)
      continue;
    b.offset += slots[size_t(b.index)].offset;
    b.index = 0;
  }
}

namespace {
bool lowerByKind(const Node &n, LowerCtx &ctx) {
  switch (n.kind()) {
#define OP(Id, Name, Operands, Results, Flags, Attrs)                          \
  case OpKind::Id:                                                             \
    return lower##Id(n, ctx);
#include "ir/Ops.def"
  }
  return false;
}
} // namespace

bool lowerNode(const Node &n, LowerCtx &ctx) {
  if (!checkBlockedOperands(n, ctx) || !lowerByKind(n, ctx))
    return false;
  // Every scratch request is in: the workspace can be placed.
  if (&n == ctx.graph().nodes().back().get())
    ctx.finishBuffers();
  return true;
}

} // namespace cnnc::cpu
