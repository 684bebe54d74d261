//===- ConvOps.cpp - Convolution and transposed convolution ---------------===//
//
// Shape functions and reference kernels of conv and conv_transpose over 1, 2
// or 3 spatial axes (any number, in fact), with PyTorch semantics. With G
// groups, output channel m belongs to group g = m / (M/G), which reads input
// channels [g*C/G, (g+1)*C/G).
//
//   conv            y[n,m,o] = b[m] + sum_{c,k} w[m,c,k] * xp[n,c,o*s-pb+k*d]
//                   where xp is x padded per padding_mode as F.pad does
//                   (zeros, reflect, replicate, circular).
//   conv_transpose  x[n,c,i] * w[c,m,k] adds to y[n,m,i*s-pb+k*d], so
//                   y[n,m,o] sums over i*s = o+pb-k*d; the output size is
//                   (n-1)*s - pb - pe + d*(k-1) + output_padding + 1.
//
//===----------------------------------------------------------------------===//
#include "ir/Interpreter.h"
#include "ir/ShapeInference.h"
#include "ir/ops/SlidingWindow.h"

#include <cassert>
#include <fmt/ranges.h>

namespace cnnc {

namespace {

//===--- Shared -----------------------------------------------------------===//

/// Sizes of a grouped convolution, the spatial axes flattened.
struct ConvDims {
  int64_t n = 0, c = 0, m = 0, groups = 1;
  int64_t inSize = 0, outSize = 0; // spatial element counts
};

/// The sizes of a grouped convolution from x [N,C,*S] to y [N,M,*O].
ConvDims convDims(const KernelCtx &ctx) {
  const Tensor &x = ctx.in(0), &y = ctx.out();
  ConvDims d;
  d.n = x.dim(0);
  d.c = x.dim(1);
  d.m = y.dim(1);
  d.groups = ctx.node.getInt("groups");
  d.inSize = numElements(spatialDims(x.shape));
  d.outSize = numElements(spatialDims(y.shape));
  return d;
}

/// Computes y[n, m, pos] for every n and m: the bias plus, over the input
/// channels c of m's group, filter(m, c)[k] * x[n, c, taps[k]] for every
/// tap k that is not padding (-1).
template <typename Filter>
void convolveAt(const ConvDims &d, const Tensor &x, const Tensor *b,
                const std::vector<int64_t> &taps, int64_t pos, Tensor &y,
                Filter filter) {
  int64_t cg = d.c / d.groups, mg = d.m / d.groups;
  for (int64_t n = 0; n < d.n; ++n)
    for (int64_t m = 0; m < d.m; ++m) {
      double acc = b ? double(b->data[size_t(m)]) : 0.0;
      int64_t g = m / mg;
      for (int64_t c = g * cg; c < (g + 1) * cg; ++c) {
        const float *xc = x.ptr() + (n * d.c + c) * d.inSize;
        const float *wk = filter(m, c);
        for (size_t k = 0; k < taps.size(); ++k)
          if (taps[k] >= 0)
            acc += double(wk[k]) * double(xc[taps[k]]);
      }
      y.data[size_t((n * d.m + m) * d.outSize + pos)] = float(acc);
    }
}

//===--- conv -------------------------------------------------------------===//

enum class PadMode { Zeros, Reflect, Replicate, Circular };

PadMode padModeOf(const Node &n) {
  const std::string &m = n.getEnum("padding_mode");
  if (m == "reflect")
    return PadMode::Reflect;
  if (m == "replicate")
    return PadMode::Replicate;
  if (m == "circular")
    return PadMode::Circular;
  return PadMode::Zeros;
}

/// The input coordinate that padded coordinate `p` reads on an axis of size
/// `n`, or -1 for zero padding. Requires the pads checkPaddingMode accepts.
int64_t padCoord(int64_t p, int64_t n, PadMode mode) {
  if (p >= 0 && p < n)
    return p;
  switch (mode) {
  case PadMode::Zeros:
    return -1;
  case PadMode::Reflect:
    return p < 0 ? -p : 2 * (n - 1) - p;
  case PadMode::Replicate:
    return p < 0 ? 0 : n - 1;
  case PadMode::Circular:
    return (p % n + n) % n;
  }
  return -1;
}

/// Checks the pads fit the padding mode as F.pad requires: reflect pads
/// smaller than the input, circular pads at most the input, and a
/// non-empty input to replicate.
bool checkPaddingMode(ShapeCtx &ctx, const std::vector<WindowAxis> &axes) {
  PadMode mode = padModeOf(ctx.node());
  const std::string &name = ctx.node().getEnum("padding_mode");
  for (size_t i = 0; i < axes.size(); ++i) {
    const WindowAxis &a = axes[i];
    if (a.padBegin == 0 && a.padEnd == 0)
      continue;
    if (mode == PadMode::Reflect && (a.padBegin >= a.in || a.padEnd >= a.in))
      return ctx.error("{} padding_mode={} expects pads ({}, {}) smaller "
                       "than the input size ({}) on spatial axis {}",
                       ctx.op(), name, a.padBegin, a.padEnd, a.in, i);
    if (mode == PadMode::Circular && (a.padBegin > a.in || a.padEnd > a.in))
      return ctx.error("{} padding_mode={} expects pads ({}, {}) at most the "
                       "input size ({}) on spatial axis {}",
                       ctx.op(), name, a.padBegin, a.padEnd, a.in, i);
    if (mode == PadMode::Replicate && a.in == 0)
      return ctx.error("{} padding_mode={} expects a non-empty input to pad "
                       "on spatial axis {}",
                       ctx.op(), name, i);
  }
  return true;
}

//===--- conv_transpose ---------------------------------------------------===//

/// The geometry of one spatial axis of a transposed convolution.
struct TransposeAxis {
  int64_t in = 0, kernel = 1, stride = 1, dilation = 1;
  int64_t padBegin = 0, padEnd = 0, outputPadding = 0;
  int64_t out = 0;
};

/// (in-1)*s - pb - pe + d*(k-1) + output_padding + 1, or nullopt when an
/// intermediate overflows.
std::optional<int64_t> transposeOutSize(const TransposeAxis &a) {
  int64_t span, ext, r;
  if (__builtin_mul_overflow(a.in - 1, a.stride, &span) ||
      __builtin_mul_overflow(a.dilation, a.kernel - 1, &ext) ||
      __builtin_add_overflow(span, ext, &r) ||
      __builtin_sub_overflow(r, a.padBegin, &r) ||
      __builtin_sub_overflow(r, a.padEnd, &r) ||
      __builtin_add_overflow(r, a.outputPadding, &r) ||
      __builtin_add_overflow(r, 1, &r))
    return std::nullopt;
  return r;
}

/// Checks one resolved axis and computes its output size.
bool resolveTransposeAxis(std::string_view op, size_t i, TransposeAxis &a,
                          std::string &error) {
  if (a.kernel < 1) {
    error = fmt::format("{} expects kernel sizes >= 1, found {} on spatial "
                        "axis {}",
                        op, a.kernel, i);
    return false;
  }
  if (a.outputPadding >= a.stride && a.outputPadding >= a.dilation) {
    error = fmt::format("{} expects 'output_padding' ({}) smaller than the "
                        "stride ({}) or the dilation ({}) on spatial axis {}",
                        op, a.outputPadding, a.stride, a.dilation, i);
    return false;
  }
  std::optional<int64_t> out = transposeOutSize(a);
  if (!out || *out > kMaxElements) {
    error =
        fmt::format("{} output size on spatial axis {} exceeds 2^40", op, i);
    return false;
  }
  if (*out < 1) {
    error = fmt::format(
        "{} expects a positive output size on spatial axis {}, found {} = "
        "({} - 1) * stride {} - pads {} - {} + dilation {} * ({} - 1) + "
        "output_padding {} + 1",
        op, i, *out, a.in, a.stride, a.padBegin, a.padEnd, a.dilation, a.kernel,
        a.outputPadding);
    return false;
  }
  a.out = *out;
  return true;
}

/// Resolves the attributes of a conv_transpose node over `spatial` input
/// sizes and `kernel` sizes; on a bad attribute sets `error`.
bool resolveTranspose(const Node &n, const Shape &spatial, const Shape &kernel,
                      std::vector<TransposeAxis> &axes, std::string &error) {
  size_t r = spatial.size();
  std::vector<int64_t> stride, dilation, pads, outPad;
  if (!readWindowList(n, "stride", r, r, 1, Shape(r, 1), stride, error) ||
      !readWindowList(n, "dilation", r, r, 1, Shape(r, 1), dilation, error) ||
      !readWindowList(n, "pads", 2 * r, r, 0, Shape(2 * r, 0), pads, error) ||
      !readWindowList(n, "output_padding", r, r, 0, Shape(r, 0), outPad,
                      error))
    return false;
  axes.assign(r, TransposeAxis{});
  for (size_t i = 0; i < r; ++i) {
    TransposeAxis &a = axes[i];
    a.in = spatial[i];
    a.kernel = kernel[i];
    a.stride = stride[i];
    a.dilation = dilation[i];
    a.padBegin = pads[i];
    a.padEnd = pads[i + r];
    a.outputPadding = outPad[i];
    if (!resolveTransposeAxis(n.info().name, i, a, error))
      return false;
  }
  return true;
}

/// Per axis, the input coordinate i with i*s = o + pb - k*d that kernel tap
/// k reads at output position `o`, or -1 when there is none.
std::vector<std::vector<int64_t>>
transposeTapCoords(const std::vector<TransposeAxis> &axes,
                   const std::vector<int64_t> &o) {
  std::vector<std::vector<int64_t>> coords(axes.size());
  for (size_t i = 0; i < axes.size(); ++i) {
    const TransposeAxis &a = axes[i];
    for (int64_t k = 0; k < a.kernel; ++k) {
      int64_t t = o[i] + a.padBegin - k * a.dilation;
      bool hit = t >= 0 && t % a.stride == 0 && t / a.stride < a.in;
      coords[i].push_back(hit ? t / a.stride : -1);
    }
  }
  return coords;
}

} // namespace

bool inferConv(ShapeCtx &ctx) {
  if (!ctx.expectRankIn(0, 3, 5) || !ctx.expectRank(1, ctx.rank(0)))
    return false;
  const Shape &x = ctx.in(0), &w = ctx.in(1);
  if (!checkConvGroups(ctx, x[1], w[0], w[1], ctx.node().getInt("groups")))
    return false;
  if (ctx.has(2) && !ctx.expectShape(2, {w[0]}))
    return false;
  std::vector<WindowAxis> axes;
  if (!resolveWindowChecked(ctx, spatialDims(x), spatialDims(w),
                            WindowOptions{}, axes) ||
      !checkPaddingMode(ctx, axes))
    return false;
  Shape out = {x[0], w[0]};
  for (const WindowAxis &a : axes)
    out.push_back(a.out);
  ctx.setOut(std::move(out));
  return true;
}

void interpretConv(const KernelCtx &ctx) {
  const Tensor &x = ctx.in(0), &w = ctx.in(1);
  const Tensor *b = ctx.has(2) ? &ctx.in(2) : nullptr;
  Tensor &y = ctx.out();
  Shape xs = spatialDims(x.shape), ks = spatialDims(w.shape);
  std::vector<WindowAxis> axes =
      kernelWindow(ctx.node, xs, ks, WindowOptions{});
  Shape ys = windowOutSizes(axes);
  PadMode mode = padModeOf(ctx.node);
  ConvDims d = convDims(ctx);
  int64_t cg = d.c / d.groups, kSize = numElements(ks);
  auto filter = [&](int64_t m, int64_t c) {
    return w.ptr() + (m * cg + c % cg) * kSize;
  };
  int64_t pos = 0;
  forEachIndex(ys, [&](const std::vector<int64_t> &o) {
    std::vector<std::vector<int64_t>> coords = tapCoords(axes, o);
    for (size_t i = 0; i < coords.size(); ++i)
      for (int64_t &c : coords[i])
        c = padCoord(c, xs[i], mode);
    convolveAt(d, x, b, flatTaps(coords, xs), pos++, y, filter);
  });
}

bool inferConvTranspose(ShapeCtx &ctx) {
  if (!ctx.expectRankIn(0, 3, 5) || !ctx.expectRank(1, ctx.rank(0)))
    return false;
  const Shape &x = ctx.in(0), &w = ctx.in(1);
  int64_t groups = ctx.node().getInt("groups");
  if (groups < 1)
    return ctx.error("{} expects groups >= 1, found {}", ctx.op(), groups);
  if (w[0] != x[1])
    return ctx.error("{} expects filter dimension 0 ({}) to equal input "
                     "channels ({})",
                     ctx.op(), w[0], x[1]);
  if (x[1] % groups != 0)
    return ctx.error("{} expects input channels ({}) to be divisible by "
                     "groups ({})",
                     ctx.op(), x[1], groups);
  int64_t m;
  if (__builtin_mul_overflow(w[1], groups, &m) || m > kMaxElements)
    return ctx.error("{} output channels ({} * groups {}) exceed 2^40",
                     ctx.op(), w[1], groups);
  if (ctx.has(2) && !ctx.expectShape(2, {m}))
    return false;
  std::vector<TransposeAxis> axes;
  std::string error;
  if (!resolveTranspose(ctx.node(), spatialDims(x), spatialDims(w), axes,
                        error))
    return ctx.error("{}", error);
  Shape out = {x[0], m};
  for (const TransposeAxis &a : axes)
    out.push_back(a.out);
  ctx.setOut(std::move(out));
  return true;
}

void interpretConvTranspose(const KernelCtx &ctx) {
  const Tensor &x = ctx.in(0), &w = ctx.in(1);
  const Tensor *b = ctx.has(2) ? &ctx.in(2) : nullptr;
  Tensor &y = ctx.out();
  Shape xs = spatialDims(x.shape), ks = spatialDims(w.shape);
  std::vector<TransposeAxis> axes;
  std::string error;
  [[maybe_unused]] bool ok = resolveTranspose(ctx.node, xs, ks, axes, error);
  assert(ok && "conv_transpose of a shape-inferred node does not resolve");
  ConvDims d = convDims(ctx);
  int64_t mg = d.m / d.groups, kSize = numElements(ks);
  auto filter = [&](int64_t m, int64_t c) {
    return w.ptr() + (c * mg + m % mg) * kSize;
  };
  int64_t pos = 0;
  forEachIndex(spatialDims(y.shape), [&](const std::vector<int64_t> &o) {
    convolveAt(d, x, b, flatTaps(transposeTapCoords(axes, o), xs), pos++, y,
               filter);
  });
}

} // namespace cnnc
