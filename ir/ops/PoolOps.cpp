//===- PoolOps.cpp - Max, average and global pooling ----------------------===//
//
// Shape functions and reference kernels of the pools over x [N,C,*S] (1, 2
// or 3 spatial axes), with PyTorch semantics. The stride defaults to the
// kernel.
//
//   max_pool         the maximum of the window's taps inside the input
//                    (padding never wins; a NaN wins, as in PyTorch).
//   avg_pool         the sum of the window's taps inside the input over a
//                    divisor: with count_include_pad=1 the number of window
//                    taps inside [-pad_begin, n + pad_end) (a ceil_mode
//                    window running past the end padding is clipped), with
//                    0 the number inside the input (ONNX's rule, dilated
//                    windows included: AveragePool-19).
//   global_*_pool    [N,C,*S] -> [N,C,1,...,1], over all of S.
//
//===----------------------------------------------------------------------===//
#include "ir/Interpreter.h"
#include "ir/ShapeInference.h"
#include "ir/ops/SlidingWindow.h"

#include <cmath>
#include <limits>

namespace cnnc {

namespace {

/// The maximum of `best` and `v`, where a NaN wins (PyTorch's rule).
float maxWithNaN(float best, float v) {
  return (v > best || std::isnan(v)) ? v : best;
}

/// Checks that integer attribute `name` is 0 or 1.
bool checkFlag(ShapeCtx &ctx, std::string_view name) {
  int64_t v = ctx.node().getInt(name);
  if (v == 0 || v == 1)
    return true;
  return ctx.error("{} expects '{}' to be 0 or 1, found {}", ctx.op(), name, v);
}

/// The first window that reads only padding, as "window of output
/// position O on spatial axis I reads only padding (...)", or "" if none.
std::string paddingOnlyMessage(const std::vector<WindowAxis> &axes) {
  for (size_t i = 0; i < axes.size(); ++i) {
    const WindowAxis &a = axes[i];
    if (std::optional<int64_t> o = paddingOnlyWindow(a))
      return fmt::format(
          "window of output position {} on spatial axis {} reads only "
          "padding (input size {}, pads {}, {}, kernel {}, stride {}{})",
          *o, i, a.in, a.padBegin, a.padEnd, a.kernel, a.stride,
          a.dilation == 1 ? "" : fmt::format(", dilation {}", a.dilation));
  }
  return "";
}

/// Shape function of max_pool and avg_pool; resolves the window.
bool inferPool(ShapeCtx &ctx, std::vector<WindowAxis> &axes) {
  if (!ctx.expectRankIn(0, 3, 5) || !checkFlag(ctx, "ceil_mode"))
    return false;
  const Shape &x = ctx.in(0);
  const std::vector<int64_t> &kernel = ctx.node().getInts("kernel");
  size_t r = x.size() - 2;
  if (kernel.size() != r)
    return ctx.error("{} expects 'kernel' to have {} values for {} spatial "
                     "axes, found {}",
                     ctx.op(), r, r, kernel.size());
  if (!resolveWindowChecked(ctx, spatialDims(x), kernel,
                            poolWindowOptions(ctx.node()), axes))
    return false;
  Shape out = {x[0], x[1]};
  for (const WindowAxis &a : axes)
    out.push_back(a.out);
  ctx.setOut(std::move(out));
  return true;
}

/// The window of a shape-inferred pooling node over x.
std::vector<WindowAxis> poolWindow(const KernelCtx &ctx) {
  return kernelWindow(ctx.node, spatialDims(ctx.in(0).shape),
                      ctx.node.getInts("kernel"), poolWindowOptions(ctx.node));
}

/// The divisor of an avg_pool window at output position `o`.
int64_t avgDivisor(const std::vector<WindowAxis> &axes,
                   const std::vector<int64_t> &o, bool countIncludePad) {
  int64_t divisor = 1;
  for (size_t i = 0; i < axes.size(); ++i) {
    const WindowAxis &a = axes[i];
    int64_t start = o[i] * a.stride - a.padBegin;
    divisor *=
        countIncludePad ? tapsInsidePadded(a, start) : tapsInside(a, start);
  }
  return divisor;
}

/// Shape function of the global pools.
bool inferGlobalPool(ShapeCtx &ctx) {
  const Shape &x = ctx.in(0);
  if (x.size() < 3)
    return ctx.error("{} expects x of rank 3 or more ([N,C,*S]), found {} {}",
                     ctx.op(), x.size(), shapeStr(x));
  for (size_t i = 2; i < x.size(); ++i)
    if (x[i] == 0)
      return ctx.error("{} expects non-empty spatial axes, found x {}",
                       ctx.op(), shapeStr(x));
  Shape out(x.size(), 1);
  out[0] = x[0];
  out[1] = x[1];
  ctx.setOut(std::move(out));
  return true;
}

/// Reference kernel of the global pools.
void interpretGlobalPool(const KernelCtx &ctx, bool isMax) {
  const Tensor &x = ctx.in(0);
  Tensor &y = ctx.out();
  int64_t planes = x.dim(0) * x.dim(1);
  int64_t size = numElements(spatialDims(x.shape));
  for (int64_t p = 0; p < planes; ++p) {
    const float *xp = x.ptr() + p * size;
    if (isMax) {
      float best = -std::numeric_limits<float>::infinity();
      for (int64_t i = 0; i < size; ++i)
        best = maxWithNaN(best, xp[i]);
      y.data[size_t(p)] = best;
      continue;
    }
    double sum = 0;
    for (int64_t i = 0; i < size; ++i)
      sum += double(xp[i]);
    y.data[size_t(p)] = float(sum / double(size));
  }
}

} // namespace

bool inferMaxPool(ShapeCtx &ctx) {
  std::vector<WindowAxis> axes;
  if (!inferPool(ctx, axes))
    return false;
  // PyTorch accepts such a window (only through dilation) and yields -inf.
  std::string padOnly = paddingOnlyMessage(axes);
  if (!padOnly.empty())
    ctx.warning("{} {}; its result is -inf", ctx.op(), padOnly);
  return true;
}

/// Runs a pooling kernel: for every output position o and every (n, c)
/// plane, y = reduce(o, taps, plane's input), where taps are the flat
/// input offsets of o's window (-1 for padding).
template <typename Reduce>
void forEachPoolWindow(const KernelCtx &ctx,
                       const std::vector<WindowAxis> &axes, Reduce reduce) {
  const Tensor &x = ctx.in(0);
  Tensor &y = ctx.out();
  Shape xs = spatialDims(x.shape), ys = windowOutSizes(axes);
  int64_t planes = x.dim(0) * x.dim(1);
  int64_t inSize = numElements(xs), outSize = numElements(ys);
  int64_t pos = 0;
  forEachIndex(ys, [&](const std::vector<int64_t> &o) {
    std::vector<std::vector<int64_t>> coords = tapCoords(axes, o);
    clipToInput(coords, xs);
    std::vector<int64_t> taps = flatTaps(coords, xs);
    for (int64_t p = 0; p < planes; ++p)
      y.data[size_t(p * outSize + pos)] =
          reduce(o, taps, x.ptr() + p * inSize);
    ++pos;
  });
}

void interpretMaxPool(const KernelCtx &ctx) {
  forEachPoolWindow(ctx, poolWindow(ctx),
                    [](const std::vector<int64_t> &,
                       const std::vector<int64_t> &taps, const float *xp) {
                      float best = -std::numeric_limits<float>::infinity();
                      for (int64_t t : taps)
                        if (t >= 0)
                          best = maxWithNaN(best, xp[t]);
                      return best;
                    });
}

bool inferAvgPool(ShapeCtx &ctx) {
  std::vector<WindowAxis> axes;
  if (!checkFlag(ctx, "count_include_pad") || !inferPool(ctx, axes))
    return false;
  // Without the padding in the count, the divisor of such a window is 0.
  std::string padOnly = paddingOnlyMessage(axes);
  if (ctx.node().getInt("count_include_pad") == 0 && !padOnly.empty())
    return ctx.error("{} {} with count_include_pad=0", ctx.op(), padOnly);
  return true;
}

void interpretAvgPool(const KernelCtx &ctx) {
  std::vector<WindowAxis> axes = poolWindow(ctx);
  bool countIncludePad = ctx.node.getInt("count_include_pad") != 0;
  forEachPoolWindow(ctx, axes,
                    [&](const std::vector<int64_t> &o,
                        const std::vector<int64_t> &taps, const float *xp) {
                      double sum = 0;
                      for (int64_t t : taps)
                        if (t >= 0)
                          sum += double(xp[t]);
                      return float(
                          sum / double(avgDivisor(axes, o, countIncludePad)));
                    });
}

bool inferGlobalAvgPool(ShapeCtx &ctx) { return inferGlobalPool(ctx); }

void interpretGlobalAvgPool(const KernelCtx &ctx) {
  interpretGlobalPool(ctx, false);
}

bool inferGlobalMaxPool(ShapeCtx &ctx) { return inferGlobalPool(ctx); }

void interpretGlobalMaxPool(const KernelCtx &ctx) {
  interpretGlobalPool(ctx, true);
}

} // namespace cnnc
