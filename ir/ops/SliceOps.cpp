//===- SliceOps.cpp - Slice and pad ---------------------------------------===//
//
// Shape functions and reference kernels of the ops that cut or extend a
// tensor along its axes, with ONNX semantics:
//
//   slice  starts/ends/axes/steps: negative indices count from the end;
//          starts clamp to [0, n] ([0, n-1] for negative steps), ends to
//          [0, n] ([-1, n-1] for negative steps); axes default to
//          0..len-1, steps to 1.
//   pad    pads = [x1_begin, x2_begin, ..., x1_end, x2_end] over all axes;
//          mode constant (fill with `value`), reflect (mirror without the
//          edge, PyTorch 'reflect') or edge (PyTorch 'replicate');
//          negative pads crop.
//
//===----------------------------------------------------------------------===//
#include "ir/Interpreter.h"
#include "ir/ShapeInference.h"
#include "ir/ops/Indexing.h"

#include "ir/ops/Resolve.h"

#include <algorithm>
#include <cassert>

namespace cnnc {

namespace {


/// Number of indices start, start+step, ... strictly before `end`
/// (after `end` for a negative step), computed without overflow.
int64_t sliceCount(int64_t start, int64_t end, int64_t step) {
  if (step > 0)
    return end > start ? (end - start - 1) / step + 1 : 0;
  uint64_t mag = uint64_t(0) - uint64_t(step);
  return start > end ? int64_t(uint64_t(start - end - 1) / mag + 1) : 0;
}

/// Resolves one sliced axis of size `n`.
SliceAxis resolveAxis(int64_t start, int64_t end, int64_t step, int64_t n) {
  if (start < 0)
    start += n;
  if (end < 0)
    end += n;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, n);
    end = std::clamp<int64_t>(end, 0, n);
  } else {
    start = std::clamp<int64_t>(start, 0, n - 1);
    end = std::clamp<int64_t>(end, -1, n - 1);
  }
  return {start, step, sliceCount(start, end, step)};
}


/// Index of x read by padded position `i` (in x's coordinates, possibly
/// outside [0, n)) under reflect or edge mode.
int64_t padSource(int64_t i, int64_t n, bool reflect) {
  if (i >= 0 && i < n)
    return i;
  if (!reflect)
    return i < 0 ? 0 : n - 1;
  return i < 0 ? -i : 2 * (n - 1) - i;
}

/// Is a pad small enough for size arithmetic without overflow?
bool inPadRange(int64_t p) { return p >= -kMaxElements && p <= kMaxElements; }

} // namespace

bool resolveSlice(const Node &node, const Shape &x,
                  std::vector<SliceAxis> &axes, std::string &error) {
  const std::vector<int64_t> &starts = node.getInts("starts");
  const std::vector<int64_t> &ends = node.getInts("ends");
  std::vector<int64_t> sliced = node.getInts("axes");
  std::vector<int64_t> steps = node.getInts("steps");
  int64_t r = int64_t(x.size());
  size_t len = starts.size();
  if (ends.size() != len) {
    error = fmt::format("slice expects 'starts' and 'ends' of equal length, "
                        "found {} and {}",
                        len, ends.size());
    return false;
  }
  if (sliced.empty() && int64_t(len) > r) {
    error = fmt::format("slice expects at most {} 'starts' for x {}, found {}",
                        r, shapeStr(x), len);
    return false;
  }
  if (sliced.empty())
    for (size_t i = 0; i < len; ++i)
      sliced.push_back(int64_t(i));
  if (steps.empty())
    steps.assign(len, 1);
  if (sliced.size() != len || steps.size() != len) {
    error = fmt::format("slice expects 'axes' and 'steps' of the length of "
                        "'starts' ({}), found {} and {}",
                        len, sliced.size(), steps.size());
    return false;
  }
  axes.clear();
  for (int64_t n : x)
    axes.push_back({0, 1, n});
  std::vector<bool> seen(size_t(r), false);
  for (size_t i = 0; i < len; ++i) {
    int64_t a = sliced[i] < 0 ? sliced[i] + r : sliced[i];
    if (a < 0 || a >= r || seen[size_t(a)]) {
      error = fmt::format("slice expects distinct 'axes' in [{}, {}) for x {}, "
                          "found {}",
                          -r, r, shapeStr(x), shapeStr(node.getInts("axes")));
      return false;
    }
    if (steps[i] == 0) {
      error = fmt::format("slice expects nonzero 'steps', found {}",
                          shapeStr(steps));
      return false;
    }
    seen[size_t(a)] = true;
    axes[size_t(a)] = resolveAxis(starts[i], ends[i], steps[i], x[size_t(a)]);
  }
  return true;
}

