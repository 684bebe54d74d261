//===- ResizeOps.cpp - Spatial resize -------------------------------------===//
//
// Shape function and reference kernel of resize, with ONNX Resize semantics
// on the spatial axes of x [N,C,*S]. Each output coordinate x maps to an
// input coordinate by coordinate_transformation_mode, with scale = out/in
// when `sizes` is given, else the given scale:
//
//   half_pixel          (x + 0.5) / scale - 0.5
//   pytorch_half_pixel  as half_pixel, but 0 when out == 1
//   asymmetric          x / scale
//   align_corners       x * (in - 1) / (out - 1), 0 when out == 1
//   half_pixel_symmetric  as half_pixel, shifted by in/2 * (1 - out /
//                       (in * scale)) so that the centres of input and
//                       output agree when in * scale is not whole
//
// mode=nearest rounds that coordinate by nearest_mode and clamps it to
// [0, in-1]; mode=linear clamps it to [0, in-1] and interpolates between its
// two neighbours on each axis (bilinear, trilinear). With `scales` the output
// size is floor(in * scale); with both `scales` and `sizes` (ONNX's
// keep_aspect_ratio_policy), it is `sizes` and the coordinates use `scales`.
//
// PyTorch: F.interpolate(mode='nearest') is {asymmetric, floor};
// bilinear/trilinear with align_corners=False is half_pixel at every size
// (pytorch_half_pixel agrees except where out == 1, where PyTorch 1.13 still
// samples the centre); align_corners=True is align_corners.
//
//===----------------------------------------------------------------------===//
#include "ir/Interpreter.h"
#include "ir/ShapeInference.h"
#include "ir/ops/Indexing.h"
#include "ir/ops/Resolve.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace cnnc {

namespace {

/// Resolves axis `axis` of x from the `scales` or `sizes` entry of that
/// spatial axis. On a bad value returns false and sets `error`.
bool resolveAxis(const Shape &x, size_t axis, const std::vector<double> &scales,
                 const std::vector<int64_t> &sizes, ResizeAxis &a,
                 std::string &error) {
  size_t i = axis - 2;
  a.in = x[axis];
  a.fromSizes = scales.empty();
  if (a.in < 1) {
    error = fmt::format("resize expects non-empty spatial axes, found axis {} "
                        "of x {} empty",
                        axis, shapeStr(x));
    return false;
  }
  if (!sizes.empty())
    a.out = sizes[i];
  if (!scales.empty()) {
    a.scale = scales[i];
    if (!(a.scale > 0) || std::isinf(a.scale)) {
      error = fmt::format("resize expects positive finite 'scales', found {}",
                          a.scale);
      return false;
    }
    double out = std::floor(double(a.in) * a.scale);
    if (out > double(kMaxElements)) {
      error = fmt::format("resize 'scales' entry {} gives more than 2^40 "
                          "elements on axis {}",
                          a.scale, axis);
      return false;
    }
    if (sizes.empty())
      a.out = int64_t(out);
  }
  if (a.out < 1 || a.out > kMaxElements) {
    error = fmt::format("resize expects an output size in [1, 2^40] on axis "
                        "{}, found {}",
                        axis, a.out);
    return false;
  }
  return true;
}

/// Resolves the spatial axes of a resize of x. On a bad attribute returns
/// false and sets `error`.
bool resolveResize(const Node &node, const Shape &x,
                   std::vector<ResizeAxis> &axes, std::string &error) {
  if (x.size() < 3) {
    error = fmt::format("resize expects x of rank at least 3 ([N,C,*S]), "
                        "found {}",
                        shapeStr(x));
    return false;
  }
  const std::vector<double> &scales = node.getFloats("scales");
  const std::vector<int64_t> &sizes = node.getInts("sizes");
  size_t spatial = x.size() - 2;
  if (scales.empty() && sizes.empty()) {
    error = "resize expects 'scales' or 'sizes'";
    return false;
  }
  for (const auto &[name, count] :
       {std::pair<const char *, size_t>{"scales", scales.size()},
        {"sizes", sizes.size()}})
    if (count != 0 && count != spatial) {
      error = fmt::format("resize expects one '{}' entry per spatial axis of "
                          "x {} ({}), found {}",
                          name, shapeStr(x), spatial, count);
      return false;
    }
  axes.clear();
  for (size_t i = 0; i < spatial; ++i) {
    ResizeAxis a;
    if (!resolveAxis(x, i + 2, scales, sizes, a, error))
      return false;
    axes.push_back(a);
  }
  return true;
}

/// The input coordinate read by output coordinate `x` of `a`.
double sourceCoord(const ResizeAxis &a, int64_t x, std::string_view mode) {
  if (mode == "align_corners")
    return a.out == 1 ? 0.0 : double(x) * double(a.in - 1) / double(a.out - 1);
  if (mode == "asymmetric")
    return a.toInput(double(x));
  if (mode == "pytorch_half_pixel" && a.out == 1)
    return 0.0;
  if (mode == "half_pixel_symmetric") {
    double scale = a.fromSizes ? double(a.out) / double(a.in) : a.scale;
    double offset =
        double(a.in) / 2 * (1 - double(a.out) / (scale * double(a.in)));
    return offset + a.toInput(double(x) + 0.5) - 0.5;
  }
  return a.toInput(double(x) + 0.5) - 0.5;
}

/// Rounds a coordinate by ONNX's nearest_mode.
double roundNearest(double c, std::string_view mode) {
  if (mode == "floor")
    return std::floor(c);
  if (mode == "ceil")
    return std::ceil(c);
  if (mode == "round_prefer_ceil")
    return std::floor(c + 0.5);
  return std::ceil(c - 0.5); // round_prefer_floor
}

} // namespace

