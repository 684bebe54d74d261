//===- LinalgOps.cpp - Gemm and matmul ------------------------------------===//
//
// Shape functions and reference kernels of the linear-algebra ops:
//
//   gemm    ONNX Gemm: y = alpha * op(a) @ op(b) + beta * c, with a and b of
//           rank 2, op(t) = t or t^T, and c unidirectionally broadcastable
//           to [M,N].
//   layer_norm_gemm  gemm on op(a) with each row layer-normalised.
//   matmul  numpy matmul: a 1-D a is promoted to [1,K] and a 1-D b to
//           [K,1], the added dimension is removed from the result, and the
//           batch dimensions (all but the last two) broadcast.
//
// Products are accumulated in double.
//
//===----------------------------------------------------------------------===//
#include "ir/Attr.h"
#include "ir/Interpreter.h"
#include "ir/ShapeInference.h"
#include "ir/ops/Broadcast.h"
#include "ir/ops/Resolve.h"

namespace cnnc {

namespace {

/// Reads a 0/1 attribute; reports any other value.
bool readFlag(ShapeCtx &ctx, std::string_view attr, bool &flag) {
  int64_t v = ctx.node().getInt(attr);
  if (v != 0 && v != 1)
    return ctx.error("{} expects '{}' to be 0 or 1, found {}", ctx.op(), attr,
                     v);
  flag = v == 1;
  return true;
}

} // namespace

//===--- gemm -------------------------------------------------------------===//

namespace {

/// gemm's shape function, its c the operand at `cIndex`; K of op(a) in
/// `kOut`.
bool inferGemmOf(ShapeCtx &ctx, unsigned cIndex, int64_t &kOut) {
  bool transA = false, transB = false;
  if (!readFlag(ctx, "trans_a", transA) || !readFlag(ctx, "trans_b", transB))
    return false;
  if (!ctx.expectRank(0, 2) || !ctx.expectRank(1, 2))
    return false;
  const Shape &a = ctx.in(0), &b = ctx.in(1);
  int64_t m = a[transA ? 1 : 0], k = a[transA ? 0 : 1];
  int64_t kb = b[transB ? 1 : 0], n = b[transB ? 0 : 1];
  if (k != kb)
    return ctx.error("{} expects op(a) and op(b) to agree on K: a {} "
                     "(trans_a={}) has K={}, b {} (trans_b={}) has K={}",
                     ctx.op(), shapeStr(a), int(transA), k, shapeStr(b),
                     int(transB), kb);
  Shape out{m, n};
  if (ctx.has(cIndex)) {
    const Shape &c = ctx.in(cIndex);
    std::optional<Shape> bc = broadcastShapes(c, out);
    if (!bc || *bc != out)
      return ctx.error("{} expects c to broadcast to [M,N] = {}, found {}",
                       ctx.op(), shapeStr(out), shapeStr(c));
  }
  kOut = k;
  ctx.setOut(out);
  return true;
}

/// y = alpha * A @ op(b) + beta * c for gemm and layer_norm_gemm, A(i, p)
/// given by `aAt` and c the operand at `cIndex`.
template <class AAt>
void gemmReference(const KernelCtx &ctx, unsigned cIndex, AAt aAt) {
  const Node &node = ctx.node;
  bool transB = node.getInt("trans_b") != 0;
  double alpha = node.getFloat("alpha"), beta = node.getFloat("beta");
  const Tensor &b = ctx.in(1);
  Tensor &y = ctx.out();
  int64_t m = y.dim(0), n = y.dim(1), k = b.dim(transB ? 1 : 0);
  // b is [K,N] or [N,K].
  auto bAt = [&](int64_t p, int64_t j) {
    return double(b.data[size_t(transB ? j * k + p : p * n + j)]);
  };
  const Tensor *c = ctx.has(cIndex) ? &ctx.in(cIndex) : nullptr;
  std::vector<int64_t> cStrides;
  if (c)
    cStrides = broadcastStrides(c->shape, y.shape);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p)
        acc += aAt(i, p) * bAt(p, j);
      double v = alpha * acc;
      int64_t o = i * n + j;
      if (c)
        v += beta *
             double(c->data[size_t(broadcastIndex(o, y.shape, cStrides))]);
      y.data[size_t(o)] = float(v);
    }
}

} // namespace

bool inferGemm(ShapeCtx &ctx) {
  int64_t k = 0;
  return inferGemmOf(ctx, 2, k);
}

void interpretGemm(const KernelCtx &ctx) {
  bool transA = ctx.node.getInt("trans_a") != 0;
  const Tensor &a = ctx.in(0);
  int64_t m = ctx.out().dim(0), k = a.dim(transA ? 0 : 1);
  // a is [M,K] or [K,M].
  gemmReference(ctx, 2, [&](int64_t i, int64_t p) {
    return double(a.data[size_t(transA ? p * m + i : i * k + p)]);
  });
}

//===--- layer_norm_gemm --------------------------------------------------===//

