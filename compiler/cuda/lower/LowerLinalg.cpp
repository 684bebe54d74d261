//===- LowerLinalg.cpp - gemm and matmul for CUDA -------------------------===//
//
// Both ops become one gemm_tiled launch (compiler/cuda/kernels/gemm.cuh):
// the shared-memory tiled GEMM that conv_igemm also runs, reading each
// operand through element strides (a transposed operand is a swap of its
// strides; the loader walks whichever dimension is contiguous, so constant
// weights need no packing). gemm applies alpha, beta * c (c broadcast to
// [M, N]) and its fused epilogue in registers; its tile is the node's
// gpu_tile or the GPU tile model's. matmul's batch dimensions broadcast
// through per-axis operand strides (grid z); when b has no batch, a's batch
// folds into M (one larger GEMM). layer_norm_gemm launches row_stats (each
// row's mean and 1 / sqrt(var + epsilon) into a scratch buffer), then
// gemm_tiled normalising A's elements as it stages them.
//
//===----------------------------------------------------------------------===//
#include "compiler/LowerCommon.h"
#include "compiler/cuda/lower/LowerConv.h"

#include "ir/ops/Broadcast.h"
#include "ir/ops/Resolve.h"

#include <algorithm>

namespace cnnc::cuda {

namespace {

constexpr int64_t kMaxGridYZ = 65535;

/// The shape of one product and how its operands are read.
struct GemmLayout {
  int64_t m = 0, n = 0, k = 0, batch = 1;
  int64_t ams = 0, aks = 0, bks = 0, bns = 0;
};

/// Appends the gemm_tiled launch of `l` with tile `t`; `p` holds the
/// batch, c and epilogue members. Buffers: a, b, c, res, y.
bool launchGemm(const Node &n, const GemmLayout &l, const GpuTile &t,
                KernelParams p, std::vector<Buffer> bufs, LowerCtx &ctx) {
  if (ceilDiv(l.m, t.blockRows) > kMaxGridYZ) {
    ctx.diag().error(n.loc(),
                     "{}: {} rows need more than {} blocks of {} rows in the "
                     "grid's y dimension",
                     n.info().name, l.m, kMaxGridYZ, t.blockRows);
    return false;
  }
  if (!p.has("a_norm"))
    p.i("a_norm", 0);
  p.i("M", l.m).i("N", l.n).i("K", l.k).i("batch", l.batch);
  p.i("ams", l.ams).i("aks", l.aks).i("bks", l.bks).i("bns", l.bns);
  tileParams(p, t);
  double flops =
      2.0 * double(l.batch) * double(l.m) * double(l.n) * double(l.k);
  ctx.launch("gemm_tiled", p,
             Dim3{ceilDiv(l.n, t.blockCols), ceilDiv(l.m, t.blockRows),
                  std::min(l.batch, kMaxGridYZ)},
             Dim3{t.threads(), 1, 1}, std::move(bufs), flops, gpuTileText(t));
  return true;
}

} // namespace

//===--- gemm -------------------------------------------------------------===//

namespace {

/// gemm and layer_norm_gemm (normA: row_stats first, then gemm_tiled
/// normalising A's rows as it stages them).
bool lowerGemmOf(const Node &n, LowerCtx &ctx, bool normA) {
  const Value *a = n.operand(0), *b = n.operand(1), *c = n.operand("c");
  const Value *y = n.result();
  const Shape &ys = y->type().shape;
  GemmDims g = gemmDims(n);
  GemmLayout l;
  l.m = g.m;
  l.n = g.n;
  l.k = g.k;
  if (l.m * l.n == 0)
    return true;
  // op(a) (m, k): a [M][K] or, transposed, a [K][M]; op(b) (k, n) likewise.
  l.ams = g.transA ? 1 : l.k;
  l.aks = g.transA ? l.m : 1;
  l.bks = g.transB ? 1 : l.n;
  l.bns = g.transB ? l.k : 1;
  GpuTile t;
  if (!gpuTileFor(n, true, l.m, l.n, l.k, 1, ctx, t))
    return false;
  KernelParams p;
  p.f("alpha", n.getFloat("alpha")).f("beta", n.getFloat("beta"));
  std::vector<int64_t> st = {0, 0};
  if (c)
    st = broadcastStrides(c->type().shape, ys);
  p.i("has_c", c != nullptr).i("crs", st[0]).i("ccs", st[1]);
  p.ints("bshape", {}).ints("astr", {}).ints("bstr", {});
  p.epilogue(fusedEpilogue(n));
  std::vector<Buffer> bufs = {ctx.buffer(a), ctx.buffer(b), bufferOr(ctx, c, y),
                              bufferOr(ctx, residualOf(n), y), ctx.buffer(y)};
  p.i("a_norm", normA);
  if (normA) {
    Buffer stats = ctx.scratch(2 * l.m * int64_t(sizeof(float)));
    KernelParams sp;
    sp.i("M", l.m).i("K", l.k).i("ams", l.ams).i("aks", l.aks);
    sp.f("epsilon", n.getFloat("epsilon"));
    ctx.launchFlat("row_stats", sp, l.m, {ctx.buffer(a), stats},
                   double(l.m) * double(l.k) * 4);
    bufs.insert(bufs.end(), {stats, ctx.buffer(n.operand("scale")),
                             ctx.buffer(n.operand("bias"))});
  }
  return launchGemm(n, l, t, p, std::move(bufs), ctx);
}

} // namespace

bool lowerGemm(const Node &n, LowerCtx &ctx) {
  return lowerGemmOf(n, ctx, false);
}

//===--- layer_norm_gemm --------------------------------------------------===//

bool lowerLayerNormGemm(const Node &n, LowerCtx &ctx) {
  return lowerGemmOf(n, ctx, true);
}

//===--- matmul -----------------------------------------------------------===//

bool lowerMatMul(const Node &n, LowerCtx &ctx) {
  const Value *a = n.operand(0), *b = n.operand(1), *y = n.result();
  std::optional<MatMulDims> mm =
      resolveMatMul(a->type().shape, b->type().shape);
  if (!mm) {
    ctx.diag().error(n.loc(), "matmul: batch dimensions do not broadcast");
    return false;
  }
  GemmLayout l;
  l.m = mm->m;
  l.k = mm->k;
  l.n = mm->n;
  l.batch = mm->batchCount;
  if (l.batch * l.m * l.n == 0)
    return true;
  l.ams = l.k;
  l.aks = 1;
  l.bks = l.n;
  l.bns = 1;
  std::vector<int64_t> shape, sa, sb;
  if (mm->bMatrices == 1) {
    // b is shared by every batch position: one GEMM of batch * M rows.
    l.m *= l.batch;
    l.batch = 1;
  } else {
    shape = mm->batch;
    sa = mm->aBatchStride;
    sb = mm->bBatchStride;
    for (int64_t &s : sa)
      s *= l.m * l.k;
    for (int64_t &s : sb)
      s *= l.k * l.n;
  }
  GpuTile t;
  if (!gpuTileFor(n, false, l.m, l.n, l.k, l.batch, ctx, t))
    return false;
  KernelParams p;
  p.f("alpha", 1.0).f("beta", 0.0).i("has_c", 0).i("crs", 0).i("ccs", 0);
  p.ints("bshape", shape).ints("astr", sa).ints("bstr", sb);
  p.epilogue(FusedEpilogue{});
  Buffer yb = ctx.buffer(y);
  return launchGemm(n, l, t, p, {ctx.buffer(a), ctx.buffer(b), yb, yb, yb},
                    ctx);
}

} // namespace cnnc::cuda
