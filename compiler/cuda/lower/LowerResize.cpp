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
#include "compiler/LowerCommon.h"
#include "compiler/cuda/lower/LowerMisc.h"

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
  // A missing leading axis: one coordinate, the tap (0, 0, 0).
  std::vector<ResizeAxis> axes = resizeAxes3(n);
  for (size_t axis = 2; axis < xs.size(); ++axis)
    if (xs[axis] > kMaxTableIndex) {
      ctx.diag().error(n.loc(),
                       "resize: the cuda backend resizes axes of at most "
                       "2^24 elements, found {} on axis {}",
                       xs[axis], axis);
      return false;
    }
  std::vector<int64_t> offsets, in, out;
  for (const ResizeAxis &a : axes) {
    in.push_back(a.in);
    out.push_back(a.out);
  }
  if (resizeNeedsFilter(n)) {
    ResizeTable table = resizeTable(n, axes);
    const std::vector<int64_t> &taps = table.taps;
    KernelParams p;
    p.ints("in", in).ints("out", out).ints("taps", taps);
    p.ints("toff", table.offsets);
    p.f("extrapolation", n.getFloat("extrapolation_value"));
    ctx.launchFlat("resize_table", p, count,
                   {ctx.buffer(x), ctx.buffer(y), ctx.addWeights(table.data)},
                   double(count) * double(2 * taps[0] * taps[1] * taps[2]));
    return true;
  }
  std::vector<float> table;
  for (const ResizeAxis &a : axes) {
    offsets.push_back(int64_t(table.size()));
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
