//===- LowerNorm.cpp - CUDA batch_norm, lrn, layer_norm, softmax, pools ---===//
//
// batch_norm becomes the per-channel affine y = x * k + s of the `channel`
// template: with constant operands k and s are folded here in double into
// the weights (as the CPU backend does), otherwise a `bn_fold` launch
// computes them into scratch first. lrn is one thread per element.
//
// The softmaxes, layer_norm and the global pools are reductions (kernels in
// compiler/cuda/kernels/norm.cuh): a block per line or plane with a
// shared-memory tree reduction when the reduced extent is long, a thread
// per line or plane when it is short (a 10-way softmax, or over channels
// with consecutive threads on consecutive pixels).
//
//===----------------------------------------------------------------------===//
#include "compiler/LowerCommon.h"
#include "compiler/cuda/lower/LowerMisc.h"

namespace cnnc::cuda {

int64_t reduceThreads(int64_t len) {
  int64_t t = 32;
  while (t < 256 && t * 4 < len)
    t *= 2;
  return t;
}

namespace {

/// Extents from which a line or plane gets a block of its own (at least a
/// warp's worth of elements): below it a thread folds it alone. A 7x7
/// plane gets a block of 32 threads: a thread per plane would leave most
/// of the GPU idle at batch 1 (1280 planes at the end of mobilenet_v2).
constexpr int64_t kBlockReduceMin = 32;
/// With more lines than this (and strided lines), a thread per line keeps
/// the GPU busy and its loads coalesced across lines.
constexpr int64_t kManyLines = 4096;

bool lowerSoftmaxOf(const Node &n, LowerCtx &ctx, bool log) {
  const Value *x = n.operand(0), *y = n.result();
  const Shape &xs = x->type().shape;
  int64_t axis = n.getInt("axis");
  if (axis < 0)
    axis += int64_t(xs.size());
  int64_t len = xs[size_t(axis)];
  int64_t inner = product(xs, size_t(axis) + 1, xs.size());
  int64_t lines = product(xs, 0, size_t(axis)) * inner;
  if (lines == 0 || len == 0)
    return true;
  KernelParams p;
  p.i("len", len).i("inner", inner).i("is_log", log);
  std::vector<Buffer> bufs = {ctx.buffer(x), ctx.buffer(y)};
  double flops = double(lines) * double(len) * 4;
  if (len >= kBlockReduceMin && (inner == 1 || lines <= kManyLines)) {
    int64_t threads = reduceThreads(len);
    ctx.launch("softmax_block", p, Dim3{lines, 1, 1}, Dim3{threads, 1, 1}, bufs,
               flops, "block per line");
    return true;
  }
  ctx.launchFlat("softmax_thread", p, lines, bufs, flops);
  return true;
}

bool lowerGlobalPool(const Node &n, LowerCtx &ctx, bool isMax) {
  const Value *x = n.operand(0), *y = n.result();
  const Shape &xs = x->type().shape;
  int64_t planes = xs[0] * xs[1], size = product(xs, 2, xs.size());
  if (planes == 0)
    return true;
  KernelParams p;
  p.i("is_max", isMax).i("size", size);
  std::vector<Buffer> bufs = {ctx.buffer(x), ctx.buffer(y)};
  double flops = double(planes) * double(size);
  if (size >= kBlockReduceMin) {
    ctx.launch("global_pool", p, Dim3{planes, 1, 1},
               Dim3{reduceThreads(size), 1, 1}, bufs, flops, "block per plane");
    return true;
  }
  ctx.launchFlat("global_pool_thread", p, planes, bufs, flops);
  return true;
}

} // namespace

bool lowerBatchNorm(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0);
  const Shape &xs = x->type().shape;
  int64_t channels = xs[1];
  std::optional<BatchNormAffine> a = batchNormAffine(n, ctx);
  if (!a)
    return false;
  if (!a->fold.empty()) {
    KernelParams f;
    f.f("epsilon", n.getFloat("epsilon"));
    ctx.launchFlat("bn_fold", f, channels, a->fold, double(channels));
  }
  int64_t count = numElements(xs);
  KernelParams p;
  p.i("op", kChanAffine);
  p.i("C", channels);
  p.i("inner", product(xs, 2, xs.size()));
  ctx.launchFlat("channel", p, count,
                 {ctx.buffer(x), a->k, a->s, ctx.buffer(n.result())},
                 2 * double(count));
  return true;
}

bool lowerLrn(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0);
  const Shape &xs = x->type().shape;
  int64_t size = n.getInt("size");
  int64_t before = (size - 1) / 2;
  KernelParams p;
  p.i("C", xs[1]);
  p.i("inner", product(xs, 2, xs.size()));
  p.i("before", before).i("after", size - 1 - before);
  p.f("alpha", n.getFloat("alpha") / double(size));
  p.f("beta", n.getFloat("beta")).f("bias", n.getFloat("bias"));
  int64_t count = numElements(xs);
  ctx.launchFlat("lrn", p, count, {ctx.buffer(x), ctx.buffer(n.result())},
                 double(count) * double(2 * size + 3));
  return true;
}

bool lowerLayerNorm(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0), *y = n.result(), *bias = n.operand("bias");
  const Shape &xs = x->type().shape;
  int64_t axis = n.getInt("axis");
  if (axis < 0)
    axis += int64_t(xs.size());
  int64_t rows = product(xs, 0, size_t(axis));
  int64_t len = product(xs, size_t(axis), xs.size());
  if (rows == 0 || len == 0)
    return true;
  KernelParams p;
  bool stats = n.numResults() == 3;
  p.i("len", len).i("has_bias", bias != nullptr).i("has_stats", stats);
  p.f("epsilon", n.getFloat("epsilon"));
  Buffer scale = ctx.buffer(n.operand(1)), yb = ctx.buffer(y);
  std::vector<Buffer> bufs = {ctx.buffer(x),
                              scale,
                              bias ? ctx.buffer(bias) : scale,
                              yb,
                              stats ? ctx.buffer(n.result(1)) : yb,
                              stats ? ctx.buffer(n.result(2)) : yb};
  double flops = double(rows) * double(len) * 8;
  if (len >= kBlockReduceMin) {
    ctx.launch("layer_norm_block", p, Dim3{rows, 1, 1},
               Dim3{reduceThreads(len), 1, 1}, bufs, flops, "block per row");
    return true;
  }
  ctx.launchFlat("layer_norm_thread", p, rows, bufs, flops);
  return true;
}

bool lowerSoftmax(const Node &n, LowerCtx &ctx) {
  return lowerSoftmaxOf(n, ctx, false);
}

bool lowerLogSoftmax(const Node &n, LowerCtx &ctx) {
  return lowerSoftmaxOf(n, ctx, true);
}

bool lowerGlobalAvgPool(const Node &n, LowerCtx &ctx) {
  return lowerGlobalPool(n, ctx, false);
}

bool lowerGlobalMaxPool(const Node &n, LowerCtx &ctx) {
  return lowerGlobalPool(n, ctx, true);
}

} // namespace cnnc::cuda