std::vector<ResizeTaps> resizeAxisTaps(const Node &node, const ResizeAxis &a) {
  std::string_view coordMode = node.getEnum("coordinate_transformation_mode");
  bool linear = node.getEnum("mode") == "linear";
  std::string_view nearestMode = node.getEnum("nearest_mode");
  double last = double(a.in - 1);
  std::vector<ResizeTaps> taps;
  for (int64_t o = 0; o < a.out; ++o) {
    double c = sourceCoord(a, o, coordMode);
    if (!linear) {
      int64_t i = int64_t(std::clamp(roundNearest(c, nearestMode), 0.0, last));
      taps.push_back({i, i, 0.0});
      continue;
    }
    c = std::clamp(c, 0.0, last);
    int64_t lo = int64_t(std::floor(c));
    taps.push_back({lo, std::min(lo + 1, a.in - 1), c - double(lo)});
  }
  return taps;
}

bool inferResize(ShapeCtx &ctx) {
  std::vector<ResizeAxis> axes;
  std::string error;
  if (!resolveResize(ctx.node(), ctx.in(0), axes, error))
    return ctx.error("{}", error);
  Shape out(ctx.in(0).begin(), ctx.in(0).begin() + 2);
  for (const ResizeAxis &a : axes)
    out.push_back(a.out);
  ctx.setOut(out);
  return true;
}

void interpretResize(const KernelCtx &ctx) {
  const Tensor &x = ctx.in(0);
  Tensor &y = ctx.out();
  std::vector<ResizeAxis> axes;
  std::string error;
  [[maybe_unused]] bool ok = resolveResize(ctx.node, x.shape, axes, error);
  assert(ok && "resize not checked by shape inference");
  std::vector<std::vector<ResizeTaps>> taps;
  for (const ResizeAxis &a : axes)
    taps.push_back(resizeAxisTaps(ctx.node, a));
  size_t spatial = axes.size();
  for (int64_t o = 0; o < y.size(); ++o) {
    std::vector<int64_t> idx = unravelIndex(o, y.shape);
    // Start at the all-lo corner; the axes whose hi tap has weight are
    // interpolated over every corner of the cell (bit k picks hi on the
    // k-th of them). Nearest taps have no weight on hi.
    std::vector<int64_t> src = idx;
    std::vector<size_t> active;
    for (size_t d = 0; d < spatial; ++d) {
      const ResizeTaps &t = taps[d][size_t(idx[d + 2])];
      src[d + 2] = t.lo;
      if (t.w != 0 && t.hi != t.lo)
        active.push_back(d);
    }
    double acc = 0;
    for (uint64_t corner = 0; corner < (uint64_t(1) << active.size());
         ++corner) {
      double weight = 1;
      for (size_t k = 0; k < active.size(); ++k) {
        size_t d = active[k];
        const ResizeTaps &t = taps[d][size_t(idx[d + 2])];
        bool hi = (corner >> k) & 1;
        weight *= hi ? t.w : 1.0 - t.w;
        src[d + 2] = hi ? t.hi : t.lo;
      }
      acc += weight * double(x.data[size_t(ravelIndex(src, x.shape))]);
    }
    y.data[size_t(o)] = float(acc);
  }
}

} // namespace cnnc
