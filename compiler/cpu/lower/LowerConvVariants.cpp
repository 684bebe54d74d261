//===- LowerConvVariants.cpp - Unshared, tiled and deformable convs -------===//
//
// locally_connected and tiled_conv lower to unshared_conv (one kernel: the
// weights of output (oh, ow) are w[oh % TH][ow % TW], TH x TW the output
// size for locally_connected); deform_conv to deform_conv. Plain-loop
// kernels, weights used as laid out in the graph.
//
//===----------------------------------------------------------------------===//
#include "compiler/LowerCommon.h"
#include "compiler/cpu/lower/LowerConv.h"

namespace cnnc::cpu {

namespace {

bool lowerUnshared(const Node &n, LowerCtx &ctx, bool tiled) {
  const Value *x = n.operand(0), *w = n.operand(1), *b = n.operand("b");
  const Value *y = n.result();
  if (numElementsOf(y) == 0)
    return true;
  const Shape &xs = x->type().shape, &ws = w->type().shape;
  std::vector<WindowAxis> axes = convVariantWindow(n);
  cnnk::UnsharedConvParams p{};
  p.geom = convGeom(axes);
  p.batch = xs[0];
  p.channels = xs[1];
  p.outChannels = ws[2];
  p.tileH = ws[0];
  p.tileW = ws[1];
  p.hasBias = b != nullptr;
  p.biasPerPixel = !tiled;
  double flops = 2.0 * double(p.batch) * double(p.outChannels) *
                 double(p.geom.outSize) * double(p.channels) *
                 double(p.geom.kSize);
  ctx.call<KernelId::UnsharedConv>(
      p, {ctx.buffer(x), ctx.buffer(w), bufferOr(ctx, b, x), ctx.buffer(y)},
      p.batch * p.outChannels, flops);
  return true;
}

} // namespace

bool lowerLocallyConnected(const Node &n, LowerCtx &ctx) {
  return lowerUnshared(n, ctx, false);
}

bool lowerTiledConv(const Node &n, LowerCtx &ctx) {
  return lowerUnshared(n, ctx, true);
}

bool lowerDeformConv(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0), *off = n.operand(1), *w = n.operand(2);
  const Value *b = n.operand("b"), *y = n.result();
  if (numElementsOf(y) == 0)
    return true;
  const Shape &xs = x->type().shape, &ws = w->type().shape;
  std::vector<WindowAxis> axes = convVariantWindow(n);
  cnnk::DeformConvParams p{};
  p.geom = convGeom(axes);
  // The kernel keeps the samples of at least one channel on its stack.
  constexpr int64_t kMaxTaps = cnnk::kDeformSamples;
  if (p.geom.kSize > kMaxTaps) {
    ctx.diag().error(n.loc(),
                     "deform_conv on the CPU supports kernels of at most {} "
                     "taps, found {}x{}",
                     kMaxTaps, ws[2], ws[3]);
    return false;
  }
  p.batch = xs[0];
  p.channels = xs[1];
  p.outChannels = ws[0];
  p.groups = n.getInt("groups");
  p.offsetGroups = n.getInt("offset_groups");
  p.hasBias = b != nullptr;
  double flops = 2.0 * double(p.batch) * double(p.outChannels) *
                 double(p.geom.outSize) * double(ws[1]) * double(p.geom.kSize);
  ctx.call<KernelId::DeformConv>(p,
                                 {ctx.buffer(x), ctx.buffer(off), ctx.buffer(w),
                                  bufferOr(ctx, b, x), ctx.buffer(y)},
                                 p.batch * p.geom.out[1], flops);
  return true;
}

} // namespace cnnc::cpu
