//===- LowerPool.cpp - CUDA max_pool and avg_pool -------------------------===//
//
// The window is resolved as the interpreter and the CPU backend resolve it
// (cpu::poolWindow over ir/Window.h: stride, pads, auto_pad, dilation,
// ceil_mode), then right-aligned on three spatial axes (D, H, W) by
// cpu::setWindow3 for the `pool` template (compiler/cuda/kernels/pool.cuh):
// a 1D or 2D window gets leading axes of size, kernel and stride 1. One
// thread per output element. The global pools are reductions and lower in
// LowerNorm.cpp.
//
//===----------------------------------------------------------------------===//
#include "compiler/cuda/lower/LowerMisc.h"

namespace cnnc::cuda {

namespace {

bool lowerPool(const Node &n, LowerCtx &ctx, bool isMax) {
  const Value *x = n.operand(0), *y = n.result();
  std::vector<WindowAxis> axes = poolWindow(n);
  if (axes.empty() || axes.size() > 3) {
    ctx.diag().error(n.loc(),
                     "{}: the cuda backend pools over 1 to 3 spatial axes, "
                     "found {}",
                     n.info().name, axes.size());
    return false;
  }
  // The window right-aligned on (D, H, W), as the CPU kernels take it.
  struct {
    int64_t in[3], out[3], kernel[3], stride[3], dilation[3], padBegin[3],
        padEnd[3];
  } w;
  setWindow3(axes, w);
  auto list = [](const int64_t(&v)[3]) {
    return std::vector<int64_t>(v, v + 3);
  };
  int64_t taps = w.kernel[0] * w.kernel[1] * w.kernel[2];
  KernelParams p;
  p.i("is_max", isMax);
  p.i("cip", isMax ? 0 : n.getInt("count_include_pad") != 0);
  p.ints("in", list(w.in)).ints("out", list(w.out));
  p.ints("kernel", list(w.kernel)).ints("stride", list(w.stride));
  p.ints("dil", list(w.dilation)).ints("pb", list(w.padBegin));
  p.ints("pe", list(w.padEnd));
  int64_t count = numElements(y->type().shape);
  ctx.launchFlat("pool", p, count, {ctx.buffer(x), ctx.buffer(y)},
                 double(count) * double(taps));
  return true;
}

} // namespace

bool lowerMaxPool(const Node &n, LowerCtx &ctx) {
  return lowerPool(n, ctx, true);
}

bool lowerAvgPool(const Node &n, LowerCtx &ctx) {
  return lowerPool(n, ctx, false);
}

} // namespace cnnc::cuda
