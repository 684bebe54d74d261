//===- LowerActivation.cpp - CUDA activations, prelu and maxout ----------===//
//
// Every elementwise activation lowers to the `unary` template with its
// kind and attributes as constants (cpu::activationOf maps a node to them,
// as for fused epilogues); prelu to the per-channel `channel` template with
// the slope as its table (a shared slope of [1] is one channel); maxout to
// `maxout` (compiler/cuda/kernels/elementwise.cuh, pool.cuh).
//
//===----------------------------------------------------------------------===//
#include "compiler/LowerCommon.h"
#include "compiler/cuda/lower/LowerMisc.h"

#include <algorithm>

namespace cnnc::cuda {

namespace {

/// y = act(x), one thread per element.
bool lowerUnary(const Node &n, LowerCtx &ctx) {
  Activation act;
  if (!activationOf(n, act)) {
    ctx.diag().error(n.loc(), "{}: not an elementwise activation",
                     n.info().name);
    return false;
  }
  int64_t count = numElements(n.result()->type().shape);
  KernelParams p;
  p.act("act", act);
  ctx.launchFlat("unary", p, count,
                 {ctx.buffer(n.operand(0)), ctx.buffer(n.result())},
                 double(count));
  return true;
}

} // namespace

// lower<Id> of every elementwise activation: lowerUnary.
CNNC_ACTIVATION_OPS(CNNC_LOWER_AS_UNARY)

/// y = x < 0 ? slope[c] * x : x over x [N,C,*S]; a slope of one element
/// treats x as one channel.
bool lowerPrelu(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0), *slope = n.operand(1);
  const Shape &xs = x->type().shape;
  int64_t count = numElements(xs);
  bool shared = numElements(slope->type().shape) == 1;
  KernelParams p;
  p.i("op", kChanPrelu);
  p.i("C", shared ? 1 : xs[1]);
  p.i("inner",
      shared ? std::max<int64_t>(count, 1) : product(xs, 2, xs.size()));
  Buffer s = ctx.buffer(slope);
  ctx.launchFlat("channel", p, count,
                 {ctx.buffer(x), s, s, ctx.buffer(n.result())}, double(count));
  return true;
}

/// y [N, C/k, *S] = the max over each group of k channels of x [N,C,*S].
bool lowerMaxout(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0), *y = n.result();
  const Shape &xs = x->type().shape;
  int64_t k = n.getInt("k");
  KernelParams p;
  p.i("k", k);
  p.i("groups", xs[1] / k);
  p.i("inner", product(xs, 2, xs.size()));
  ctx.launchFlat("maxout", p, numElements(y->type().shape),
                 {ctx.buffer(x), ctx.buffer(y)}, double(numElements(xs)));
  return true;
}

} // namespace cnnc::cuda
