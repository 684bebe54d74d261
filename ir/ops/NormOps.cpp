//===- NormOps.cpp - batch_norm, lrn, layer_norm, softmax -----------------===//
//
// Normalisations along one axis: per channel (batch_norm), across a window
// of channels (lrn), over the trailing axes (layer_norm: mean, then the
// variance of the deviations, in double), and over a whole axis (softmax,
// log_softmax, computed with the axis maximum subtracted so large inputs
// stay finite).
//
//===----------------------------------------------------------------------===//
#include "ir/Attr.h"
#include "ir/Interpreter.h"
#include "ir/ShapeInference.h"
#include "ir/ops/Resolve.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace cnnc {

namespace {

/// Calls f(base, stride) for every 1-D line of a row-major `shape` along
/// `axis`: the line's elements are base + j*stride for j < shape[axis].
template <typename F> void forEachLine(const Shape &shape, size_t axis, F f) {
  int64_t outer = 1, inner = 1;
  for (size_t i = 0; i < axis; ++i)
    outer *= shape[i];
  for (size_t i = axis + 1; i < shape.size(); ++i)
    inner *= shape[i];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i)
      f(o * shape[axis] * inner + i, inner);
}

/// Checks x has a channel axis (rank >= 2); reports otherwise.
bool expectChannels(ShapeCtx &ctx) {
  if (ctx.rank(0) >= 2)
    return true;
  return ctx.error("{} expects x of rank 2 or more (channels on axis 1), "
                   "found rank {} {}",
                   ctx.op(), ctx.rank(0), shapeStr(ctx.in(0)));
}

} // namespace

//===----------------------------------------------------------------------===//
// BatchNorm: scale * (x - mean) / sqrt(var + epsilon) + bias per channel
//===----------------------------------------------------------------------===//

bool inferBatchNorm(ShapeCtx &ctx) {
  if (!expectChannels(ctx))
    return false;
  Shape channels{ctx.in(0)[1]};
  for (unsigned i = 1; i < 5; ++i)
    if (!ctx.expectShape(i, channels))
      return false;
  double epsilon = ctx.node().getFloat("epsilon");
  if (!(epsilon >= 0))
    return ctx.error("batch_norm expects 'epsilon' >= 0, found {}",
                     floatText(epsilon));
  ctx.setOut(ctx.in(0));
  return true;
}

void interpretBatchNorm(const KernelCtx &ctx) {
  const Tensor &x = ctx.in(0), &scale = ctx.in(1), &bias = ctx.in(2),
               &mean = ctx.in(3), &var = ctx.in(4);
  Tensor &out = ctx.out();
  double epsilon = ctx.node.getFloat("epsilon");
  forEachLine(x.shape, 1, [&](int64_t base, int64_t stride) {
    for (int64_t c = 0; c < x.dim(1); ++c) {
      size_t i = size_t(base + c * stride), k = size_t(c);
      double v = (double(x.data[i]) - mean.data[k]) /
                 std::sqrt(double(var.data[k]) + epsilon);
      out.data[i] = float(scale.data[k] * v + bias.data[k]);
    }
  });
}

//===----------------------------------------------------------------------===//
// Lrn: x / (bias + alpha/size * sum of x^2 over a window of channels)^beta
//===----------------------------------------------------------------------===//

bool inferLrn(ShapeCtx &ctx) {
  if (!expectChannels(ctx))
    return false;
  int64_t size = ctx.node().getInt("size");
  if (size < 1)
    return ctx.error("lrn expects 'size' >= 1, found {}", size);
  ctx.setOut(ctx.in(0));
  return true;
}

void interpretLrn(const KernelCtx &ctx) {
  const Tensor &x = ctx.in(0);
  Tensor &out = ctx.out();
  const Node &n = ctx.node;
  int64_t size = n.getInt("size");
  double alpha = n.getFloat("alpha"), beta = n.getFloat("beta"),
         bias = n.getFloat("bias");
  // ONNX's window: floor((size-1)/2) channels before, ceil((size-1)/2) after.
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  int64_t channels = x.dim(1);
  forEachLine(x.shape, 1, [&](int64_t base, int64_t stride) {
    auto at = [&](int64_t c) {
      return double(x.data[size_t(base + c * stride)]);
    };
    for (int64_t c = 0; c < channels; ++c) {
      double sum = 0;
      int64_t lo = std::max<int64_t>(0, c - before);
      int64_t hi = std::min(channels - 1, c + after);
      for (int64_t j = lo; j <= hi; ++j)
        sum += at(j) * at(j);
      double d = std::pow(bias + alpha / double(size) * sum, beta);
      out.data[size_t(base + c * stride)] = float(at(c) / d);
    }
  });
}

