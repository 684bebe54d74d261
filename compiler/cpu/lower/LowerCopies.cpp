//===- LowerCopies.cpp - Ops that move data unchanged ----------------------===//
//
// const (its data is placed in the weights where it is used), identity and
// dropout (copies at inference).
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/Lowering.h"

namespace cnnc::cpu {

/// Copies in blocks of 64 KiB per task.
void lowerCopy(Buffer from, Buffer to, int64_t count, LowerCtx &ctx) {
  cnnk::CopyParams p;
  p.count = count;
  p.block = 16384;
  int64_t tasks = (p.count + p.block - 1) / p.block;
  ctx.call<KernelId::Copy>(p, {from, to}, tasks);
}

void lowerCopy(const Value *x, const Value *y, LowerCtx &ctx) {
  lowerCopy(ctx.buffer(x), ctx.buffer(y), numElementsOf(y), ctx);
}

bool lowerConst(const Node &n, LowerCtx &ctx) {
  // Materialise now so a bad weights file is reported at the const.
  return ctx.constant(n.result()) != nullptr;
}

bool lowerIdentity(const Node &n, LowerCtx &ctx) {
  lowerCopy(n.operand(0), n.result(), ctx);
  return true;
}

bool lowerDropout(const Node &n, LowerCtx &ctx) {
  lowerCopy(n.operand(0), n.result(), ctx);
  return true;
}

} // namespace cnnc::cpu
