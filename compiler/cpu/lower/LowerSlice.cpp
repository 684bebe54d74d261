//===- LowerSlice.cpp - slice and pad -------------------------------------===//
//
// slice is a strided copy: each axis is resolved (ONNX clamping, as in
// ir/ops/SliceOps.cpp) to a start and a step, which become an offset and a
// (possibly negative) input stride. pad lowers to the pad kernel.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/lower/LowerMisc.h"

#include <algorithm>

namespace cnnc::cpu {

namespace {

/// The start and step of one sliced axis of size n, clamped as ONNX says
/// (shape inference already checked the attributes).
struct SliceAxis {
  int64_t start = 0;
  int64_t step = 1;
};

SliceAxis resolveSliceAxis(int64_t start, int64_t step, int64_t n) {
  if (start < 0)
    start += n;
  start = step > 0 ? std::clamp<int64_t>(start, 0, n)
                   : std::clamp<int64_t>(start, 0, n - 1);
  return {start, step};
}

} // namespace

bool lowerSlice(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0), *y = n.result();
  const Shape &xs = x->type().shape;
  int64_t rank = int64_t(xs.size());
  const std::vector<int64_t> &starts = n.getInts("starts");
  std::vector<int64_t> axes = n.getInts("axes");
  std::vector<int64_t> steps = n.getInts("steps");
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(int64_t(i));
  if (steps.empty())
    steps.assign(starts.size(), 1);
  std::vector<int64_t> xStride = stridesOf(xs), inStride = xStride;
  int64_t offset = 0;
  for (size_t i = 0; i < starts.size(); ++i) {
    size_t a = size_t(axes[i] < 0 ? axes[i] + rank : axes[i]);
    SliceAxis s = resolveSliceAxis(starts[i], steps[i], xs[a]);
    offset += s.start * xStride[a];
    inStride[a] = s.step * xStride[a];
  }
  // An empty result has nothing to copy (and its start may lie past x).
  if (numElementsOf(y) == 0)
    return true;
  const Shape &ys = y->type().shape;
  return lowerStridedCopy(n, ctx, x, y, ys, inStride, stridesOf(ys), offset, 0);
}

bool lowerPad(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0), *y = n.result();
  const Shape &xs = x->type().shape, &ys = y->type().shape;
  if (numElements(ys) == 0)
    return true;
  if (xs.empty()) {
    lowerCopy(x, y, ctx);
    return true;
  }
  if (xs.size() > size_t(cnnk::kMaxRank)) {
    ctx.diag().error(n.loc(),
                     "pad of rank {} is not supported by the cpu backend "
                     "(at most {})",
                     xs.size(), cnnk::kMaxRank);
    return false;
  }
  const std::vector<int64_t> &pads = n.getInts("pads");
  const std::string &mode = n.getEnum("mode");
  cnnk::PadParams p = {};
  p.rank = int64_t(xs.size());
  for (size_t d = 0; d < xs.size(); ++d) {
    p.inShape[d] = xs[d];
    p.outShape[d] = ys[d];
    p.padBegin[d] = pads[d];
  }
  p.mode = mode == "reflect" ? cnnk::kPadReflect
           : mode == "edge"  ? cnnk::kPadEdge
                             : cnnk::kPadConstant;
  p.value = n.getFloat("value");
  p.rows = numElements(ys) / ys.back();
  p.block = unitsPerTask(p.rows, ys.back());
  ctx.call<KernelId::Pad>(p, {ctx.buffer(x), ctx.buffer(y)},
                          ceilDiv(p.rows, p.block), 0);
  return true;
}

} // namespace cnnc::cpu
