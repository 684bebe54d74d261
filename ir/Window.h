//===- Window.h - Sliding-window geometry of convs and pools ----*- C++ -*-===//
//
// One place computes, per spatial axis, the stride, dilation, pads and
// output size of a sliding window (conv, pooling, locally connected, ...),
// so shape inference, the interpreter and every backend agree:
//
//   out = floor((n + pb + pe - d*(k-1) - 1) / s) + 1
//
// with ceil instead of floor under ceil_mode, dropping a last window that
// would start in the end padding. auto_pad same_upper/same_lower choose pads
// so that out = ceil(n / s) (the odd pad at the end or the beginning).
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_IR_WINDOW_H
#define CNNC_IR_WINDOW_H

#include "ir/Graph.h"

#include <string>
#include <vector>

namespace cnnc {

struct WindowAxis {
  int64_t in = 0;       // input size
  int64_t kernel = 1;   // kernel size
  int64_t stride = 1;
  int64_t dilation = 1;
  int64_t padBegin = 0;
  int64_t padEnd = 0;
  int64_t out = 0;      // output size

  /// d*(k-1) + 1.
  int64_t effectiveKernel() const { return dilation * (kernel - 1) + 1; }
  /// Input elements at the end that no window reads (floor mode).
  int64_t unusedInput() const;
};

struct WindowOptions {
  bool ceilMode = false;
  bool hasDilation = true;   // the node has a `dilation` attribute
  bool hasAutoPad = true;    // the node has an `auto_pad` attribute
  bool strideIsKernel = false; // default stride = kernel (pooling)
};

/// The window options of max_pool and avg_pool node `n` (ceil_mode from
/// its attribute, stride defaulting to the kernel, dilation and auto_pad
/// attributes): one rule for the interpreter, the passes and the backends.
WindowOptions poolWindowOptions(const Node &n);

/// Reads the list attribute `name` of a sliding-window op over `spatialAxes`
/// axes: `want` values (one per axis, two for pads), each in
/// [minValue, 2^40] so window arithmetic stays within int64; an absent
/// attribute gives `dflt`. On a bad value sets `error` and returns false.
bool readWindowList(const Node &node, std::string_view name, size_t want,
                    size_t spatialAxes, int64_t minValue,
                    std::vector<int64_t> dflt, std::vector<int64_t> &out,
                    std::string &error);

/// Resolves the window of `node` (attributes stride, dilation, pads,
/// auto_pad) over `spatial` input sizes with `kernel` sizes. On a bad
/// attribute or a window larger than the padded input, returns false and
/// sets `error` to a message that names the op and says expected vs found.
bool resolveWindow(const Node &node, const Shape &spatial, const Shape &kernel,
                   const WindowOptions &opts, std::vector<WindowAxis> &axes,
                   std::string &error);

} // namespace cnnc

#endif
