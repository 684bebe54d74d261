//===- LowerSlice.cpp - pad -----------------------------------------------===//
//
// pad lowers to the pad kernel (reflect and edge read x's mirrored or
// clamped index; constant writes the value). slice is a strided copy and
// lowers with the others in LowerShape.cpp.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/lower/LowerMisc.h"

namespace cnnc::cpu {

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
