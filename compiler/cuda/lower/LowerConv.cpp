//===- LowerConv.cpp - conv and conv_transpose for CUDA -------------------===//
//
// conv lowers to one of two kernels (compiler/cuda/kernels/conv.cuh), as
// the catalogue (cuda/Catalogue.cpp) chooses:
//   conv_depthwise  C/groups == 1 with several groups: one thread per
//                   output, the taps unrolled, weights as they are.
//   conv_igemm      everything else: implicit GEMM in shared-memory tiles
//                   (the node's gpu_tile or the GPU tile model's), weights
//                   packed [groups][K][M] padded to whole tiles: now when
//                   constant, else by a conv_pack launch into scratch.
// Both take every padding mode, 1 to 3 spatial axes, strides, dilations,
// pads and groups, and apply bias and the fused epilogue in registers.
//
// conv_transpose lowers to a gather-form kernel (conv_variants.cuh).
//
// Also the helpers of LowerConv.h.
//
//===----------------------------------------------------------------------===//
#include "compiler/cuda/lower/LowerConv.h"
#include "compiler/LowerCommon.h"
#include "compiler/cuda/Catalogue.h"

#include "ir/ops/SlidingWindow.h"

#include <algorithm>

namespace cnnc::cuda {

//===--- Shared helpers ---------------------------------------------------===//

PassTarget gpuTileTarget(const GpuTarget &t) {
  PassTarget p;
  p.device = PassTarget::Device::Cuda;
  p.gpuSharedBytes = t.sharedBytes;
  p.gpuMultiprocessors = t.multiprocessors;
  p.kernels = catalogue();
  return p;
}

KernelParams &geomParams(KernelParams &p, const ConvGeometry &g) {
  for (int a = 0; a < 3; ++a) {
    std::string s = std::to_string(a);
    p.i("in" + s, g.in[a]).i("out" + s, g.out[a]).i("k" + s, g.kernel[a]);
    p.i("s" + s, g.stride[a])
        .i("d" + s, g.dilation[a])
        .i("p" + s, g.padBegin[a]);
  }
  p.i("pad_mode", g.padMode).i("insz", g.inSize).i("outsz", g.outSize);
  return p.i("ksz", g.kSize);
}

bool gpuTileFor(const Node &n, bool useAttr, int64_t m, int64_t cols, int64_t k,
                int64_t batches, LowerCtx &ctx, GpuTile &out) {
  PassTarget target = gpuTileTarget(ctx.target());
  if (!useAttr || !n.hasAttr("gpu_tile")) {
    out = chooseGpuTile(m, cols, k, batches, target);
    return true;
  }
  std::vector<int64_t> v = n.getInts("gpu_tile");
  if (v.size() != 5) {
    ctx.diag().error(n.loc(),
                     "{}: gpu_tile needs 5 values [block_rows, block_cols, "
                     "depth, thread_rows, thread_cols], found {}",
                     n.info().name, v.size());
    return false;
  }
  out = gpuTileFromList(v);
  std::string error = gpuTileError(out, target);
  if (!error.empty()) {
    ctx.diag().error(n.loc(), "{}: gpu_tile [{}, {}, {}, {}, {}]: {}",
                     n.info().name, v[0], v[1], v[2], v[3], v[4], error);
    return false;
  }
  return true;
}

KernelParams &tileParams(KernelParams &p, const GpuTile &t) {
  return p.i("bm", t.blockRows)
      .i("bn", t.blockCols)
      .i("bk", t.depth)
      .i("tm", t.threadRows)
      .i("tn", t.threadCols);
}

Buffer bufferOr(LowerCtx &ctx, const Value *v, const Value *placeholder) {
  return ctx.buffer(v ? v : placeholder);
}

//===--- conv -------------------------------------------------------------===//

namespace {

/// The most blocks of a grid's y and z dimensions.
constexpr int64_t kMaxGridYZ = 65535;

/// Weights w [groups * mg][K] as conv_igemm reads them: [groups][kpad]
/// [mpad], zero past K and mg.
Buffer packConvWeights(LowerCtx &ctx, const Value *w, int64_t groups,
                       int64_t mg, int64_t k, int64_t kpad, int64_t mpad) {
  int64_t count = groups * kpad * mpad;
  if (const Tensor *t = ctx.constant(w)) {
    std::vector<float> packed(size_t(count), 0.0f);
    const float *src = t->ptr();
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t m = 0; m < mg; ++m)
        for (int64_t kk = 0; kk < k; ++kk)
          packed[size_t((g * kpad + kk) * mpad + m)] =
              src[(g * mg + m) * k + kk];
    return ctx.addWeights(packed);
  }
  Buffer dst =
      ctx.scratch(std::max<int64_t>(count, 1) * int64_t(sizeof(float)));
  KernelParams p;
  p.i("mg", mg).i("K", k).i("kpad", kpad).i("mpad", mpad);
  ctx.launchFlat("conv_pack", p, count, {ctx.buffer(w), dst});
  return dst;
}

} // namespace

