//===- ConvVariantOps.cpp - Unshared, tiled and deformable convolutions ---===//
//
// Shape functions and reference kernels of the 2D convolutions whose
// weights vary with the output position or whose taps move. All pad with
// zeros and take stride, dilation and pads (no auto_pad).
//
//   locally_connected  x [N,C,H,W], w [OH,OW,M,C,KH,KW], b [M,OH,OW]:
//                      y[n,m,oh,ow] = b[m,oh,ow] + sum_{c,i,j}
//                        w[oh,ow,m,c,i,j] * x[n,c,oh*sh-pt+i*dh,ow*sw-pl+j*dw]
//   tiled_conv         w [TH,TW,M,C,KH,KW], b [M]: the same with the
//                      weights w[oh%TH,ow%TW] and the bias b[m].
//   deform_conv        torchvision.ops.deform_conv2d without mask: tap
//                      (i,j) of channel c reads x bilinearly at
//                      (oh*sh-pt+i*dh+dy, ow*sw-pl+j*dw+dx), where (dy,dx)
//                      is offset[n, g*2*KH*KW + 2*(i*KW+j) + {0,1}, oh, ow]
//                      for c's offset group g; then a grouped conv.
//
//===----------------------------------------------------------------------===//
#include "ir/Interpreter.h"
#include "ir/ShapeInference.h"
#include "ir/ops/SlidingWindow.h"

#include <cmath>
#include <limits>

