//===- LowerShape.cpp - flatten, reshape, transpose, concat, slice, ... ---===//
//
// Reshapes are views of their operand (no call) where the memory plan
// shares its buffer, else plain copies (row-major order is kept). Transpose,
// concat, split, slice and depth_to_space are strided copies: each is
// described (stridedCopies, compiler/LowerCommon.h) as an iteration space
// with an input and an output stride per axis, simplified here and handed
// to the strided_copy kernel (one call per concat operand or split result);
// one that reads along one axis and writes along another (a transpose to
// or from channels-last) goes to transpose_tiles instead.
//
//===----------------------------------------------------------------------===//
#include "compiler/LowerCommon.h"
#include "compiler/cpu/lower/LowerMisc.h"

#include <algorithm>
#include <optional>

namespace cnnc::cpu {

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

/// The transpose_tiles form of `s`, when one axis is contiguous in x and
/// another in y (positive strides), the rest at most one outer axis, and
/// both contiguous axes span at least a few elements.
std::optional<cnnk::TransposeTilesParams>
transposeTiles(const StridedSpace &s) {
  size_t r = s.shape.size();
  if (r < 2 || r > 3)
    return std::nullopt;
  std::optional<size_t> pa, qa;
  for (size_t i = 0; i < r; ++i) {
    if (s.strides[0][i] == 1 && s.strides[1][i] != 1)
      pa = i;
    if (s.strides[1][i] == 1 && s.strides[0][i] != 1)
      qa = i;
  }
  if (!pa || !qa)
    return std::nullopt;
  size_t outer = 3 - *pa - *qa; // the third axis when r == 3
  cnnk::TransposeTilesParams p = {};
  p.pLen = s.shape[*pa];
  p.qLen = s.shape[*qa];
  p.iq = s.strides[0][*qa];
  p.op = s.strides[1][*pa];
  if (p.pLen < 4 || p.qLen < 4 || p.iq <= 0 || p.op <= 0)
    return std::nullopt;
  p.outer = 1;
  if (r == 3) {
    p.outer = s.shape[outer];
    p.ib = s.strides[0][outer];
    p.ob = s.strides[1][outer];
  }
  int64_t t = cnnk::kTransposeTile;
  p.tiles = p.outer * ceilDiv(p.pLen, t) * ceilDiv(p.qLen, t);
  return p;
}

} // namespace

bool lowerStridedCopy(const Node &n, LowerCtx &ctx, const Value *x,
                      const Value *y, const Shape &shape,
                      const std::vector<int64_t> &inStride,
                      const std::vector<int64_t> &outStride, int64_t inOffset,
                      int64_t outOffset) {
  if (numElements(shape) == 0)
    return true;
  return lowerStridedCopy(n, ctx, ctx.buffer(x), ctx.buffer(y), shape,
                          inStride, outStride, inOffset, outOffset);
}

bool lowerStridedCopy(const Node &n, LowerCtx &ctx, Buffer from, Buffer to,
                      const Shape &shape,
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
  if (std::optional<cnnk::TransposeTilesParams> t = transposeTiles(s)) {
    t->inOffset = inOffset;
    t->outOffset = outOffset;
    int64_t side = cnnk::kTransposeTile;
    t->block = unitsPerTask(t->tiles, side * side);
    ctx.call<KernelId::TransposeTiles>(*t, {from, to},
                                       ceilDiv(t->tiles, t->block));
    return true;
  }
  preferLongRows(s);
  p.rank = int64_t(s.shape.size());
  std::copy(s.shape.begin(), s.shape.end(), p.shape);
  std::copy(s.strides[0].begin(), s.strides[0].end(), p.inStride);
  std::copy(s.strides[1].begin(), s.strides[1].end(), p.outStride);
  p.inOffset = inOffset;
  p.outOffset = outOffset;
  p.block = unitsPerTask(p.count, 1, 16);
  ctx.call<KernelId::StridedCopy>(p, {from, to}, ceilDiv(p.count, p.block));
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

/// The copies of stridedCopies(n), each with the strided_copy kernel; none
/// for a concat operand already in its slab of the result (MemoryPlan.h).
bool lowerStridedCopies(const Node &n, LowerCtx &ctx) {
  for (const StridedCopy &c : stridedCopies(n))
    if (!ctx.inSlabOf(c.x, c.y) &&
        !lowerStridedCopy(n, ctx, c.x, c.y, c.shape, c.inStride, c.outStride,
                          c.inOffset, c.outOffset))
      return false;
  return true;
}

} // namespace

// lower<Id> of transpose, concat, split, slice and depth_to_space:
// lowerStridedCopies.
CNNC_STRIDED_COPY_OPS(CNNC_LOWER_AS_STRIDED_COPIES)

bool lowerFlatten(const Node &n, LowerCtx &ctx) {
  return lowerReshapeCopy(n, ctx);
}

bool lowerReshape(const Node &n, LowerCtx &ctx) {
  return lowerReshapeCopy(n, ctx);
}

} // namespace cnnc::cpu
