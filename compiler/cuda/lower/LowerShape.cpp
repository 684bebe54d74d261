//===- LowerShape.cpp - CUDA data movement: views, copies, pad ------------===//
//
// const has no launch (its data is placed in the weights where it is
// used). flatten, reshape, identity and dropout are views: nothing where
// the memory plan gives the result its operand's buffer, else a plain copy
// (row-major order is kept). transpose, concat, split, slice,
// depth_to_space and relayout are strided copies (the `strided_copy`
// template of compiler/cuda/kernels/shape.cuh): each is an iteration space
// with an input and an output element stride per axis (the first five
// described for both backends by stridedCopies, compiler/LowerCommon.h),
// simplified as the CPU backend simplifies it, with the sizes and strides
// as constants; one that swaps an x-contiguous axis with the y-contiguous
// one (a real transpose) goes through shared-memory tiles instead
// (`transpose_tiled`).
// pad lowers to the `pad` template.
//
//===----------------------------------------------------------------------===//
#include "compiler/LowerCommon.h"
#include "compiler/cuda/lower/LowerMisc.h"

#include <algorithm>

namespace cnnc::cuda {

namespace {

/// Both transposed axes must span at least this much for tiles to pay.
constexpr int64_t kMinTiledExtent = 16;

/// The simplified copy `s` as a `transpose_tiled` launch when its
/// innermost axis L (contiguous in y) is strided in x and another axis J
/// is contiguous in x; false (nothing appended) otherwise.
bool lowerTransposeTiled(LowerCtx &ctx, Buffer x, Buffer y,
                         const StridedSpace &s, int64_t inOffset,
                         int64_t outOffset) {
  size_t rank = s.shape.size(), l = rank - 1, j = rank;
  if (rank < 2 || s.strides[1][l] != 1 || s.strides[0][l] == 1 ||
      s.shape[l] < kMinTiledExtent)
    return false;
  for (size_t d = 0; d < l; ++d)
    if (s.strides[0][d] == 1 && s.shape[d] >= kMinTiledExtent)
      j = d;
  if (j == rank)
    return false;
  std::vector<int64_t> bshape, bis, bos;
  for (size_t d = 0; d < l; ++d)
    if (d != j) {
      bshape.push_back(s.shape[d]);
      bis.push_back(s.strides[0][d]);
      bos.push_back(s.strides[1][d]);
    }
  if (bshape.empty()) {
    bshape.push_back(1);
    bis.push_back(0);
    bos.push_back(0);
  }
  int64_t tilesJ = ceilDiv(s.shape[j], 32), tilesL = ceilDiv(s.shape[l], 32);
  KernelParams p;
  p.ints("bshape", bshape).ints("bis", bis).ints("bos", bos);
  p.i("nJ", s.shape[j]).i("nL", s.shape[l]);
  p.i("isJ", s.strides[0][j]).i("osJ", s.strides[1][j]);
  p.i("isL", s.strides[0][l]).i("osL", s.strides[1][l]);
  p.i("tilesJ", tilesJ).i("tilesL", tilesL);
  p.i("in_off", inOffset).i("out_off", outOffset);
  int64_t blocks = numElements(bshape) * tilesJ * tilesL;
  ctx.launch("transpose_tiled", p, Dim3{blocks, 1, 1}, Dim3{32, 8, 1}, {x, y},
             0, "32x32 tiles");
  return true;
}

} // namespace

void lowerStridedCopy(LowerCtx &ctx, Buffer x, Buffer y, const Shape &shape,
                      const std::vector<int64_t> &inStride,
                      const std::vector<int64_t> &outStride, int64_t inOffset,
                      int64_t outOffset) {
  int64_t count = numElements(shape);
  if (count == 0)
    return;
  StridedSpace s = simplifySpace(shape, inStride, outStride);
  if (lowerTransposeTiled(ctx, x, y, s, inOffset, outOffset))
    return;
  KernelParams p;
  p.ints("shape", s.shape).ints("is", s.strides[0]).ints("os", s.strides[1]);
  p.i("in_off", inOffset).i("out_off", outOffset);
  ctx.launchFlat("strided_copy", p, count, {x, y});
}

namespace {

/// The buffers' copy of a view's operand: nothing when they share one.
bool lowerView(const Node &n, LowerCtx &ctx) {
  lowerCopy(ctx.buffer(n.operand(0)), ctx.buffer(n.result()),
            numElements(n.result()->type().shape), ctx);
  return true;
}

/// The copies of stridedCopies(n), each a strided_copy (or transpose_tiled)
/// launch; none for a concat operand already in its slab of the result.
bool lowerStridedCopies(const Node &n, LowerCtx &ctx) {
  for (const StridedCopy &c : stridedCopies(n))
    if (!ctx.inSlabOf(c.x, c.y))
      lowerStridedCopy(ctx, ctx.buffer(c.x), ctx.buffer(c.y), c.shape,
                       c.inStride, c.outStride, c.inOffset, c.outOffset);
  return true;
}

} // namespace

bool lowerConst(const Node &n, LowerCtx &ctx) {
  // Materialise now so a bad weights file is reported at the const.
  return ctx.constant(n.result()) != nullptr;
}

bool lowerFlatten(const Node &n, LowerCtx &ctx) { return lowerView(n, ctx); }
bool lowerReshape(const Node &n, LowerCtx &ctx) { return lowerView(n, ctx); }
bool lowerIdentity(const Node &n, LowerCtx &ctx) { return lowerView(n, ctx); }
bool lowerDropout(const Node &n, LowerCtx &ctx) { return lowerView(n, ctx); }

// lower<Id> of transpose, concat, split, slice and depth_to_space:
// lowerStridedCopies.
CNNC_STRIDED_COPY_OPS(CNNC_LOWER_AS_STRIDED_COPIES)

bool lowerPad(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0), *y = n.result();
  const Shape &xs = x->type().shape, &ys = y->type().shape;
  if (xs.empty())
    return lowerView(n, ctx);
  const std::vector<int64_t> &pads = n.getInts("pads");
  const std::string &mode = n.getEnum("mode");
  KernelParams p;
  p.ints("xdim", xs).ints("ydim", ys);
  p.ints("pb", std::vector<int64_t>(pads.begin(), pads.begin() + xs.size()));
  p.i("mode", mode == "reflect" ? kPadReflect
              : mode == "edge"  ? kPadEdge
                                : kPadConstant);
  p.f("value", n.getFloat("value"));
  ctx.launchFlat("pad", p, numElements(ys), {ctx.buffer(x), ctx.buffer(y)});
  return true;
}

/// Plain <-> channel-blocked: a copy over the view [N, C/b, b, *S] through
/// each side's strides.
bool lowerRelayout(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0), *y = n.result();
  const TensorType &xt = x->type(), &yt = y->type();
  if (xt.block == yt.block)
    return lowerView(n, ctx);
  if (xt.blocked() && yt.blocked()) {
    ctx.diag().error(n.loc(),
                     "relayout between two blocked layouts ({} to {}) is not "
                     "supported by the cuda backend",
                     xt.str(), yt.str());
    return false;
  }
  int64_t block = yt.blocked() ? yt.block : xt.block;
  const Shape &s = yt.shape;
  Shape view = {s[0], s[1] / block, block};
  view.insert(view.end(), s.begin() + 2, s.end());
  lowerStridedCopy(ctx, ctx.buffer(x), ctx.buffer(y), view,
                   blockedViewStrides(xt, block),
                   blockedViewStrides(yt, block), 0, 0);
  return true;
}

} // namespace cnnc::cuda
