//===- LowerActivation.cpp - Activations, prelu and maxout ----------------===//
//
// Every elementwise activation lowers to the unary kernel with its kind and
// attributes in the params; prelu to the per-channel kernel with the slope
// as its constants; maxout to the maxout kernel.
//
//===----------------------------------------------------------------------===//
#include "compiler/LowerCommon.h"
#include "compiler/cpu/kernels/Activation.h"
#include "compiler/cpu/lower/LowerMisc.h"

#include <cassert>

namespace cnnc::cpu {

namespace {

/// Activations through vexp (not cnnk::actIsCheap) take about this many
/// element-times each.
constexpr int64_t kTranscendentalWork = 8;

} // namespace

void lowerActivation(const cnnk::ActParams &act, int64_t count, Buffer from,
                     Buffer to, LowerCtx &ctx) {
  if (count == 0)
    return;
  cnnk::UnaryParams p;
  p.act = act;
  p.count = count;
  int64_t work = cnnk::actIsCheap(act.kind) ? 1 : kTranscendentalWork;
  p.block = unitsPerTask(count, work, 16);
  ctx.call<KernelId::Unary>(p, {from, to}, ceilDiv(count, p.block),
                            double(count));
}

namespace {

/// y = act(x) with the unary kernel.
bool lowerUnary(const Node &n, LowerCtx &ctx) {
  Activation act;
  [[maybe_unused]] bool isActivation = activationOf(n, act);
  assert(isActivation && "lowerUnary on a node that is no activation");
  lowerActivation(kernelAct(act), numElementsOf(n.result()),
                  ctx.buffer(n.operand(0)),
                  ctx.buffer(n.result()), ctx);
  return true;
}

} // namespace

cnnk::ActParams kernelAct(const Activation &a) {
  return cnnk::ActParams{int64_t(a.kind), a.alpha, a.beta, a.gamma};
}

// lower<Id> of every elementwise activation: lowerUnary.
CNNC_ACTIVATION_OPS(CNNC_LOWER_AS_UNARY)

/// prelu: the per-channel kernel with the slope as k (and as the unused s).
/// A slope of [1] treats x as one channel.
bool lowerPrelu(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0), *slope = n.operand(1);
  const Shape &xs = x->type().shape;
  cnnk::ChannelParams p{};
  p.op = cnnk::kChanPrelu;
  p.count = numElementsOf(x);
  if (p.count == 0)
    return true;
  bool shared = numElementsOf(slope) == 1;
  p.channels = shared ? 1 : xs[1];
  p.inner = shared ? p.count : product(xs, 2, xs.size());
  p.block = unitsPerTask(p.count, 1, 16);
  Buffer s = ctx.buffer(slope);
  ctx.call<KernelId::Channel>(p, {ctx.buffer(x), s, s, ctx.buffer(n.result())},
                              ceilDiv(p.count, p.block), double(p.count));
  return true;
}

bool lowerMaxout(const Node &n, LowerCtx &ctx) {
  const Shape &xs = n.operand(0)->type().shape;
  cnnk::MaxoutParams p;
  p.k = n.getInt("k");
  p.groups = xs[1] / p.k;
  p.inner = product(xs, 2, xs.size());
  p.planes = xs[0] * p.groups;
  if (p.planes * p.inner == 0)
    return true;
  p.block = unitsPerTask(p.planes, p.inner * p.k);
  ctx.call<KernelId::Maxout>(
      p, {ctx.buffer(n.operand(0)), ctx.buffer(n.result())},
      ceilDiv(p.planes, p.block), double(numElementsOf(n.operand(0))));
  return true;
}

} // namespace cnnc::cpu
