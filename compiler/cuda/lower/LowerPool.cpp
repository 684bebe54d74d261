//===- LowerPool.cpp - CUDA max_pool and avg_pool -------------------------===//
//
// The window is resolved as the interpreter and the CPU backend resolve it
// (cpu::poolWindow over ir/Window.h: stride, pads, auto_pad, dilation,
// ceil_mode), then right-aligned on three spatial axes (D, H, W) for the
// `pool` template (compiler/cuda/kernels/pool.cuh): a 1D or 2D window gets
// leading axes of size, kernel and stride 1. One thread per output
// element. The global pools are reductions and lower in LowerNorm.cpp.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/lower/LowerMisc.h"
#include "compiler/cuda/lower/LowerMisc.h"

namespace cnnc::cuda {

namespace {

bool lowerPool(const Node &n, LowerCtx &ctx, bool isMax) {
  const Value *x = n.operand(0), *y = n.result();
  std::vector<WindowAxis> axes = cpu::poolWindow(n, isMax);
  if (axes.empty() || axes.size() > 3) {
    ctx.diag().error(n.loc(),
                     "{}: the cuda backend pools over 1 to 3 spatial axes, "
                     "found {}",
                     n.info().name, axes.size());
    return false;
  }
  std::vector<int64_t> in(3, 1), out(3, 1), kernel(3, 1), stride(3, 1),
      dil(3, 1), pb(3, 0), pe(3, 0);
  size_t lead = 3 - axes.size();
  int64_t taps = 1;
  for (size_t i = 0; i < axes.size(); ++i) {
    const WindowAxis &a = axes[i];
    in[lead + i] = a.in;
    out[lead + i] = a.out;
    kernel[lead + i] = a.kernel;
    stride[lead + i] = a.stride;
    dil[lead + i] = a.dilation;
    pb[lead + i] = a.padBegin;
    pe[lead + i] = a.padEnd;
    taps *= a.kernel;
  }
  KernelParams p;
  p.i("is_max", isMax);
  p.i("cip", isMax ? 0 : n.getInt("count_include_pad") != 0);
  p.ints("in", in).ints("out", out).ints("kernel", kernel);
  p.ints("stride", stride).ints("dil", dil).ints("pb", pb).ints("pe", pe);
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
