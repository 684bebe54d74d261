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
//   tf_crop_and_resize  roi_start * (in - 1) + x * (roi_end - roi_start) *
//                       (in - 1) / (out - 1); outside [0, in - 1] the
//                       output is extrapolation_value
//
// mode=nearest rounds that coordinate by nearest_mode and clamps it to
// [0, in-1]; mode=linear clamps it to [0, in-1] and interpolates between its
// two neighbours on each axis (bilinear, trilinear). mode=cubic and
// antialiased linear weigh the taps around it as ONNX's reference does
// (resizeAxisFilter): Keys' kernel (cubic_coeff_a) or the triangle,
// stretched by 1/scale when antialiasing a downscale, edge-clamped or,
// with exclude_outside, renormalised over the taps inside. With `scales` the
// output size is floor(in * scale); with both `scales` and `sizes` (ONNX's
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

/// Keys' cubic convolution kernel with parameter A at distance x.
double cubicKernel(double x, double A) {
  x = std::fabs(x);
  if (x <= 1)
    return ((A + 2) * x - (A + 3)) * x * x + 1;
  if (x < 2)
    return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return 0;
}

/// tf_crop_and_resize's input coordinate of output x on spatial axis `i`.
double cropCoord(const Node &node, const ResizeAxis &a, size_t i, int64_t x) {
  const std::vector<double> &roi = node.getFloats("roi");
  size_t spatial = roi.size() / 2;
  double start = roi[i], end = roi[spatial + i], span = double(a.in - 1);
  if (a.out == 1)
    return (end - start) * span / 2 + start * span;
  return double(x) * (end - start) * span / double(a.out - 1) + start * span;
}

} // namespace

bool resizeNeedsFilter(const Node &node) {
  std::string_view mode = node.getEnum("mode");
  return mode == "cubic" || (mode == "linear" && node.getInt("antialias")) ||
         node.getEnum("coordinate_transformation_mode") == "tf_crop_and_resize";
}

