//===- Window.cpp ---------------------------------------------------------===//
#include "ir/Window.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace cnnc {

int64_t WindowAxis::unusedInput() const {
  int64_t covered = (out - 1) * stride + effectiveKernel(); // padded coords
  int64_t rest = in + padBegin + padEnd - covered;
  return std::max<int64_t>(0, std::min(rest - padEnd, in));
}

WindowOptions poolWindowOptions(const Node &n) {
  WindowOptions o;
  o.ceilMode = n.getInt("ceil_mode") != 0;
  o.strideIsKernel = true;
  return o;
}

bool readWindowList(const Node &node, std::string_view name, size_t want,
                    size_t spatialAxes, int64_t minValue,
                    std::vector<int64_t> dflt, std::vector<int64_t> &out,
                    std::string &error) {
  const std::vector<int64_t> &v = node.getInts(name);
  if (v.empty()) {
    out = std::move(dflt);
    return true;
  }
  std::string_view op = node.info().name;
  if (v.size() != want) {
    error = fmt::format("{} expects '{}' to have {} values for {} spatial "
                        "axes, found {}",
                        op, name, want, spatialAxes, v.size());
    return false;
  }
  for (int64_t x : v)
    if (x < minValue || x > kMaxElements) {
      error = fmt::format("{} expects '{}' values in [{}, 2^40], found {}", op,
                          name, minValue, fmt::join(v, ","));
      return false;
    }
  out = v;
  return true;
}

bool resolveWindow(const Node &node, const Shape &spatial, const Shape &kernel,
                   const WindowOptions &opts, std::vector<WindowAxis> &axes,
                   std::string &error) {
  std::string_view op = node.info().name;
  size_t r = spatial.size();
  auto listAttr = [&](std::string_view name, size_t want, int64_t minValue,
                      std::vector<int64_t> &out, int64_t dflt,
                      const Shape *dfltList) {
    return readWindowList(node, name, want, r, minValue,
                          dfltList ? *dfltList : std::vector<int64_t>(want, dflt),
                          out, error);
  };
  std::vector<int64_t> stride, dilation, pads;
  if (!listAttr("stride", r, 1, stride, 1,
                opts.strideIsKernel ? &kernel : nullptr))
    return false;
  if (opts.hasDilation) {
    if (!listAttr("dilation", r, 1, dilation, 1, nullptr))
      return false;
  } else {
    dilation.assign(r, 1);
  }
  if (!listAttr("pads", 2 * r, 0, pads, 0, nullptr))
    return false;
  std::string autoPad = opts.hasAutoPad ? node.getEnum("auto_pad") : "notset";
  if (autoPad != "notset" && !node.getInts("pads").empty()) {
    error = fmt::format("{} takes either 'pads' or auto_pad={}, not both", op,
                        autoPad);
    return false;
  }
  axes.assign(r, WindowAxis{});
  for (size_t i = 0; i < r; ++i) {
    WindowAxis &a = axes[i];
    a.in = spatial[i];
    a.kernel = kernel[i];
    a.stride = stride[i];
    a.dilation = dilation[i];
    if (a.kernel < 1) {
      error = fmt::format("{} expects kernel sizes >= 1, found {} on spatial "
                          "axis {}", op, a.kernel, i);
      return false;
    }
    if (autoPad == "same_upper" || autoPad == "same_lower") {
      int64_t out = (a.in + a.stride - 1) / a.stride;
      int64_t total = std::max<int64_t>(
          0, (out - 1) * a.stride + a.effectiveKernel() - a.in);
      a.padBegin = autoPad == "same_upper" ? total / 2 : total - total / 2;
      a.padEnd = total - a.padBegin;
    } else if (autoPad == "notset") {
      a.padBegin = pads[i];
      a.padEnd = pads[i + r];
    }
    int64_t padded = a.in + a.padBegin + a.padEnd;
    // d*(k-1)+1 can exceed int64 before it is known to be too large.
    int64_t effective = 0;
    bool overflow =
        __builtin_mul_overflow(a.dilation, a.kernel - 1, &effective) ||
        __builtin_add_overflow(effective, 1, &effective);
    if (overflow || effective > padded) {
      error = fmt::format("{} window (effective size {}) is larger than the "
                          "padded input ({}) on spatial axis {}",
                          op,
                          overflow ? std::string("over 2^63")
                                   : std::to_string(effective),
                          padded, i);
      return false;
    }
    int64_t span = padded - a.effectiveKernel();
    if (opts.ceilMode) {
      a.out = (span + a.stride - 1) / a.stride + 1;
      // The last window must start inside the input or the left padding.
      if ((a.out - 1) * a.stride >= a.in + a.padBegin)
        --a.out;
    } else {
      a.out = span / a.stride + 1;
    }
  }
  return true;
}

} // namespace cnnc
