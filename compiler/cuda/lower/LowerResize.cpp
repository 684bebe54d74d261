//===- LowerResize.cpp - CUDA resize ------------------------------------===//
//
// The source coordinates of every output coordinate are computed here by
// the interpreter's own function (resizeAxisTaps, ir/ops/Resolve.h: the
// coordinate transformation, nearest_mode rounding, clamping, the linear
// weight, in double), into a table of (lo, hi, w) triples per spatial axis
// placed in the weights; the `resize` template (kernels/resize.cuh) reads
// it, so GPU and interpreter read the same input elements. The 1-3 spatial
// axes are right-aligned on three (a missing axis: one coordinate, the tap
// (0, 0, 0)). Cubic, antialiased linear and tf_crop_and_resize take the
// interpreter's general filters (resizeAxisFilter) as (index, weight)
// pairs, read by `resize_table`.
//
//===----------------------------------------------------------------------===//
#include "compiler/cuda/lower/LowerMisc.h"
#include "ir/ops/Resolve.h"

namespace cnnc::cuda {

namespace {

/// Indices the table holds as floats stay exact below 2^24.
constexpr int64_t kMaxTableIndex = int64_t(1) << 24;

/// Appends the (lo, hi, w) triple of every output coordinate of `a`, the
/// interpreter's taps (resizeAxisTaps); w is 0 where only lo is read.
void appendTaps(const Node &n, const ResizeAxis &a, std::vector<float> &table) {
  for (const ResizeTaps &t : resizeAxisTaps(n, a)) {
    table.push_back(float(t.lo));
    table.push_back(float(t.hi));
    table.push_back(float(t.w));
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
  // A missing leading axis: one coordinate, the tap (0, 0, 0).
  std::vector<ResizeAxis> axes(3, ResizeAxis{1, 1, 1, true});
  for (size_t i = lead; i < 3; ++i) {
    size_t axis = i - lead + 2;
    ResizeAxis &a = axes[i];
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
  if (resizeNeedsFilter(n)) {
    // The general filters: (index, weight) pairs, an index of -1 first for
    // a coordinate outside the input (extrapolation_value).
    std::vector<int64_t> taps;
    for (size_t i = 0; i < 3; ++i) {
      offsets.push_back(int64_t(table.size()));
      in.push_back(axes[i].in);
      out.push_back(axes[i].out);
      if (i < lead) {
        taps.push_back(1);
        table.insert(table.end(), {0.0f, 1.0f});
        continue;
      }
      ResizeFilter f = resizeAxisFilter(n, axes[i], i - lead);
      taps.push_back(f.taps);
      for (int64_t o = 0; o < axes[i].out; ++o)
        for (int64_t j = 0; j < f.taps; ++j) {
          size_t k = size_t(o * f.taps + j);
          table.push_back(f.outside[size_t(o)] && j == 0 ? -1.0f
                                                         : float(f.index[k]));
          table.push_back(float(f.weight[k]));
        }
    }
    KernelParams p;
    p.ints("in", in).ints("out", out).ints("taps", taps).ints("toff", offsets);
    p.f("extrapolation", n.getFloat("extrapolation_value"));
    ctx.launchFlat("resize_table", p, count,
                   {ctx.buffer(x), ctx.buffer(y), ctx.addWeights(table)},
                   double(count) * double(2 * taps[0] * taps[1] * taps[2]));
    return true;
  }
  for (const ResizeAxis &a : axes) {
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
