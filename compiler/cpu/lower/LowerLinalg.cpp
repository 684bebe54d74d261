//===- LowerLinalg.cpp - gemm and matmul, and GEMM operand packing --------===//
//
// Both ops become one gemm kernel call on operands packed in panels: A in
// panels of MR rows, B (as its transpose, N rows of K) in panels of NR
// columns. A constant operand (a fully connected layer's weights) is
// packed at compile time, anything else by pack_panels at run time.
// layer_norm_gemm is gemm with its A packed by pack_panels_ln, which
// normalises each row as it packs it.
// matmul's batch dimensions broadcast through per-axis strides; a matmul
// whose b has no batch folds a's batch into M (one larger GEMM).
//
//===----------------------------------------------------------------------===//
#include "compiler/LowerCommon.h"
#include "compiler/cpu/lower/LowerConv.h"
#include "compiler/cpu/Catalogue.h"
#include "passes/TileModel.h"

#include "compiler/cpu/lower/LowerMisc.h"
#include "ir/Epilogue.h"
#include "ir/ops/Broadcast.h"
#include "ir/ops/Resolve.h"

#include <algorithm>

namespace cnnc::cpu {

//===--- Shared with the conv lowerings -----------------------------------===//

// The neutral numberings are the kernels' (compiler/Activations.def).
static_assert(int64_t(kActErf) == cnnk::kActErf &&
              int64_t(kActGeluTanh) == cnnk::kActGeluTanh);
static_assert(int64_t(kConvPadZeros) == cnnk::kConvPadZeros &&
              int64_t(kConvPadReflect) == cnnk::kConvPadReflect &&
              int64_t(kConvPadReplicate) == cnnk::kConvPadReplicate &&
              int64_t(kConvPadCircular) == cnnk::kConvPadCircular);

namespace {

cnnk::ConvGeom kernelGeom(const ConvGeometry &c) {
  cnnk::ConvGeom g{};
  for (int i = 0; i < 3; ++i) {
    g.in[i] = c.in[i];
    g.out[i] = c.out[i];
    g.kernel[i] = c.kernel[i];
    g.stride[i] = c.stride[i];
    g.dilation[i] = c.dilation[i];
    g.padBegin[i] = c.padBegin[i];
  }
  g.padMode = c.padMode;
  g.inSize = c.inSize;
  g.outSize = c.outSize;
  g.kSize = c.kSize;
  return g;
}

} // namespace

cnnk::ConvGeom convGeom(const std::vector<WindowAxis> &axes, int64_t padMode) {
  return kernelGeom(convGeometry(axes, padMode));
}

cnnk::ConvGeom convGeom(const Node &n) { return kernelGeom(convGeometry(n)); }

cnnk::Epilogue noEpilogue() {
  return cnnk::Epilogue{cnnk::ActParams{cnnk::kActNone, 0, 0, 0}, 0,
                        cnnk::ActParams{cnnk::kActNone, 0, 0, 0}};
}

cnnk::Epilogue epilogueParams(const Node &n) {
  FusedEpilogue f = fusedEpilogue(n);
  return cnnk::Epilogue{kernelAct(f.act), f.hasResidual ? 1 : 0,
                        kernelAct(f.resAct)};
}

Buffer bufferOr(LowerCtx &ctx, const Value *v, const Value *placeholder) {
  return ctx.buffer(v ? v : placeholder);
}

namespace {

/// Panels per packing task for panels of `panelFloats` floats each: groups
/// of about 16K floats, so that a large operand packs on every thread.
int64_t packPanelsPerTask(int64_t panels, int64_t panelFloats) {
  return std::clamp<int64_t>(16384 / std::max<int64_t>(1, panelFloats), 1,
                             panels);
}

} // namespace

Buffer packedOperand(LowerCtx &ctx, const Value *v, int64_t count,
                     int64_t srcBatch, int64_t rows, int64_t k, int64_t rs,
                     int64_t ks, int64_t panel, int64_t kc) {
  int64_t matrix = roundUp(rows, panel) * k;
  if (const Tensor *t = ctx.constant(v)) {
    // In pieces of about 4 MB, written in order (a depth block of kc is
    // its panels one after another) and settled as they are done: a large
    // operand (VGG-16's first FC is 400 MB) is not resident whole beside
    // its source.
    int64_t rPad = roundUp(rows, panel), panels = rPad / panel;
    return ctx.addWeights(count * matrix, [&](float *packed) {
      for (int64_t b = 0; b < count; ++b)
        for (int64_t kb = 0; kb * kc < k; ++kb) {
          int64_t k0 = kb * kc, kcb = std::min(kc, k - k0);
          int64_t step = std::max<int64_t>(1, (int64_t(1) << 20) /
                                                  std::max<int64_t>(1, panel * kcb));
          float *dst = packed + b * matrix;
          for (int64_t p0 = 0; p0 < panels; p0 += step) {
            int64_t p1 = std::min(panels, p0 + step);
            cnnk::packPanelBlock(t->ptr() + b * srcBatch, rows, k, rs, ks,
                                 panel, kc, kb, dst, p0, p1);
            ctx.settleWeights(dst + k0 * rPad + p1 * panel * kcb);
          }
        }
    });
  }
  Buffer dst = ctx.scratch(std::max<int64_t>(1, count * matrix) *
                           int64_t(sizeof(float)));
  if (count * matrix == 0)
    return dst;
  int64_t panels = divUp(rows, panel);
  int64_t perTask = packPanelsPerTask(panels, panel * std::min(k, kc));
  cnnk::PackParams p{rows,  k,           rs,      ks, srcBatch, panel, kc,
                     divUp(k, kc), perTask, divUp(panels, perTask)};
  ctx.call<KernelId::PackPanels>(p, {ctx.buffer(v), dst},
                                 count * p.kBlocks * p.panelGroups);
  return dst;
}

//===--- Task blocking ----------------------------------------------------===//

namespace {

/// Sets `p`'s sizes and blocks for `s`: the node's tile = [rows,
/// columns, depth] when given (rows rounded up to MR, columns to NR, depth
/// as kc), else the tile model's (passes/TileModel.h).
void blockGemm(cnnk::GemmParams &p, const GemmShape &s,
               const std::vector<int64_t> &tile, const TargetInfo &target) {
  int v = target.vectorWidth;
  int64_t mr = cnnk::gemmMR(v), nr = cnnk::gemmNR(v);
  p.m = s.m;
  p.n = s.n;
  p.k = s.k;
  p.batch = s.batch;
  p.mPad = roundUp(s.m, mr);
  p.nPad = roundUp(s.n, nr);
  Tiles t = tile.size() == 3 ? Tiles{tile[0], tile[1], tile[2]}
                             : chooseGemmTiles(s, passTarget(target));
  p.kc = std::min(t.depth, std::max<int64_t>(s.k, 1));
  p.mBlock = std::min(roundUp(t.rows, mr), p.mPad);
  p.mBlocks = divUp(p.mPad, p.mBlock);
  int64_t panels = p.nPad / nr;
  int64_t perTask = std::min(divUp(t.columns, nr), panels);
  p.nBlock = perTask * nr;
  p.nBlocks = divUp(panels, perTask);
}

/// Appends the gemm call of `p` (blocked) on packed a and b.
void callGemm(LowerCtx &ctx, const Node &n, cnnk::GemmParams &p, Buffer a,
              Buffer b, const Value *c) {
  p.epi = epilogueParams(n);
  const Value *y = n.result();
  double flops =
      2.0 * double(p.batch) * double(p.m) * double(p.n) * double(p.k);
  ctx.call<KernelId::Gemm>(p,
                           {a, b, bufferOr(ctx, c, y),
                            bufferOr(ctx, residualOf(n), y), ctx.buffer(y)},
                           p.batch * p.mBlocks * p.nBlocks, flops);
}

} // namespace

//===--- gemm -------------------------------------------------------------===//

namespace {

/// gemm and layer_norm_gemm: c is the operand named "c"; a layer_norm_gemm
/// packs A with pack_panels_ln, normalising each row on the way.
bool lowerGemmOf(const Node &n, LowerCtx &ctx, bool normA) {
  const Value *a = n.operand(0), *b = n.operand(1), *c = n.operand("c");
  const Value *y = n.result();
  const Shape &ys = y->type().shape;
  GemmDims g = gemmDims(n);
  bool transA = g.transA, transB = g.transB;
  GemmShape s;
  s.m = g.m;
  s.n = g.n;
  s.k = g.k;
  if (s.m * s.n == 0)
    return true;
  int v = ctx.target().vectorWidth;
  cnnk::GemmParams p{};
  blockGemm(p, s, n.getInts("tile"), ctx.target());
  p.alpha = n.getFloat("alpha");
  p.beta = n.getFloat("beta");
  if (c) {
    std::vector<int64_t> st = broadcastStrides(c->type().shape, ys);
    p.hasC = 1;
    p.cRowStride = st[0];
    p.cColStride = st[1];
  }
  // A: element (i, k) of op(a); B: element (j, k) of op(b)^T.
  int64_t ars = transA ? 1 : s.k, aks = transA ? s.m : 1;
  Buffer pa;
  if (normA) {
    int64_t mr = cnnk::gemmMR(v), panels = divUp(s.m, mr);
    pa = ctx.scratch(roundUp(s.m, mr) * std::max<int64_t>(s.k, 1) *
                     int64_t(sizeof(float)));
    // A task normalises and packs whole rows: every K block of its panels.
    int64_t perTask = packPanelsPerTask(panels, mr * s.k);
    cnnk::PackNormParams pn{s.m,
                            s.k,
                            ars,
                            aks,
                            p.kc,
                            perTask,
                            divUp(panels, perTask),
                            n.getFloat("epsilon")};
    ctx.call<KernelId::PackPanelsNorm>(pn,
                                       {ctx.buffer(a),
                                        ctx.buffer(n.operand("scale")),
                                        ctx.buffer(n.operand("bias")), pa},
                                       pn.panelGroups);
  } else {
    pa = packedOperand(ctx, a, 1, 0, s.m, s.k, ars, aks, cnnk::gemmMR(v), p.kc);
  }
  Buffer pb = packedOperand(ctx, b, 1, 0, s.n, s.k, transB ? s.k : 1,
                            transB ? 1 : s.n, cnnk::gemmNR(v), p.kc);
  callGemm(ctx, n, p, pa, pb, c);
  return true;
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
  const Value *a = n.operand(0), *b = n.operand(1);
  MatMulDims mm = *resolveMatMul(a->type().shape, b->type().shape);
  Shape batch = mm.batch;
  int64_t batchA = mm.aMatrices, batchB = mm.bMatrices;
  GemmShape s;
  s.m = mm.m;
  s.k = mm.k;
  s.n = mm.n;
  s.batch = mm.batchCount;
  if (s.batch * s.m * s.n == 0)
    return true;
  int v = ctx.target().vectorWidth;
  cnnk::GemmParams p{};
  const std::vector<int64_t> &sa = mm.aBatchStride, &sb = mm.bBatchStride;
  if (batchB == 1) {
    // b is shared by every batch position: one GEMM of batch * M rows.
    s.m *= s.batch;
    s.batch = 1;
    batchA = 1;
    batch.clear();
  } else if (batch.size() > size_t(cnnk::kMaxRank)) {
    ctx.diag().error(n.loc(),
                     "matmul supports at most {} batch dimensions "
                     "on the CPU, found {}",
                     cnnk::kMaxRank, batch.size());
    return false;
  }
  blockGemm(p, s, {}, ctx.target());
  p.batchRank = int64_t(batch.size());
  for (size_t d = 0; d < batch.size(); ++d) {
    p.batchShape[d] = batch[d];
    p.aStride[d] = sa[d];
    p.bStride[d] = sb[d];
  }
  Buffer pa = packedOperand(ctx, a, batchA, s.m * s.k, s.m, s.k, s.k, 1,
                            cnnk::gemmMR(v), p.kc);
  Buffer pb = packedOperand(ctx, b, batchB, s.k * s.n, s.n, s.k, 1, s.n,
                            cnnk::gemmNR(v), p.kc);
  p.alpha = 1;
  callGemm(ctx, n, p, pa, pb, nullptr);
  return true;
}

} // namespace cnnc::cpu
