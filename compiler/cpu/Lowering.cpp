//===- Lowering.cpp - Lowering context and per-node dispatch -------------===//
#include "compiler/cpu/Lowering.h"
#include "compiler/cpu/lower/LowerBlocked.h"


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

LowerCtx::LowerCtx(const Graph &g, const TargetInfo &target, DiagEngine &diag)
    : BufferCtx(g, diag), Target(target) {}

void LowerCtx::resolveAllCalls() {
  for (KernelCall &c : Calls)
    resolveWorkspace(c.buffers);
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
  return true;
}

} // namespace cnnc::cpu
