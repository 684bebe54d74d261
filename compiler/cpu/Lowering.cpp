//===- Lowering.cpp - Lowering context and per-node dispatch -------------===//
#include "compiler/cpu/Lowering.h"

#include "ir/Weights.h"

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
  // Scratch areas are never reused in this simple plan: each gets its own.
  Buffer b;
  b.kind = Buffer::Workspace;
  b.offset = WorkspaceEnd;
  WorkspaceEnd = alignUp(WorkspaceEnd + bytes, 64);
  return b;
}

void LowerCtx::planBuffers() {
  // Graph inputs and outputs are the caller's buffers. A value that is both
  // (or an output listed twice) keeps its first role; the driver copies it
  // to the other output slots.
  for (size_t i = 0; i < G.inputs().size(); ++i)
    Buffers[G.inputs()[i]] = Buffer{Buffer::Input, int64_t(i), 0};
  for (size_t i = 0; i < G.outputs().size(); ++i) {
    const Value *v = G.outputs()[i];
    if (Buffers.count(v) || (v->def() && v->def()->kind() == OpKind::Const))
      continue;
    Buffers[v] = Buffer{Buffer::Output, int64_t(i), 0};
  }
  // Every other value computed by a node gets its own workspace slot.
  for (const auto &n : G.nodes()) {
    if (n->kind() == OpKind::Const)
      continue;
    for (const Value *r : n->results()) {
      if (Buffers.count(r))
        continue;
      Buffer b;
      b.kind = Buffer::Workspace;
      b.offset = WorkspaceEnd;
      WorkspaceEnd = alignUp(
          WorkspaceEnd + numElementsOf(r) * int64_t(sizeof(float)), 64);
      Buffers[r] = b;
    }
  }
}

bool lowerNode(const Node &n, LowerCtx &ctx) {
  switch (n.kind()) {
#define OP(Id, Name, Operands, Results, Flags, Attrs)                          \
  case OpKind::Id:                                                             \
    return lower##Id(n, ctx);
#include "ir/Ops.def"
  }
  return false;
}

} // namespace cnnc::cpu