//===----------------------------------------------------------------------===//
// LayerNorm over the trailing axes [axis, rank)
//===----------------------------------------------------------------------===//

bool inferLayerNorm(ShapeCtx &ctx) {
  int64_t axis = ctx.node().getInt("axis");
  if (!ctx.normaliseAxis(axis, ctx.rank(0), "axis"))
    return false;
  const Shape &xs = ctx.in(0);
  Shape slice(xs.begin() + axis, xs.end());
  for (unsigned i = 1; i < 3; ++i)
    if (ctx.has(i) && !ctx.expectShape(i, slice))
      return false;
  double epsilon = ctx.node().getFloat("epsilon");
  if (!(epsilon >= 0))
    return ctx.error("layer_norm expects 'epsilon' >= 0, found {}",
                     floatText(epsilon));
  size_t results = ctx.outs().size();
  if (results != 1 && results != 3)
    return ctx.error("layer_norm has 1 result (y) or 3 (y, mean, "
                     "inv_std_dev), found {}",
                     results);
  ctx.setOut(xs);
  if (results == 3) {
    Shape stats = xs;
    std::fill(stats.begin() + axis, stats.end(), 1);
    ctx.setOut(stats, 1);
    ctx.setOut(stats, 2);
  }
  return true;
}

void interpretLayerNorm(const KernelCtx &ctx) {
  const Tensor &x = ctx.in(0), &scale = ctx.in(1);
  const Tensor *bias = ctx.has(2) ? &ctx.in(2) : nullptr;
  Tensor &out = ctx.out();
  int64_t axis = ctx.node.getInt("axis");
  if (axis < 0)
    axis += x.rank();
  double epsilon = ctx.node.getFloat("epsilon");
  size_t len = 1;
  for (size_t i = size_t(axis); i < x.shape.size(); ++i)
    len *= size_t(x.shape[i]);
  if (len == 0)
    return;
  for (size_t base = 0; base < x.data.size(); base += len) {
    double mean, inv;
    layerNormStats([&](int64_t j) { return double(x.data[base + size_t(j)]); },
                   int64_t(len), epsilon, mean, inv);
    if (ctx.outs.size() == 3) {
      ctx.out(1).data[base / len] = float(mean);
      ctx.out(2).data[base / len] = float(inv);
    }
    for (size_t j = 0; j < len; ++j) {
      double v = (x.data[base + j] - mean) * inv * scale.data[j];
      out.data[base + j] = float(bias ? v + bias->data[j] : v);
    }
  }
}

//===----------------------------------------------------------------------===//
// Softmax and LogSoftmax along `axis`
//===----------------------------------------------------------------------===//

namespace {

bool inferAlongAxis(ShapeCtx &ctx) {
  int64_t axis = ctx.node().getInt("axis");
  if (!ctx.normaliseAxis(axis, ctx.rank(0), "axis"))
    return false;
  ctx.setOut(ctx.in(0));
  return true;
}

/// Runs softmax (or log-softmax when `log`) over every line along `axis`,
/// with the line's maximum subtracted before exponentiating.
void softmax(const KernelCtx &ctx, bool log) {
  const Tensor &x = ctx.in(0);
  Tensor &out = ctx.out();
  int64_t axis = ctx.node.getInt("axis");
  if (axis < 0)
    axis += x.rank();
  int64_t len = x.dim(axis);
  forEachLine(x.shape, size_t(axis), [&](int64_t base, int64_t stride) {
    auto at = [&](int64_t j) { return size_t(base + j * stride); };
    double max = -INFINITY;
    for (int64_t j = 0; j < len; ++j)
      max = std::max(max, double(x.data[at(j)]));
    double sum = 0;
    for (int64_t j = 0; j < len; ++j)
      sum += std::exp(double(x.data[at(j)]) - max);
    for (int64_t j = 0; j < len; ++j) {
      double shifted = double(x.data[at(j)]) - max;
      out.data[at(j)] =
          float(log ? shifted - std::log(sum) : std::exp(shifted) / sum);
    }
  });
}

} // namespace

bool inferSoftmax(ShapeCtx &ctx) { return inferAlongAxis(ctx); }
bool inferLogSoftmax(ShapeCtx &ctx) { return inferAlongAxis(ctx); }

void interpretSoftmax(const KernelCtx &ctx) { softmax(ctx, /*log=*/false); }
void interpretLogSoftmax(const KernelCtx &ctx) { softmax(ctx, /*log=*/true); }

} // namespace cnnc
