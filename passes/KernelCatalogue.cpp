//===- KernelCatalogue.cpp - What a backend's kernels accept --------------===//
#include "passes/KernelCatalogue.h"

#include "ir/ops/SlidingWindow.h"

#include <algorithm>

namespace cnnc {

KernelCatalogue::~KernelCatalogue() = default;

std::string_view convAlgoName(ConvAlgo a) {
  switch (a) {
  case ConvAlgo::AsGemm:
    return "gemm";
  case ConvAlgo::ImplicitGemm:
    return "implicit_gemm";
  case ConvAlgo::Depthwise:
    return "depthwise";
  case ConvAlgo::Blocked:
    return "blocked";
  case ConvAlgo::BlockedPadded:
    return "blocked_padded";
  case ConvAlgo::DepthwiseBlocked:
    return "depthwise_blocked";
  case ConvAlgo::Winograd:
    return "winograd";
  }
  return "?";
}

bool isPointwiseConv(const Node &conv) {
  const Value *x = conv.operand(0u), *w = conv.operand(1u);
  const Value *b = conv.operand("b"), *res = conv.operand("res");
  const Shape &xs = x->type().shape, &ws = w->type().shape;
  if (xs.size() < 3 || xs.size() > 5 || xs[0] != 1 ||
      conv.getInt("groups") != 1 || !isConst(w) || (b && !isConst(b)))
    return false;
  if (!isPlain(x) || !isPlain(w) || !isPlain(b) || !isPlain(res) ||
      !isPlain(conv.result()))
    return false;
  Shape kernel = spatialDims(ws);
  if (std::any_of(kernel.begin(), kernel.end(),
                  [](int64_t k) { return k != 1; }))
    return false;
  std::vector<WindowAxis> axes;
  std::string error;
  if (!resolveWindow(conv, spatialDims(xs), kernel, WindowOptions{}, axes,
                     error))
    return false;
  return std::all_of(axes.begin(), axes.end(), [](const WindowAxis &a) {
    return a.stride == 1 && a.padBegin == 0 && a.padEnd == 0;
  });
}

} // namespace cnnc
