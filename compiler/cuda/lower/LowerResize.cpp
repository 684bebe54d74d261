//===- LowerResize.cpp - CUDA resize ------------------------------------===//
//
// The source coordinates of every output coordinate are computed here, in
// double and with the interpreter's formulas (ir/ops/ResizeOps.cpp: the
// coordinate transformation, nearest_mode rounding, clamping, the linear
// weight), into a table of (lo, hi, w) triples per spatial axis placed in
// the weights; the `resize` template (compiler/cuda/kernels/resize.cuh)
// reads it, so GPU and interpreter read the same input elements. The 1-3
// spatial axes are right-aligned on three (a missing axis: one coordinate,
// (0, 0, 0)).
//
//===----------------------------------------------------------------------===//
#include "compiler/cuda/lower/LowerMisc.h"

#include <algorithm>
#include <cmath>

namespace cnnc::cuda {

namespace {

/// Indices the table holds as floats stay exact below 2^24.
constexpr int64_t kMaxTableIndex = int64_t(1) << 24;

/// One resized axis: sizes, and the given scale unless sizes were given.
struct Axis {
  int64_t in = 1, out = 1;
  double scale = 1;
  bool fromSizes = true;

  double toInput(double x) const {
    return fromSizes ? x * double(in) / double(out) : x / scale;
  }
};

double sourceCoord(const Axis &a, int64_t x, std::string_view mode) {
  if (mode == "align_corners")
    return a.out == 1 ? 0.0 : double(x) * double(a.in - 1) / double(a.out - 1);
  if (mode == "asymmetric")
    return a.toInput(double(x));
  if (mode == "pytorch_half_pixel" && a.out == 1)
    return 0.0;
  return a.toInput(double(x) + 0.5) - 0.5;
}

double roundNearest(double c, std::string_view mode) {
  if (mode == "floor")
    return std::floor(c);
  if (mode == "ceil")
    return std::ceil(c);
  if (mode == "round_prefer_ceil")
    return std::floor(c + 0.5);
  return std::ceil(c - 0.5); // round_prefer_floor
}

/// Appends the (lo, hi, w) triple of every output coordinate of `a`; w is
/// 0 where only lo is read.
void appendTaps(const Node &n, const Axis &a, std::vector<float> &table) {
  std::string_view coordMode = n.getEnum("coordinate_transformation_mode");
  std::string_view nearestMode = n.getEnum("nearest_mode");
  bool linear = n.getEnum("mode") == "linear";
  double last = double(a.in - 1);
  for (int64_t o = 0; o < a.out; ++o) {
    double c = sourceCoord(a, o, coordMode);
    int64_t lo, hi;
    double w = 0;
    if (!linear) {
      lo = hi = int64_t(std::clamp(roundNearest(c, nearestMode), 0.0, last));
    } else {
      c = std::clamp(c, 0.0, last);
      lo = int64_t(std::floor(c));
      hi = std::min(lo + 1, a.in - 1);
      w = hi == lo ? 0.0 : c - double(lo);
    }
    table.push_back(float(lo));
    table.push_back(float(hi));
    table.push_back(float(w));
  }
}

} // namespace

bool lowerResize(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0), *y = n.result();
  const Shape &xs = x->type().shape, &ys = y->type().shape;
  const std::vector<double> &scales = n.getFloats("scales");
  size_t spatial = xs.size() - 2;
  if (xs.size() < 3 || spatial > 3) {
    ctx.diag().error(n.loc(),
                     "resize: the cuda backend resizes 1 to 3 spatial axes, "
                     "found x {}",
                     x->type().str());
    return false;
  }
  int64_t count = numElements(ys);
  if (count == 0)
    return true;
  size_t lead = 3 - spatial;
  std::vector<Axis> axes(3);
  for (size_t i = lead; i < 3; ++i) {
    size_t axis = i - lead + 2;
    Axis &a = axes[i];
    a.in = xs[axis];
    a.out = ys[axis];
    a.fromSizes = scales.empty();
    if (!scales.empty())
      a.scale = scales[axis - 2];
    if (a.in > kMaxTableIndex) {
      ctx.diag().error(n.loc(),
                       "resize: the cuda backend resizes axes of at most "
                       "2^24 elements, found {} on axis {}",
                       a.in, axis);
      return false;
    }
  }
  std::vector<float> table;
  std::vector<int64_t> offsets, in, out;
  for (const Axis &a : axes) {
    offsets.push_back(int64_t(table.size()));
    in.push_back(a.in);
    out.push_back(a.out);
    appendTaps(n, a, table);
  }
  bool linear = n.getEnum("mode") == "linear";
  KernelParams p;
  p.i("linear", linear).ints("in", in).ints("out", out).ints("toff", offsets);
  ctx.launchFlat("resize", p, count,
                 {ctx.buffer(x), ctx.buffer(y), ctx.addWeights(table)},
                 double(count) * (linear ? 8 : 1));
  return true;
}

} // namespace cnnc::cuda
