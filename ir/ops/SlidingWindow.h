//===- SlidingWindow.h - Helpers of the conv and pool ops -------*- C++ -*-===//
//
// What the shape functions and reference kernels of the sliding-window ops
// (conv, conv_transpose, locally_connected, tiled_conv, deform_conv and the
// pools) share: resolving a node's window with diagnostics, iterating over
// output positions as multi-indices, and listing the input elements a
// window reads. A kernel reads its window as a list of taps:
//
//   Shape ys = spatialDims(y.shape);
//   int64_t pos = 0; // flat output position
//   forEachIndex(ys, [&](const std::vector<int64_t> &o) {
//     std::vector<std::vector<int64_t>> c = tapCoords(axes, o);
//     clipToInput(c, xs);                          // zero padding
//     std::vector<int64_t> taps = flatTaps(c, xs); // -1: padding
//     ... ++pos;
//   });
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_IR_OPS_SLIDINGWINDOW_H
#define CNNC_IR_OPS_SLIDINGWINDOW_H

#include "ir/ShapeInference.h"
#include "ir/Window.h"

#include <algorithm>
#include <optional>
#include <vector>

namespace cnnc {

/// The spatial sizes of a [N,C,*S] shape (or of any shape from `first`).
inline Shape spatialDims(const Shape &s, size_t first = 2) {
  return Shape(s.begin() + std::min(first, s.size()), s.end());
}

/// Resolves the window of the shape function's node (see resolveWindow).
/// Reports a bad attribute or window at the node and, in floor mode, warns
/// for every axis where the stride leaves input elements unused.
bool resolveWindowChecked(ShapeCtx &ctx, const Shape &spatial,
                          const Shape &kernel, const WindowOptions &opts,
                          std::vector<WindowAxis> &axes);

/// Checks a grouped convolution's channels: groups >= 1, input channels
/// `c` and output channels `m` divisible by groups, and filter channels
/// `wc` equal to c / groups. Reports at the node.
bool checkConvGroups(ShapeCtx &ctx, int64_t c, int64_t m, int64_t wc,
                     int64_t groups);

/// The window of a node whose shapes were inferred: resolving it again
/// cannot fail (asserted).
std::vector<WindowAxis> kernelWindow(const Node &n, const Shape &spatial,
                                     const Shape &kernel,
                                     const WindowOptions &opts);

/// The output sizes of resolved axes.
Shape windowOutSizes(const std::vector<WindowAxis> &axes);

/// Number of taps of the window starting at input coordinate `start` on
/// axis `a` that fall inside the input [0, a.in).
int64_t tapsInside(const WindowAxis &a, int64_t start);

/// The taps of a window starting at `start` (>= -padBegin) on axis `a`
/// that fall before the end of the end padding (in + padEnd): avg_pool's
/// divisor with count_include_pad.
int64_t tapsInsidePadded(const WindowAxis &a, int64_t start);

/// The first output position on axis `a` whose window reads only padding,
/// or nullopt when every window reads at least one input element.
std::optional<int64_t> paddingOnlyWindow(const WindowAxis &a);

/// Advances a row-major multi-index within `bounds`; returns false (and
/// leaves `idx` at zeros) after the last index.
bool nextIndex(std::vector<int64_t> &idx, const Shape &bounds);

/// Calls `f(idx)` for every multi-index within `bounds`, row-major; not at
/// all when a bound is 0, once with an empty index for no bounds.
template <typename F> void forEachIndex(const Shape &bounds, F &&f) {
  for (int64_t b : bounds)
    if (b <= 0)
      return;
  std::vector<int64_t> idx(bounds.size(), 0);
  do
    f(static_cast<const std::vector<int64_t> &>(idx));
  while (nextIndex(idx, bounds));
}

/// Per axis, the input coordinate o*stride - padBegin + k*dilation read by
/// kernel tap k at output position `o` (possibly in the padding).
std::vector<std::vector<int64_t>> tapCoords(const std::vector<WindowAxis> &axes,
                                            const std::vector<int64_t> &o);

/// Replaces every coordinate outside [0, in[axis]) by -1 (zero padding).
void clipToInput(std::vector<std::vector<int64_t>> &coords, const Shape &in);

/// The row-major flat offset, in an input of spatial sizes `in`, of every
/// tap (row-major over the per-axis tap lists of `coords`); -1 for a tap
/// with any coordinate -1.
std::vector<int64_t> flatTaps(const std::vector<std::vector<int64_t>> &coords,
                              const Shape &in);

} // namespace cnnc

#endif