bool inferLayerNormGemm(ShapeCtx &ctx) {
  int64_t k = 0;
  if (!inferGemmOf(ctx, 4, k))
    return false;
  for (unsigned i : {2u, 3u})
    if (!ctx.expectShape(i, Shape{k}))
      return false;
  double eps = ctx.node().getFloat("epsilon");
  if (!(eps >= 0))
    return ctx.error("layer_norm_gemm expects 'epsilon' >= 0, found {}",
                     floatText(eps));
  return true;
}

/// Each row of op(a) normalised as layer_norm does (layerNormStats), then
/// gemm's product.
void interpretLayerNormGemm(const KernelCtx &ctx) {
  bool transA = ctx.node.getInt("trans_a") != 0;
  double eps = ctx.node.getFloat("epsilon");
  const Tensor &a = ctx.in(0), &scale = ctx.in(2), &bias = ctx.in(3);
  int64_t m = ctx.out().dim(0), k = a.dim(transA ? 0 : 1);
  std::vector<double> norm(size_t(m * k));
  for (int64_t i = 0; i < m; ++i) {
    auto at = [&](int64_t p) {
      return double(a.data[size_t(transA ? p * m + i : i * k + p)]);
    };
    double mean, inv;
    layerNormStats(at, k, eps, mean, inv);
    for (int64_t p = 0; p < k; ++p)
      norm[size_t(i * k + p)] =
          double(float((at(p) - mean) * inv * double(scale.data[size_t(p)]) +
                       double(bias.data[size_t(p)])));
  }
  gemmReference(ctx, 4,
                [&](int64_t i, int64_t p) { return norm[size_t(i * k + p)]; });
}

//===--- matmul -----------------------------------------------------------===//

Shape matmulPromoted(const Shape &s, bool isA) {
  if (s.size() != 1)
    return s;
  return isA ? Shape{1, s[0]} : Shape{s[0], 1};
}

Shape matmulBatchDims(const Shape &s) { return Shape(s.begin(), s.end() - 2); }

std::optional<MatMulDims> resolveMatMul(const Shape &a, const Shape &b) {
  MatMulDims d;
  d.a = matmulPromoted(a, true);
  d.b = matmulPromoted(b, false);
  Shape ba = matmulBatchDims(d.a), bb = matmulBatchDims(d.b);
  std::optional<Shape> batch = broadcastShapes(ba, bb);
  if (!batch)
    return std::nullopt;
  d.batch = *batch;
  d.m = d.a[d.a.size() - 2];
  d.k = d.a.back();
  d.n = d.b.back();
  d.batchCount = numElements(d.batch);
  d.aMatrices = numElements(ba);
  d.bMatrices = numElements(bb);
  d.aBatchStride = broadcastStrides(ba, d.batch);
  d.bBatchStride = broadcastStrides(bb, d.batch);
  return d;
}

bool inferMatMul(ShapeCtx &ctx) {
  for (unsigned i = 0; i < 2; ++i)
    if (ctx.rank(i) < 1)
      return ctx.error("matmul expects {} of rank at least 1, found rank 0 {}",
                       ctx.inName(i), shapeStr(ctx.in(i)));
  Shape a = matmulPromoted(ctx.in(0), true);
  Shape b = matmulPromoted(ctx.in(1), false);
  int64_t m = a[a.size() - 2], k = a.back();
  int64_t kb = b[b.size() - 2], n = b.back();
  if (k != kb)
    return ctx.error("matmul expects a {} and b {} to agree on K, found {} "
                     "and {}",
                     shapeStr(ctx.in(0)), shapeStr(ctx.in(1)), k, kb);
  std::optional<Shape> out =
      broadcastShapes(matmulBatchDims(a), matmulBatchDims(b));
  if (!out)
    return ctx.error("matmul expects the batch dimensions of a {} and b {} "
                     "to broadcast",
                     shapeStr(ctx.in(0)), shapeStr(ctx.in(1)));
  if (ctx.rank(0) != 1)
    out->push_back(m);
  if (ctx.rank(1) != 1)
    out->push_back(n);
  ctx.setOut(*out);
  return true;
}

void interpretMatMul(const KernelCtx &ctx) {
  const Tensor &ta = ctx.in(0), &tb = ctx.in(1);
  // The result as [*batch, M, N]; a removed 1-D axis has size 1, so the
  // row-major layout is the same.
  MatMulDims d = *resolveMatMul(ta.shape, tb.shape);
  int64_t m = d.m, k = d.k, n = d.n;
  Tensor &y = ctx.out();
  for (int64_t t = 0; t < d.batchCount; ++t) {
    const float *pa =
        ta.ptr() + broadcastIndex(t, d.batch, d.aBatchStride) * m * k;
    const float *pb =
        tb.ptr() + broadcastIndex(t, d.batch, d.bBatchStride) * k * n;
    float *py = y.ptr() + t * m * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t p = 0; p < k; ++p)
          acc += double(pa[i * k + p]) * double(pb[p * n + j]);
        py[i * n + j] = float(acc);
      }
  }
}

} // namespace cnnc