ResizeFilter resizeAxisFilter(const Node &node, const ResizeAxis &a,
                              size_t spatial) {
  ResizeFilter f;
  f.outside.assign(size_t(a.out), 0);
  std::string_view mode = node.getEnum("mode");
  std::string_view coordMode = node.getEnum("coordinate_transformation_mode");
  bool crop = coordMode == "tf_crop_and_resize";
  bool wide = mode == "cubic" || (mode == "linear" && node.getInt("antialias"));
  if (!wide && !crop) {
    // Nearest and linear: the two-tap form.
    f.taps = mode == "linear" ? 2 : 1;
    for (const ResizeTaps &t : resizeAxisTaps(node, a)) {
      f.index.push_back(t.lo);
      f.weight.push_back(mode == "linear" ? 1 - t.w : 1.0);
      if (f.taps == 2) {
        f.index.push_back(t.hi);
        f.weight.push_back(t.w);
      }
    }
    return f;
  }
  // ONNX's reference (onnx/reference/ops/op_resize.py): the taps of a wide
  // filter are left + j for j in [first, first + taps), left = ceil(c) - 1
  // (so that the fraction r = c - left is in (0, 1]), indices outside the
  // input clamped to its edge or, with exclude_outside, dropped.
  double scale = a.fromSizes ? double(a.out) / double(a.in) : a.scale;
  double support = node.getInt("antialias") ? std::min(scale, 1.0) : 1.0;
  bool cubic = mode == "cubic";
  double A = node.getFloat("cubic_coeff_a");
  bool exclude = node.getInt("exclude_outside") != 0;
  int64_t first = 0;
  if (cubic)
    first = int64_t(std::floor(-2 / support)) + 1;
  else if (mode == "linear")
    first = int64_t(std::floor(-1 / support)) + 1;
  f.taps = mode == "nearest" ? 1 : 2 - 2 * first;
  std::string_view nearestMode = node.getEnum("nearest_mode");
  double last = double(a.in - 1);
  for (int64_t o = 0; o < a.out; ++o) {
    double c = crop ? cropCoord(node, a, spatial, o)
                    : (coordMode == "pytorch_half_pixel" && a.out == 1
                           ? -0.5
                           : sourceCoord(a, o, coordMode));
    if (crop && (c < 0 || c > last)) {
      f.outside[size_t(o)] = 1;
      for (int64_t j = 0; j < f.taps; ++j) {
        f.index.push_back(0);
        f.weight.push_back(0);
      }
      continue;
    }
    if (mode == "nearest") {
      f.index.push_back(
          int64_t(std::clamp(roundNearest(c, nearestMode), 0.0, last)));
      f.weight.push_back(1);
      continue;
    }
    if (!wide) { // linear, cropped
      c = std::clamp(c, 0.0, last);
      int64_t lo = int64_t(std::floor(c));
      f.index.push_back(lo);
      f.weight.push_back(1 - (c - double(lo)));
      f.index.push_back(std::min(lo + 1, a.in - 1));
      f.weight.push_back(c - double(lo));
      continue;
    }
    double left = std::ceil(c) - 1, r = c - left;
    std::vector<double> w;
    double sum = 0;
    for (int64_t j = first; j < first + f.taps; ++j) {
      double d = support * (double(j) - r);
      double v = cubic ? cubicKernel(d, A) : std::max(0.0, 1 - std::fabs(d));
      int64_t i = int64_t(left) + j;
      if (exclude && (i < 0 || i >= a.in))
        v = 0;
      w.push_back(v);
      sum += v;
    }
    for (int64_t j = 0; j < f.taps; ++j) {
      int64_t i = int64_t(left) + first + j;
      f.index.push_back(std::clamp<int64_t>(i, 0, a.in - 1));
      f.weight.push_back(sum != 0 ? w[size_t(j)] / sum : 0);
    }
  }
  return f;
}

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
  const Node &n = ctx.node();
  for (const char *flag : {"exclude_outside", "antialias"})
    if (n.getInt(flag) != 0 && n.getInt(flag) != 1)
      return ctx.error("resize expects '{}' to be 0 or 1, found {}", flag,
                       n.getInt(flag));
  size_t roi = n.getFloats("roi").size();
  if (n.getEnum("coordinate_transformation_mode") == "tf_crop_and_resize" &&
      roi != 2 * axes.size())
    return ctx.error("resize with tf_crop_and_resize expects 'roi' of {} "
                     "values (starts and ends of the {} spatial axes), found "
                     "{}",
                     2 * axes.size(), axes.size(), roi);
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
  std::vector<ResizeFilter> filters;
  for (size_t d = 0; d < axes.size(); ++d)
    filters.push_back(resizeAxisFilter(ctx.node, axes[d], d));
  float extrapolation = float(ctx.node.getFloat("extrapolation_value"));
  size_t spatial = axes.size();
  for (int64_t o = 0; o < y.size(); ++o) {
    std::vector<int64_t> idx = unravelIndex(o, y.shape);
    bool outside = false;
    for (size_t d = 0; d < spatial; ++d)
      outside = outside || filters[d].outside[size_t(idx[d + 2])];
    if (outside) {
      y.data[size_t(o)] = extrapolation;
      continue;
    }
    // Every combination of the axes' taps, the first axis fastest; taps of
    // weight 0 are not read (a NaN there does not spread).
    std::vector<int64_t> src = idx, j(spatial, 0);
    double acc = 0;
    while (true) {
      double weight = 1;
      for (size_t d = 0; d < spatial; ++d) {
        const ResizeFilter &f = filters[d];
        size_t k = size_t(idx[d + 2] * f.taps + j[d]);
        weight *= f.weight[k];
        src[d + 2] = f.index[k];
      }
      if (weight != 0)
        acc += weight * double(x.data[size_t(ravelIndex(src, x.shape))]);
      size_t d = 0;
      while (d < spatial && ++j[d] == filters[d].taps)
        j[d++] = 0;
      if (d == spatial)
        break;
    }
    y.data[size_t(o)] = float(acc);
  }
}

} // namespace cnnc
