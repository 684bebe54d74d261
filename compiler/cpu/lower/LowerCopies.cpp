//===- LowerCopies.cpp - Ops that move data unchanged
//----------------------===//
//
// const (its data is placed in the weights where it is used), identity and
// dropout (views: no call where the memory plan shares the operand's
// buffer, else copies), relayout (a strided copy between the
// plain and a channel-blocked layout).
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/lower/LowerMisc.h"

namespace cnnc::cpu {

/// Copies in blocks of 64 KiB per task; nothing when `from` is `to` (a
/// view the memory plan placed on its operand).
void lowerCopy(Buffer from, Buffer to, int64_t count, LowerCtx &ctx) {
  if (from == to)
    return;
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

bool lowerRelayout(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0), *y = n.result();
  const TensorType &xt = x->type(), &yt = y->type();
  if (xt.block == yt.block) {
    lowerCopy(x, y, ctx);
    return true;
  }
  int64_t block = yt.blocked() ? yt.block : xt.block;
  if (xt.blocked() && yt.blocked()) {
    ctx.diag().error(n.loc(),
                     "relayout between two blocked layouts ({} to "
                     "{}) is not supported by the cpu backend",
                     xt.str(), yt.str());
    return false;
  }
  const Shape &s = yt.shape;
  Shape view = {s[0], s[1] / block, block};
  view.insert(view.end(), s.begin() + 2, s.end());
  return lowerStridedCopy(n, ctx, x, y, view, blockedViewStrides(xt, block),
                          blockedViewStrides(yt, block), 0, 0);
}

} // namespace cnnc::cpu
