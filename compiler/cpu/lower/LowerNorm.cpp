//===- LowerNorm.cpp - batch_norm, lrn, softmax, log_softmax --------------===//
//
// batch_norm becomes a per-channel affine y = x * k + s: with constant
// operands k and s are folded here (in double) into the weights, otherwise
// the bn_fold kernel computes them into scratch first. lrn and the softmaxes
// view x as [outer, axis, inner] and split the work by outer index and
// chunks of the inner positions; layer_norm views x as [rows, len] and
// splits it by blocks of rows.
//
//===----------------------------------------------------------------------===//
#include "compiler/LowerCommon.h"
#include "compiler/cpu/lower/LowerConv.h"
#include "compiler/cpu/lower/LowerMisc.h"

namespace cnnc::cpu {

namespace {

/// Inner positions per task of the lrn and softmax kernels (a multiple of
/// every vector width).
constexpr int64_t kInnerChunk = 256;

/// The outer and inner sizes of x around axis `axis`.
void splitAround(const Shape &s, size_t axis, int64_t &outer, int64_t &inner) {
  outer = product(s, 0, axis);
  inner = product(s, axis + 1, s.size());
}

bool lowerSoftmaxOf(const Node &n, LowerCtx &ctx, bool log) {
  const Value *x = n.operand(0);
  const Shape &xs = x->type().shape;
  int64_t axis = n.getInt("axis");
  if (axis < 0)
    axis += int64_t(xs.size());
  cnnk::SoftmaxParams p = {};
  p.log = log;
  p.len = xs[size_t(axis)];
  splitAround(xs, size_t(axis), p.outer, p.inner);
  int64_t count = p.outer * p.len * p.inner;
  if (count == 0)
    return true;
  int64_t tasks;
  if (p.inner == 1) {
    p.block = unitsPerTask(p.outer, p.len * 8);
    tasks = ceilDiv(p.outer, p.block);
  } else {
    p.chunk = std::min(p.inner, kInnerChunk);
    p.chunksPerOuter = ceilDiv(p.inner, p.chunk);
    tasks = p.outer * p.chunksPerOuter;
  }
  ctx.call<KernelId::Softmax>(p, {ctx.buffer(x), ctx.buffer(n.result())}, tasks,
                              double(count) * 4);
  return true;
}

} // namespace

bool lowerBatchNorm(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0);
  const Shape &xs = x->type().shape;
  cnnk::ChannelParams p{};
  p.op = cnnk::kChanAffine;
  p.channels = xs[1];
  p.inner = product(xs, 2, xs.size());
  p.count = numElementsOf(x);
  p.lanes = x->type().block;
  std::optional<BatchNormAffine> a = batchNormAffine(n, ctx);
  if (!a)
    return false;
  if (!a->fold.empty()) {
    cnnk::BnFoldParams f;
    f.channels = p.channels;
    f.epsilon = n.getFloat("epsilon");
    ctx.call<KernelId::BnFold>(f, a->fold, 1, double(p.channels));
  }
  if (p.count == 0)
    return true;
  p.block = unitsPerTask(p.count, 1, 16);
  if (p.lanes)
    p.block = roundUp(p.block, p.lanes);
  ctx.call<KernelId::Channel>(
      p, {ctx.buffer(x), a->k, a->s, ctx.buffer(n.result())},
      ceilDiv(p.count, p.block), 2 * double(p.count));
  return true;
}

bool lowerLrn(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0);
  const Shape &xs = x->type().shape;
  cnnk::LrnParams p;
  int64_t size = n.getInt("size");
  p.channels = xs[1];
  p.inner = product(xs, 2, xs.size());
  p.before = (size - 1) / 2;
  p.after = size - 1 - p.before;
  p.alphaOverSize = n.getFloat("alpha") / double(size);
  p.beta = n.getFloat("beta");
  p.bias = n.getFloat("bias");
  int64_t count = numElementsOf(x);
  if (count == 0)
    return true;
  p.chunk = std::min(p.inner, kInnerChunk);
  p.chunksPerOuter = ceilDiv(p.inner, p.chunk);
  ctx.call<KernelId::Lrn>(p, {ctx.buffer(x), ctx.buffer(n.result())},
                          xs[0] * p.chunksPerOuter,
                          double(count) * double(2 * size + 3));
  return true;
}

bool lowerLayerNorm(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0);
  const Shape &xs = x->type().shape;
  int64_t axis = n.getInt("axis");
  if (axis < 0)
    axis += int64_t(xs.size());
  cnnk::LayerNormParams p{};
  p.rows = product(xs, 0, size_t(axis));
  p.len = product(xs, size_t(axis), xs.size());
  p.epsilon = n.getFloat("epsilon");
  const Value *bias = n.operand("bias");
  p.hasBias = bias != nullptr;
  if (p.rows == 0 || p.len == 0)
    return true;
  p.hasStats = n.numResults() == 3;
  p.block = unitsPerTask(p.rows, p.len * 3);
  Buffer scale = ctx.buffer(n.operand(1)), y = ctx.buffer(n.result());
  ctx.call<KernelId::LayerNorm>(
      p,
      {ctx.buffer(x), scale, bias ? ctx.buffer(bias) : scale, y,
       p.hasStats ? ctx.buffer(n.result(1)) : y,
       p.hasStats ? ctx.buffer(n.result(2)) : y},
      ceilDiv(p.rows, p.block), double(p.rows) * double(p.len) * 8);
  return true;
}

bool lowerSoftmax(const Node &n, LowerCtx &ctx) {
  return lowerSoftmaxOf(n, ctx, false);
}

bool lowerLogSoftmax(const Node &n, LowerCtx &ctx) {
  return lowerSoftmaxOf(n, ctx, true);
}

} // namespace cnnc::cpu