bool lowerConv(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0), *w = n.operand(1), *b = n.operand("b");
  const Value *res = residualOf(n), *y = n.result();
  if (numElements(y->type().shape) == 0)
    return true;
  const Shape &xs = x->type().shape, &ws = w->type().shape;
  ConvGeometry g = convGeometry(n);
  int64_t batch = xs[0], channels = xs[1], outChannels = ws[0];
  int64_t groups = n.getInt("groups");
  int64_t cg = channels / groups, mg = outChannels / groups;
  double flops = 2.0 * double(batch) * double(outChannels) * double(g.outSize) *
                 double(cg) * double(g.kSize);
  KernelParams p;
  geomParams(p, g);
  p.i("batch", batch).i("C", channels).i("M", outChannels);
  p.i("has_bias", b != nullptr).epilogue(fusedEpilogue(n));
  std::vector<Buffer> bufs = {ctx.buffer(x), Buffer{}, bufferOr(ctx, b, x),
                              bufferOr(ctx, res, x), ctx.buffer(y)};
  if (Catalogue().convAlgorithm(n) == ConvAlgo::Depthwise) {
    p.i("mult", mg);
    bufs[1] = ctx.buffer(w);
    ctx.launchFlat("conv_depthwise", p, numElements(y->type().shape), bufs,
                   flops);
    return true;
  }
  int64_t k = cg * g.kSize, npix = batch * g.outSize;
  GpuTile t;
  if (!gpuTileFor(n, true, mg, npix, k, groups, ctx, t))
    return false;
  if (groups > kMaxGridYZ || ceilDiv(mg, t.blockRows) > kMaxGridYZ) {
    ctx.diag().error(n.loc(),
                     "conv: {} groups of {} output channels need a grid of "
                     "more than {} blocks in y or z",
                     groups, mg, kMaxGridYZ);
    return false;
  }
  int64_t kpad = roundUpTo(std::max<int64_t>(k, 1), t.depth);
  int64_t mpad = roundUpTo(mg, t.blockRows);
  bufs[1] = packConvWeights(ctx, w, groups, mg, k, kpad, mpad);
  p.i("groups", groups).i("cg", cg).i("mg", mg).i("K", k);
  p.i("kpad", kpad).i("mpad", mpad).i("npix", npix);
  tileParams(p, t);
  ctx.launch("conv_igemm", p,
             Dim3{ceilDiv(npix, t.blockCols), ceilDiv(mg, t.blockRows), groups},
             Dim3{t.threads(), 1, 1}, bufs, flops, gpuTileText(t));
  return true;
}

//===--- conv_transpose ---------------------------------------------------===//

bool lowerConvTranspose(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0), *w = n.operand(1), *b = n.operand("b");
  const Value *y = n.result();
  if (numElements(y->type().shape) == 0)
    return true;
  const Shape &xs = x->type().shape;
  std::optional<std::vector<WindowAxis>> axes =
      convTransposeWindow(n, ctx.diag());
  if (!axes)
    return false;
  ConvGeometry g = convGeometry(*axes);
  int64_t channels = xs[1], outChannels = y->type().shape[1];
  int64_t groups = n.getInt("groups");
  KernelParams p;
  geomParams(p, g);
  p.i("C", channels).i("M", outChannels);
  p.i("cg", channels / groups).i("mg", outChannels / groups);
  p.i("has_bias", b != nullptr);
  double flops = 2.0 * double(xs[0]) * double(channels) * double(g.inSize) *
                 double(outChannels / groups) * double(g.kSize);
  ctx.launchFlat(
      "conv_transpose", p, numElements(y->type().shape),
      {ctx.buffer(x), ctx.buffer(w), bufferOr(ctx, b, x), ctx.buffer(y)},
      flops);
  return true;
}

} // namespace cnnc::cuda
