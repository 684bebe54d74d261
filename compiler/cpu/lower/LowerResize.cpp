//===- LowerResize.cpp - resize -------------------------------------------===//
//
// The resize kernel recomputes the interpreter's source coordinates from
// the modes, the sizes and the given scales (ir/ops/ResizeOps.cpp); here
// the 1-3 spatial axes are padded to three and the output rows are split
// into tasks.
//
//===----------------------------------------------------------------------===//
#include "compiler/LowerCommon.h"
#include "compiler/cpu/lower/LowerMisc.h"

namespace cnnc::cpu {

namespace {

int64_t coordMode(const std::string &m) {
  if (m == "asymmetric")
    return cnnk::kCoordAsymmetric;
  if (m == "align_corners")
    return cnnk::kCoordAlignCorners;
  if (m == "pytorch_half_pixel")
    return cnnk::kCoordPytorchHalfPixel;
  if (m == "half_pixel_symmetric")
    return cnnk::kCoordHalfPixelSymmetric;
  return cnnk::kCoordHalfPixel;
}

int64_t nearestMode(const std::string &m) {
  if (m == "round_prefer_ceil")
    return cnnk::kRoundPreferCeil;
  if (m == "floor")
    return cnnk::kRoundFloor;
  if (m == "ceil")
    return cnnk::kRoundCeil;
  return cnnk::kRoundPreferFloor;
}

/// Cubic, antialiased linear and tf_crop_and_resize: the resize_table
/// kernel over the interpreter's filters (resizeAxisFilter), as (index,
/// weight) float pairs per output coordinate in the weights.
bool lowerResizeTable(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0), *y = n.result();
  const Shape &xs = x->type().shape;
  for (size_t axis = 2; axis < xs.size(); ++axis)
    if (xs[axis] >= (int64_t(1) << 24)) {
      ctx.diag().error(n.loc(),
                       "resize: filtered resizes of axes of 2^24 or more "
                       "elements are not supported, found {} on axis {}",
                       xs[axis], axis);
      return false;
    }
  std::vector<ResizeAxis> axes = resizeAxes3(n);
  ResizeTable table = resizeTable(n, axes);
  cnnk::ResizeTableParams p = {};
  for (size_t i = 0; i < 3; ++i) {
    p.in[i] = axes[i].in;
    p.out[i] = axes[i].out;
    p.taps[i] = table.taps[i];
    p.off[i] = table.offsets[i];
  }
  p.extrapolation = n.getFloat("extrapolation_value");
  p.planes = xs[0] * xs[1];
  p.rows = p.planes * p.out[0] * p.out[1];
  int64_t count = numElementsOf(y);
  if (count == 0)
    return true;
  int64_t taps = p.taps[0] * p.taps[1] * p.taps[2];
  p.block = unitsPerTask(p.rows, p.out[2] * taps * 2);
  ctx.call<KernelId::ResizeTable>(
      p, {ctx.buffer(x), ctx.addWeights(table.data), ctx.buffer(y)},
      ceilDiv(p.rows, p.block), double(count) * double(2 * taps));
  return true;
}

} // namespace

bool lowerResize(const Node &n, LowerCtx &ctx) {
  if (resizeNeedsFilter(n))
    return lowerResizeTable(n, ctx);
  const Value *x = n.operand(0), *y = n.result();
  const Shape &xs = x->type().shape;
  cnnk::ResizeParams p = {};
  p.linear = n.getEnum("mode") == "linear";
  p.coordMode = coordMode(n.getEnum("coordinate_transformation_mode"));
  p.nearestMode = nearestMode(n.getEnum("nearest_mode"));
  std::vector<ResizeAxis> axes = resizeAxes3(n);
  for (size_t i = 0; i < 3; ++i) {
    p.in[i] = axes[i].in;
    p.out[i] = axes[i].out;
    p.fromSizes[i] = axes[i].fromSizes;
    p.scale[i] = axes[i].scale;
  }
  p.planes = xs[0] * xs[1];
  p.rows = p.planes * p.out[0] * p.out[1];
  int64_t count = numElementsOf(y);
  if (count == 0)
    return true;
  p.block = unitsPerTask(p.rows, p.out[2] * (p.linear ? 8 : 2));
  ctx.call<KernelId::Resize>(p, {ctx.buffer(x), ctx.buffer(y)},
                             ceilDiv(p.rows, p.block),
                             double(count) * (p.linear ? 8 : 1));
  return true;
}

} // namespace cnnc::cpu
