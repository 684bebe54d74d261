//===- LowerShape.cpp - flatten, reshape, transpose, concat, split, ... ---===//
//
// Reshapes are views of their operand (no call) where the memory plan
// shares its buffer, else plain copies (row-major order is kept). Transpose,
// concat, split and depth_to_space are strided copies: each is described as an
// iteration space with an input and an output stride per axis, simplified,
// and handed to the strided_copy kernel (one call per concat operand or
// split result).
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/lower/LowerMisc.h"

#include <algorithm>

namespace cnnc::cpu {

StridedSpace simplifySpace(const Shape &shape, const std::vector<int64_t> &s0,
                           const std::vector<int64_t> &s1) {
  StridedSpace s;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1)
      continue;
    // Axis i continues the previous (outer) axis when, for both lists, one
    // step there is a whole run of axis i.
    if (!s.shape.empty() && s.strides[0].back() == s0[i] * shape[i] &&
        s.strides[1].back() == s1[i] * shape[i]) {
      s.shape.back() *= shape[i];
      s.strides[0].back() = s0[i];
      s.strides[1].back() = s1[i];
      continue;
    }
    s.shape.push_back(shape[i]);
    s.strides[0].push_back(s0[i]);
    s.strides[1].push_back(s1[i]);
  }
  if (s.shape.empty()) {
    s.shape.push_back(1);
    s.strides[0].push_back(0);
    s.strides[1].push_back(0);
  }
  return s;
}

namespace {

/// Moves a long axis that one side traverses contiguously to the innermost
/// place when the innermost axis is short (depth_to_space's block axis), so
/// the kernel copies long rows; a copy may visit its elements in any order.
void preferLongRows(StridedSpace &s) {
  size_t last = s.shape.size() - 1, best = last;
  if (s.shape[last] >= 16)
    return;
  for (size_t i = 0; i < last; ++i)
    if ((s.strides[0][i] == 1 || s.strides[1][i] == 1) &&
        s.shape[i] > s.shape[best])
      best = i;
  if (best == last)
    return;
  auto rotate = [&](std::vector<int64_t> &v) {
    std::rotate(v.begin() + std::ptrdiff_t(best),
                v.begin() + std::ptrdiff_t(best) + 1, v.end());
  };
  rotate(s.shape);
  rotate(s.strides[0]);
  rotate(s.strides[1]);
}

} // namespace

bool lowerStridedCopy(const Node &n, LowerCtx &ctx, const Value *x,
                      const Value *y, const Shape &shape,
                      const std::vector<int64_t> &inStride,
                      const std::vector<int64_t> &outStride, int64_t inOffset,
                      int64_t outOffset) {
  cnnk::StridedCopyParams p = {};
  p.count = numElements(shape);
  if (p.count == 0)
    return true;
  StridedSpace s = simplifySpace(shape, inStride, outStride);
  if (s.shape.size() > size_t(cnnk::kMaxRank)) {
    ctx.diag().error(n.loc(),
                     "{} over {} axes is not supported by the cpu backend "
                     "(at most {} after merging axes)",
                     n.info().name, s.shape.size(), cnnk::kMaxRank);
    return false;
  }
  preferLongRows(s);
  p.rank = int64_t(s.shape.size());
  std::copy(s.shape.begin(), s.shape.end(), p.shape);
  std::copy(s.strides[0].begin(), s.strides[0].end(), p.inStride);
  std::copy(s.strides[1].begin(), s.strides[1].end(), p.outStride);
  p.inOffset = inOffset;
  p.outOffset = outOffset;
  p.block = unitsPerTask(p.count, 1, 16);
  ctx.call<KernelId::StridedCopy>(p, {ctx.buffer(x), ctx.buffer(y)},
                                  ceilDiv(p.count, p.block));
  return true;
}

namespace {

/// A plain copy, skipped for an empty tensor and for a view (lowerCopy
/// emits nothing when x and y share a buffer).
bool lowerReshapeCopy(const Node &n, LowerCtx &ctx) {
  if (numElementsOf(n.result()) != 0)
    lowerCopy(n.operand(0), n.result(), ctx);
  return true;
}

/// The axis attribute `name` of `n`, normalised for rank `rank`.
int64_t axisAttr(const Node &n, std::string_view name, int64_t rank) {
  int64_t axis = n.getInt(name);
  return axis < 0 ? axis + rank : axis;
}

} // namespace

bool lowerFlatten(const Node &n, LowerCtx &ctx) {
  return lowerReshapeCopy(n, ctx);
}

bool lowerReshape(const Node &n, LowerCtx &ctx) {
  return lowerReshapeCopy(n, ctx);
}

/// Iterates over y in its order, reading x through the permuted strides.
bool lowerTranspose(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0), *y = n.result();
  const Shape &xs = x->type().shape, &ys = y->type().shape;
  std::vector<int64_t> perm = n.getInts("perm");
  if (perm.empty())
    for (size_t i = xs.size(); i-- > 0;)
      perm.push_back(int64_t(i));
  std::vector<int64_t> xStride = stridesOf(xs), inStride;
  for (int64_t p : perm)
    inStride.push_back(xStride[size_t(p)]);
  return lowerStridedCopy(n, ctx, x, y, ys, inStride, stridesOf(ys), 0, 0);
}

/// One copy per operand, into its slab of y along the axis.
bool lowerConcat(const Node &n, LowerCtx &ctx) {
  const Value *y = n.result();
  const Shape &ys = y->type().shape;
  size_t axis = size_t(axisAttr(n, "axis", int64_t(ys.size())));
  std::vector<int64_t> yStride = stridesOf(ys);
  int64_t offset = 0;
  for (const Value *x : n.operands()) {
    const Shape &xs = x->type().shape;
    if (!lowerStridedCopy(n, ctx, x, y, xs, stridesOf(xs), yStride, 0,
                          offset * yStride[axis]))
      return false;
    offset += xs[axis];
  }
  return true;
}

/// One copy per result, from its slab of x along the axis.
bool lowerSplit(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0);
  const Shape &xs = x->type().shape;
  size_t axis = size_t(axisAttr(n, "axis", int64_t(xs.size())));
  std::vector<int64_t> xStride = stridesOf(xs);
  int64_t offset = 0;
  for (const Value *y : n.results()) {
    const Shape &ys = y->type().shape;
    if (!lowerStridedCopy(n, ctx, x, y, ys, xStride, stridesOf(ys),
                          offset * xStride[axis], 0))
      return false;
    offset += ys[axis];
  }
  return true;
}

/// y [N,C,H*b,W*b] as [N,C,H,b,W,b] (i, j the block offsets) reads x viewed
/// as [N,b,b,C,H,W] (dcr) or [N,C,b,b,H,W] (crd).
bool lowerDepthToSpace(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0), *y = n.result();
  const Shape &xs = x->type().shape;
  int64_t b = n.getInt("blocksize");
  int64_t c = xs[1] / (b * b), h = xs[2], w = xs[3];
  Shape space = {xs[0], c, h, b, w, b};
  int64_t hw = h * w;
  std::vector<int64_t> inStride =
      n.getEnum("mode") == "dcr"
          ? std::vector<int64_t>{xs[1] * hw, hw, w, b * c * hw, 1, c * hw}
          : std::vector<int64_t>{xs[1] * hw, b * b * hw, w, b * hw, 1, hw};
  return lowerStridedCopy(n, ctx, x, y, space, inStride, stridesOf(space), 0,
                          0);
}

} // namespace cnnc::cpu
