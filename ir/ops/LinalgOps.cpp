//===- LinalgOps.cpp - Gemm and matmul ------------------------------------===//
//
// Shape functions and reference kernels of the linear-algebra ops:
//
//   gemm    ONNX Gemm: y = alpha * op(a) @ op(b) + beta * c, with a and b of
//           rank 2, op(t) = t or t^T, and c unidirectionally broadcastable
//           to [M,N].
//   matmul  numpy matmul: a 1-D a is promoted to [1,K] and a 1-D b to
//           [K,1], the added dimension is removed from the result, and the
//           batch dimensions (all but the last two) broadcast.
//
// Products are accumulated in double.
//
//===----------------------------------------------------------------------===//
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

bool inferGemm(ShapeCtx &ctx) {
  bool transA = false, transB = false;
  if (!readFlag(ctx, "trans_a", transA) || !readFlag(ctx, "trans_b", transB))
    return false;
  if (!ctx.expectRank(0, 2) || !ctx.expectRank(1, 2))
    return false;
  const Shape &a = ctx.in(0), &b = ctx.in(1);
  int64_t m = a[transA ? 1 : 0], k = a[transA ? 0 : 1];
  int64_t kb = b[transB ? 1 : 0], n = b[transB ? 0 : 1];
  if (k != kb)
    return ctx.error("gemm expects op(a) and op(b) to agree on K: a {} "
                     "(trans_a={}) has K={}, b {} (trans_b={}) has K={}",
                     shapeStr(a), int(transA), k, shapeStr(b), int(transB), kb);
  Shape out{m, n};
  if (ctx.has(2)) {
    const Shape &c = ctx.in(2);
    std::optional<Shape> bc = broadcastShapes(c, out);
    if (!bc || *bc != out)
      return ctx.error("gemm expects c to broadcast to [M,N] = {}, found {}",
                       shapeStr(out), shapeStr(c));
  }
  ctx.setOut(out);
  return true;
}

void interpretGemm(const KernelCtx &ctx) {
  const Node &node = ctx.node;
  bool transA = node.getInt("trans_a") != 0;
  bool transB = node.getInt("trans_b") != 0;
  double alpha = node.getFloat("alpha"), beta = node.getFloat("beta");
  const Tensor &a = ctx.in(0), &b = ctx.in(1);
  Tensor &y = ctx.out();
  int64_t m = y.dim(0), n = y.dim(1), k = a.dim(transA ? 0 : 1);
  // a is [M,K] or [K,M]; b is [K,N] or [N,K].
  auto aAt = [&](int64_t i, int64_t p) {
    return double(a.data[size_t(transA ? p * m + i : i * k + p)]);
  };
  auto bAt = [&](int64_t p, int64_t j) {
    return double(b.data[size_t(transB ? j * k + p : p * n + j)]);
  };
  const Tensor *c = ctx.has(2) ? &ctx.in(2) : nullptr;
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
