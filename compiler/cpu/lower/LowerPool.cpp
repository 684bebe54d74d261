//===- LowerPool.cpp - max_pool, avg_pool and the global pools ------------===//
//
// The window is resolved by resolveWindow (ir/Window.h) with the options the
// interpreter uses, then padded to three spatial axes (D, H, W) for the pool
// kernel, with the range of output columns whose window lies inside the
// input along W precomputed. Tasks are blocks of output rows. Pools of
// blocked (NCHWc) values go to LowerBlocked.cpp.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/lower/LowerBlocked.h"
#include "compiler/cpu/lower/LowerMisc.h"

#include "ir/Window.h"

#include <algorithm>
#include <cassert>

namespace cnnc::cpu {

namespace {

/// The output columns [lo, hi) of axis `a` whose window lies wholly inside
/// the input.
void interior(const WindowAxis &a, int64_t &lo, int64_t &hi) {
  lo = std::min(ceilDiv(a.padBegin, a.stride), a.out);
  int64_t last = a.in - 1 + a.padBegin - a.dilation * (a.kernel - 1);
  hi = last < 0 ? 0 : std::min(last / a.stride + 1, a.out);
  hi = std::max(hi, lo);
}

bool lowerPool(const Node &n, LowerCtx &ctx, bool isMax) {
  if (isBlockedNode(n))
    return lowerPoolBlocked(n, ctx, isMax);
  const Value *x = n.operand(0), *y = n.result();
  const Shape &xs = x->type().shape;
  std::vector<WindowAxis> axes = poolWindow(n);

  cnnk::PoolParams p = {};
  p.kind = isMax ? cnnk::kPoolMax : cnnk::kPoolAvg;
  p.countIncludePad = isMax ? 0 : n.getInt("count_include_pad");
  setWindow3(axes, p);
  interior(axes.back(), p.owLo, p.owHi);
  p.planes = xs[0] * xs[1];
  p.rows = p.planes * p.out[0] * p.out[1];
  if (p.rows * p.out[2] == 0)
    return true;
  int64_t taps = p.kernel[0] * p.kernel[1] * p.kernel[2];
  p.block = unitsPerTask(p.rows, p.out[2] * taps);
  ctx.call<KernelId::Pool>(p, {ctx.buffer(x), ctx.buffer(y)},
                           ceilDiv(p.rows, p.block),
                           double(numElementsOf(y)) * double(taps));
  return true;
}

bool lowerGlobalPool(const Node &n, LowerCtx &ctx, bool isMax) {
  if (isBlockedNode(n))
    return lowerGlobalPoolBlocked(n, ctx, isMax);
  const Value *x = n.operand(0);
  const Shape &xs = x->type().shape;
  cnnk::GlobalPoolParams p;
  p.kind = isMax ? cnnk::kPoolMax : cnnk::kPoolAvg;
  p.planes = xs[0] * xs[1];
  p.size = product(xs, 2, xs.size());
  if (p.planes == 0)
    return true;
  p.block = unitsPerTask(p.planes, p.size);
  ctx.call<KernelId::GlobalPool>(p, {ctx.buffer(x), ctx.buffer(n.result())},
                                 ceilDiv(p.planes, p.block),
                                 double(numElementsOf(x)));
  return true;
}

} // namespace

bool lowerMaxPool(const Node &n, LowerCtx &ctx) {
  return lowerPool(n, ctx, true);
}

bool lowerAvgPool(const Node &n, LowerCtx &ctx) {
  return lowerPool(n, ctx, false);
}

bool lowerGlobalAvgPool(const Node &n, LowerCtx &ctx) {
  return lowerGlobalPool(n, ctx, false);
}

bool lowerGlobalMaxPool(const Node &n, LowerCtx &ctx) {
  return lowerGlobalPool(n, ctx, true);
}

} // namespace cnnc::cpu