namespace cnnc {

namespace {

WindowOptions variantOptions() {
  WindowOptions o;
  o.hasAutoPad = false;
  return o;
}

//===--- locally_connected and tiled_conv ---------------------------------===//

/// Shape function of locally_connected (`tiled` false) and tiled_conv.
bool inferUnsharedConv(ShapeCtx &ctx, bool tiled) {
  if (!ctx.expectRank(0, 4) || !ctx.expectRank(1, 6))
    return false;
  const Shape &x = ctx.in(0), &w = ctx.in(1);
  if (w[3] != x[1])
    return ctx.error("{} expects filter channels ({}) to equal input "
                     "channels ({})",
                     ctx.op(), w[3], x[1]);
  if (tiled && (w[0] < 1 || w[1] < 1))
    return ctx.error("{} expects tile sizes (w dimensions 0 and 1) >= 1, "
                     "found {}x{}",
                     ctx.op(), w[0], w[1]);
  std::vector<WindowAxis> axes;
  if (!resolveWindowChecked(ctx, spatialDims(x), {w[4], w[5]}, variantOptions(),
                            axes))
    return false;
  int64_t oh = axes[0].out, ow = axes[1].out;
  if (!tiled && (w[0] != oh || w[1] != ow))
    return ctx.error("{} expects filter positions (w dimensions 0 and 1: "
                     "{}x{}) to equal the output size ({}x{})",
                     ctx.op(), w[0], w[1], oh, ow);
  Shape bias = tiled ? Shape{w[2]} : Shape{w[2], oh, ow};
  if (ctx.has(2) && !ctx.expectShape(2, bias))
    return false;
  ctx.setOut({x[0], w[2], oh, ow});
  return true;
}

/// Reference kernel of locally_connected (`tiled` false) and tiled_conv.
void interpretUnsharedConv(const KernelCtx &ctx, bool tiled) {
  const Tensor &x = ctx.in(0), &w = ctx.in(1);
  const Tensor *b = ctx.has(2) ? &ctx.in(2) : nullptr;
  Tensor &y = ctx.out();
  Shape xs = spatialDims(x.shape);
  std::vector<WindowAxis> axes =
      kernelWindow(ctx.node, xs, {w.dim(4), w.dim(5)}, variantOptions());
  int64_t n = x.dim(0), c = x.dim(1), m = w.dim(2);
  int64_t oh = y.dim(2), ow = y.dim(3), outSize = oh * ow;
  int64_t inSize = numElements(xs), kSize = w.dim(4) * w.dim(5);
  forEachIndex({oh, ow}, [&](const std::vector<int64_t> &o) {
    std::vector<std::vector<int64_t>> coords = tapCoords(axes, o);
    clipToInput(coords, xs);
    std::vector<int64_t> taps = flatTaps(coords, xs);
    int64_t pos = o[0] * ow + o[1];
    int64_t wpos = tiled ? (o[0] % w.dim(0)) * w.dim(1) + o[1] % w.dim(1) : pos;
    for (int64_t in = 0; in < n; ++in)
      for (int64_t im = 0; im < m; ++im) {
        double acc = 0;
        if (b)
          acc = b->data[size_t(tiled ? im : im * outSize + pos)];
        for (int64_t ic = 0; ic < c; ++ic) {
          const float *xc = x.ptr() + (in * c + ic) * inSize;
          const float *wk = w.ptr() + ((wpos * m + im) * c + ic) * kSize;
          for (size_t k = 0; k < taps.size(); ++k)
            if (taps[k] >= 0)
              acc += double(wk[k]) * double(xc[taps[k]]);
        }
        y.data[size_t((in * m + im) * outSize + pos)] = float(acc);
      }
  });
}

//===--- deform_conv ------------------------------------------------------===//

/// Bilinear sample of the h x w plane `p` at (y, x) as torchvision's
/// deform_conv2d: 0 outside (-1, h) x (-1, w); corners outside the plane
/// count as 0.
double bilinear(const float *p, int64_t h, int64_t w, double y, double x) {
  if (std::isnan(y) || std::isnan(x))
    return std::numeric_limits<double>::quiet_NaN();
  if (y <= -1 || y >= double(h) || x <= -1 || x >= double(w))
    return 0;
  int64_t y0 = int64_t(std::floor(y)), x0 = int64_t(std::floor(x));
  double ly = y - double(y0), lx = x - double(x0);
  auto at = [&](int64_t i, int64_t j) -> double {
    return i >= 0 && i < h && j >= 0 && j < w ? double(p[i * w + j]) : 0.0;
  };
  return (1 - ly) * (1 - lx) * at(y0, x0) + (1 - ly) * lx * at(y0, x0 + 1) +
         ly * (1 - lx) * at(y0 + 1, x0) + ly * lx * at(y0 + 1, x0 + 1);
}

/// Sizes of a deformable convolution.
struct DeformDims {
  int64_t c, h, w, m, kh, kw, oh, ow, groups, offsetGroups;
};

/// The sizes of a deform_conv node's kernel context.
DeformDims deformDims(const KernelCtx &ctx) {
  const Tensor &x = ctx.in(0), &w = ctx.in(2), &y = ctx.out();
  DeformDims d;
  d.c = x.dim(1);
  d.h = x.dim(2);
  d.w = x.dim(3);
  d.m = w.dim(0);
  d.kh = w.dim(2);
  d.kw = w.dim(3);
  d.oh = y.dim(2);
  d.ow = y.dim(3);
  d.groups = ctx.node.getInt("groups");
  d.offsetGroups = ctx.node.getInt("offset_groups");
  return d;
}

/// The sampled input of output position (n, oy, ox): one value per input
/// channel and kernel tap, [C, KH*KW].
std::vector<double> deformSamples(const DeformDims &d,
                                  const std::vector<WindowAxis> &axes,
                                  const Tensor &x, const Tensor &offset,
                                  int64_t n, int64_t oy, int64_t ox) {
  int64_t taps = d.kh * d.kw, perGroup = d.c / d.offsetGroups;
  int64_t plane = d.oh * d.ow, at = oy * d.ow + ox;
  const float *off = offset.ptr() + n * offset.dim(1) * plane;
  std::vector<double> cols(size_t(d.c * taps));
  for (int64_t c = 0; c < d.c; ++c) {
    const float *xc = x.ptr() + (n * d.c + c) * d.h * d.w;
    int64_t base = (c / perGroup) * 2 * taps;
    for (int64_t i = 0; i < d.kh; ++i)
      for (int64_t j = 0; j < d.kw; ++j) {
        int64_t k = i * d.kw + j;
        double dy = off[(base + 2 * k) * plane + at];
        double dx = off[(base + 2 * k + 1) * plane + at];
        int64_t y0 = oy * axes[0].stride - axes[0].padBegin;
        int64_t x0 = ox * axes[1].stride - axes[1].padBegin;
        double sy = double(y0 + i * axes[0].dilation) + dy;
        double sx = double(x0 + j * axes[1].dilation) + dx;
        cols[size_t(c * taps + k)] = bilinear(xc, d.h, d.w, sy, sx);
      }
  }
  return cols;
}

} // namespace

bool inferLocallyConnected(ShapeCtx &ctx) {
  return inferUnsharedConv(ctx, false);
}

void interpretLocallyConnected(const KernelCtx &ctx) {
  interpretUnsharedConv(ctx, false);
}

bool inferTiledConv(ShapeCtx &ctx) { return inferUnsharedConv(ctx, true); }

void interpretTiledConv(const KernelCtx &ctx) {
  interpretUnsharedConv(ctx, true);
}

bool inferDeformConv(ShapeCtx &ctx) {
  if (!ctx.expectRank(0, 4) || !ctx.expectRank(1, 4) || !ctx.expectRank(2, 4))
    return false;
  const Shape &x = ctx.in(0), &w = ctx.in(2);
  if (!checkConvGroups(ctx, x[1], w[0], w[1], ctx.node().getInt("groups")))
    return false;
  int64_t og = ctx.node().getInt("offset_groups");
  if (og < 1)
    return ctx.error("{} expects offset_groups >= 1, found {}", ctx.op(), og);
  if (x[1] % og != 0)
    return ctx.error("{} expects input channels ({}) to be divisible by "
                     "offset_groups ({})",
                     ctx.op(), x[1], og);
  if (ctx.has(3) && !ctx.expectShape(3, {w[0]}))
    return false;
  std::vector<WindowAxis> axes;
  if (!resolveWindowChecked(ctx, spatialDims(x), spatialDims(w),
                            variantOptions(), axes))
    return false;
  std::optional<int64_t> offCh = checkedNumElements({2, og, w[2], w[3]});
  if (!offCh)
    return ctx.error("{} offset channels (2 * {} * {} * {}) exceed 2^40",
                     ctx.op(), og, w[2], w[3]);
  if (!ctx.expectShape(1, {x[0], *offCh, axes[0].out, axes[1].out}))
    return false;
  ctx.setOut({x[0], w[0], axes[0].out, axes[1].out});
  return true;
}

void interpretDeformConv(const KernelCtx &ctx) {
  const Tensor &x = ctx.in(0), &offset = ctx.in(1), &w = ctx.in(2);
  const Tensor *b = ctx.has(3) ? &ctx.in(3) : nullptr;
  Tensor &y = ctx.out();
  DeformDims d = deformDims(ctx);
  std::vector<WindowAxis> axes = kernelWindow(ctx.node, spatialDims(x.shape),
                                              {d.kh, d.kw}, variantOptions());
  int64_t taps = d.kh * d.kw, cg = d.c / d.groups, mg = d.m / d.groups;
  for (int64_t n = 0; n < x.dim(0); ++n)
    forEachIndex({d.oh, d.ow}, [&](const std::vector<int64_t> &o) {
      std::vector<double> cols =
          deformSamples(d, axes, x, offset, n, o[0], o[1]);
      for (int64_t m = 0; m < d.m; ++m) {
        double acc = b ? double(b->data[size_t(m)]) : 0.0;
        int64_t g = m / mg;
        for (int64_t c = g * cg; c < (g + 1) * cg; ++c)
          for (int64_t k = 0; k < taps; ++k)
            acc += double(w.data[size_t((m * cg + c - g * cg) * taps + k)]) *
                   cols[size_t(c * taps + k)];
        y.data[size_t(((n * d.m + m) * d.oh + o[0]) * d.ow + o[1])] =
            float(acc);
      }
    });
}

} // namespace cnnc