//===--- slice ------------------------------------------------------------===//

bool inferSlice(ShapeCtx &ctx) {
  std::vector<SliceAxis> axes;
  std::string error;
  if (!resolveSlice(ctx.node(), ctx.in(0), axes, error))
    return ctx.error("{}", error);
  Shape out;
  for (const SliceAxis &a : axes)
    out.push_back(a.size);
  ctx.setOut(out);
  return true;
}

void interpretSlice(const KernelCtx &ctx) {
  const Tensor &x = ctx.in(0);
  Tensor &y = ctx.out();
  std::vector<SliceAxis> axes;
  std::string error;
  [[maybe_unused]] bool ok = resolveSlice(ctx.node, x.shape, axes, error);
  assert(ok && "slice not checked by shape inference");
  for (int64_t o = 0; o < y.size(); ++o) {
    std::vector<int64_t> idx = unravelIndex(o, y.shape);
    for (size_t d = 0; d < idx.size(); ++d)
      idx[d] = axes[d].start + idx[d] * axes[d].step;
    y.data[size_t(o)] = x.data[size_t(ravelIndex(idx, x.shape))];
  }
}

//===--- pad --------------------------------------------------------------===//

bool inferPad(ShapeCtx &ctx) {
  const Shape &x = ctx.in(0);
  const std::vector<int64_t> &pads = ctx.node().getInts("pads");
  const std::string &mode = ctx.node().getEnum("mode");
  size_t r = x.size();
  if (pads.size() != 2 * r)
    return ctx.error("pad expects 'pads' of length 2 * rank = {} for x {}, "
                     "found {}",
                     2 * r, shapeStr(x), pads.size());
  Shape out;
  for (size_t d = 0; d < r; ++d) {
    int64_t n = x[d], pb = pads[d], pe = pads[d + r];
    if (!inPadRange(pb) || !inPadRange(pe))
      return ctx.error("pad expects pads within +-2^40, found {} and {} on "
                       "axis {}",
                       pb, pe, d);
    if (n + pb + pe < 0)
      return ctx.error("pad expects pads {} and {} on axis {} of x {} to "
                       "leave a size of at least 0, found {}",
                       pb, pe, d, shapeStr(x), n + pb + pe);
    if (mode == "reflect" && (pb >= n || pe >= n) && (pb > 0 || pe > 0))
      return ctx.error("pad in reflect mode expects pads smaller than the "
                       "axis: axis {} of x {} has size {}, found pads {} and "
                       "{}",
                       d, shapeStr(x), n, pb, pe);
    if (mode == "edge" && n == 0 && (pb > 0 || pe > 0))
      return ctx.error("pad in edge mode expects a non-empty axis to pad, "
                       "found axis {} of x {} empty",
                       d, shapeStr(x));
    out.push_back(n + pb + pe);
  }
  ctx.setOut(out);
  return true;
}

void interpretPad(const KernelCtx &ctx) {
  const Tensor &x = ctx.in(0);
  Tensor &y = ctx.out();
  const std::vector<int64_t> &pads = ctx.node.getInts("pads");
  const std::string &mode = ctx.node.getEnum("mode");
  float value = float(ctx.node.getFloat("value"));
  size_t r = x.shape.size();
  for (int64_t o = 0; o < y.size(); ++o) {
    std::vector<int64_t> idx = unravelIndex(o, y.shape);
    bool inside = true;
    for (size_t d = 0; d < r; ++d) {
      idx[d] -= pads[d];
      inside = inside && idx[d] >= 0 && idx[d] < x.shape[d];
      if (mode != "constant")
        idx[d] = padSource(idx[d], x.shape[d], mode == "reflect");
    }
    if (mode == "constant" && !inside)
      y.data[size_t(o)] = value;
    else
      y.data[size_t(o)] = x.data[size_t(ravelIndex(idx, x.shape))];
  }
}

} // namespace cnnc
