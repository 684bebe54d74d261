//===- SlidingWindow.cpp - Helpers of the conv and pool ops ---------------===//
#include "ir/ops/SlidingWindow.h"

#include <algorithm>
#include <cassert>

namespace cnnc {

bool resolveWindowChecked(ShapeCtx &ctx, const Shape &spatial,
                          const Shape &kernel, const WindowOptions &opts,
                          std::vector<WindowAxis> &axes) {
  std::string error;
  if (!resolveWindow(ctx.node(), spatial, kernel, opts, axes, error))
    return ctx.error("{}", error);
  if (opts.ceilMode)
    return true;
  // One warning per node, naming every axis that loses input.
  std::string counts, which, strides;
  size_t lossy = 0;
  int64_t total = 0;
  for (size_t i = 0; i < axes.size(); ++i) {
    strides += (i ? "," : "") + std::to_string(axes[i].stride);
    int64_t unused = axes[i].unusedInput();
    if (unused <= 0)
      continue;
    counts += (lossy ? ", " : "") + std::to_string(unused);
    which += (lossy ? ", " : "") + std::to_string(i);
    ++lossy;
    total += unused;
  }
  if (lossy)
    ctx.warning("{} stride [{}] leaves the last {} input element{} of "
                "spatial ax{} {} unused (the output size is floored)",
                ctx.op(), strides, counts, total == 1 ? "" : "s",
                lossy == 1 ? "is" : "es", which);
  return true;
}

bool checkConvGroups(ShapeCtx &ctx, int64_t c, int64_t m, int64_t wc,
                     int64_t groups) {
  if (groups < 1)
    return ctx.error("{} expects groups >= 1, found {}", ctx.op(), groups);
  if (c % groups != 0)
    return ctx.error("{} expects input channels ({}) to be divisible by "
                     "groups ({})",
                     ctx.op(), c, groups);
  if (m % groups != 0)
    return ctx.error("{} expects output channels ({}) to be divisible by "
                     "groups ({})",
                     ctx.op(), m, groups);
  if (wc != c / groups)
    return ctx.error("{} expects filter channels ({}) to equal input "
                     "channels ({}) / groups ({})",
                     ctx.op(), wc, c, groups);
  return true;
}

std::vector<WindowAxis> kernelWindow(const Node &n, const Shape &spatial,
                                     const Shape &kernel,
                                     const WindowOptions &opts) {
  std::vector<WindowAxis> axes;
  std::string error;
  [[maybe_unused]] bool ok =
      resolveWindow(n, spatial, kernel, opts, axes, error);
  assert(ok && "window of a shape-inferred node does not resolve");
  return axes;
}

Shape windowOutSizes(const std::vector<WindowAxis> &axes) {
  Shape out;
  for (const WindowAxis &a : axes)
    out.push_back(a.out);
  return out;
}

int64_t tapsInside(const WindowAxis &a, int64_t start) {
  if (start >= a.in)
    return 0;
  // Taps k in [lo, hi] satisfy 0 <= start + k*dilation <= in - 1.
  int64_t lo = start >= 0 ? 0 : (-start + a.dilation - 1) / a.dilation;
  int64_t hi = std::min(a.kernel - 1, (a.in - 1 - start) / a.dilation);
  return std::max<int64_t>(0, hi - lo + 1);
}

int64_t tapsInsidePadded(const WindowAxis &a, int64_t start) {
  // Taps k < kernel with start + k*dilation <= in + padEnd - 1.
  int64_t last = a.in + a.padEnd - 1 - start;
  return last < 0 ? 0 : std::min(a.kernel, last / a.dilation + 1);
}

std::optional<int64_t> paddingOnlyWindow(const WindowAxis &a) {
  // A window starting inside the input reads its first tap; one starting in
  // the end padding is last. Only windows starting in the begin padding can
  // jump over the input, so those are checked one by one.
  int64_t o = 0;
  for (; o < a.out && o * a.stride - a.padBegin < 0; ++o)
    if (tapsInside(a, o * a.stride - a.padBegin) == 0)
      return o;
  int64_t last = a.out - 1;
  if (last >= o && tapsInside(a, last * a.stride - a.padBegin) == 0)
    return last;
  return std::nullopt;
}

bool nextIndex(std::vector<int64_t> &idx, const Shape &bounds) {
  for (size_t i = idx.size(); i-- > 0;) {
    if (++idx[i] < bounds[i])
      return true;
    idx[i] = 0;
  }
  return false;
}

std::vector<std::vector<int64_t>> tapCoords(const std::vector<WindowAxis> &axes,
                                            const std::vector<int64_t> &o) {
  std::vector<std::vector<int64_t>> coords(axes.size());
  for (size_t i = 0; i < axes.size(); ++i) {
    const WindowAxis &a = axes[i];
    int64_t start = o[i] * a.stride - a.padBegin;
    for (int64_t k = 0; k < a.kernel; ++k)
      coords[i].push_back(start + k * a.dilation);
  }
  return coords;
}

void clipToInput(std::vector<std::vector<int64_t>> &coords, const Shape &in) {
  for (size_t i = 0; i < coords.size(); ++i)
    for (int64_t &c : coords[i])
      if (c < 0 || c >= in[i])
        c = -1;
}

std::vector<int64_t> flatTaps(const std::vector<std::vector<int64_t>> &coords,
                              const Shape &in) {
  Shape counts;
  for (const std::vector<int64_t> &c : coords)
    counts.push_back(int64_t(c.size()));
  std::vector<int64_t> taps;
  forEachIndex(counts, [&](const std::vector<int64_t> &k) {
    int64_t flat = 0;
    for (size_t i = 0; i < coords.size(); ++i) {
      int64_t c = coords[i][size_t(k[i])];
      if (c < 0) {
        flat = -1;
        break;
      }
      flat = flat * in[i] + c;
    }
    taps.push_back(flat);
  });
  return taps;
}

} // namespace cnnc
