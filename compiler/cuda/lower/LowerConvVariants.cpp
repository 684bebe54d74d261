//===- LowerConvVariants.cpp - Unshared, tiled and deformable convs -------===//
//
// locally_connected and tiled_conv lower to unshared_conv (the weights of
// output (oh, ow) are w[oh % TH][ow % TW], TH x TW the output size for
// locally_connected, whose bias is per output pixel); deform_conv to
// deform_conv. One thread per output (compiler/cuda/kernels/
// conv_variants.cuh), weights as laid out in the graph, so constant and
// computed weights read alike.
//
//===----------------------------------------------------------------------===//
#include "compiler/LowerCommon.h"
#include "compiler/cuda/lower/LowerConv.h"


namespace cnnc::cuda {

namespace {

/// Members of the 2D geometry (the last two axes of a three-axis one).
KernelParams geom2dParams(const ConvGeometry &g) {
  KernelParams p;
  p.i("in1", g.in[1]).i("in2", g.in[2]).i("out1", g.out[1]).i("out2", g.out[2]);
  p.i("k1", g.kernel[1]).i("k2", g.kernel[2]).i("s1", g.stride[1]);
  p.i("s2", g.stride[2]).i("d1", g.dilation[1]).i("d2", g.dilation[2]);
  return p.i("p1", g.padBegin[1]).i("p2", g.padBegin[2]);
}

bool lowerUnshared(const Node &n, LowerCtx &ctx, bool tiled) {
  const Value *x = n.operand(0), *w = n.operand(1), *b = n.operand("b");
  const Value *y = n.result();
  int64_t count = numElements(y->type().shape);
  if (count == 0)
    return true;
  const Shape &xs = x->type().shape, &ws = w->type().shape;
  std::vector<WindowAxis> axes = convVariantWindow(n);
  ConvGeometry g = convGeometry(axes);
  KernelParams p = geom2dParams(g);
  p.i("C", xs[1]).i("M", ws[2]).i("th", ws[0]).i("tw", ws[1]);
  p.i("has_bias", b != nullptr).i("bias_pp", !tiled);
  double flops = 2.0 * double(count) * double(xs[1]) * double(g.kSize);
  ctx.launchFlat(
      "unshared_conv", p, count,
      {ctx.buffer(x), ctx.buffer(w), bufferOr(ctx, b, x), ctx.buffer(y)},
      flops);
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
  int64_t count = numElements(y->type().shape);
  if (count == 0)
    return true;
  const Shape &xs = x->type().shape, &ws = w->type().shape;
  std::vector<WindowAxis> axes = convVariantWindow(n);
  ConvGeometry g = convGeometry(axes);
  int64_t groups = n.getInt("groups");
  KernelParams p = geom2dParams(g);
  p.i("C", xs[1]).i("M", ws[0]).i("cg", ws[1]).i("mg", ws[0] / groups);
  p.i("og", n.getInt("offset_groups")).i("has_bias", b != nullptr);
  double flops = 2.0 * double(count) * double(ws[1]) * double(g.kSize);
  ctx.launchFlat("deform_conv", p, count,
                 {ctx.buffer(x), ctx.buffer(off), ctx.buffer(w),
                  bufferOr(ctx, b, x), ctx.buffer(y)},
                 flops);
  return true;
}

} // namespace cnnc::cuda
