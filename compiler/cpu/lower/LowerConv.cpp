//===- LowerConv.cpp - conv and conv_transpose ----------------------------===//
//
// conv lowers to one of two kernels, as the catalogue (Catalogue.cpp)
// chooses:
//   conv_depthwise  one input channel per output channel (C/groups == 1)
//                   over 1 or 2 spatial axes: direct, vectorised along W.
//   conv_gemm       everything else: implicit GEMM with the weights packed
//                   in MR-row panels (now when constant, else at run time).
// The lowering fixes every block size: kc (a multiple of the kernel size
// when it can), the M rows and output pixels of a task (enough tasks for
// a few threads, each big enough to be worth one).
//
// conv_transpose lowers to a plain gather-form kernel.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/lower/LowerConv.h"
#include "compiler/LowerCommon.h"
#include "compiler/cpu/Catalogue.h"
#include "compiler/cpu/lower/LowerBlocked.h"
#include "passes/TileModel.h"

#include "ir/ops/SlidingWindow.h"

#include <algorithm>

namespace cnnc::cpu {

namespace {

/// The operands and sizes of a conv node.
struct ConvNode {
  const Value *x, *w, *b, *res, *y;
  cnnk::Epilogue epi;
  int64_t batch, channels, outChannels, groups;
  cnnk::ConvGeom geom;
  double flops;
};

ConvNode convNode(const Node &n) {
  ConvNode c;
  c.x = n.operand(0);
  c.w = n.operand(1);
  c.b = n.operand("b");
  c.res = residualOf(n);
  c.epi = epilogueParams(n);
  c.y = n.result();
  const Shape &xs = c.x->type().shape, &ws = c.w->type().shape;
  c.geom = convGeom(n);
  c.batch = xs[0];
  c.channels = xs[1];
  c.outChannels = ws[0];
  c.groups = n.getInt("groups");
  c.flops = 2.0 * double(c.batch) * double(c.outChannels) *
            double(c.geom.outSize) * double(ws[1]) * double(c.geom.kSize);
  return c;
}

//===--- conv_depthwise ---------------------------------------------------===//

/// Floats of each phase of a depthwise tile row for `cols` output columns
/// (a multiple of v): the taps reach (kw-1)*dw/sw beyond, and the last
/// vector reads up to v - 1 more.
int64_t tilePhase(const cnnk::ConvGeom &g, int64_t cols, int v) {
  return cols + (g.kernel[2] - 1) * g.dilation[2] / g.stride[2] + v;
}

/// Input rows of the depthwise tile for `rows` output rows.
int64_t tileRows(const cnnk::ConvGeom &g, int64_t rows) {
  return (rows - 1) * g.stride[1] + (g.kernel[1] - 1) * g.dilation[1] + 1;
}

} // namespace

int64_t depthwiseColumns(const cnnk::ConvGeom &g, int v) {
  if (g.out[0] != 1 || g.kernel[0] != 1 || g.padBegin[0] != 0)
    return 0;
  int64_t limit = cnnk::kDwTileFloats, rows1 = tileRows(g, 1);
  int64_t cols = roundUp(g.out[2], v);
  int64_t maxPhase = limit / rows1 / g.stride[2];
  if (tilePhase(g, cols, v) > maxPhase) {
    cols = (maxPhase - tilePhase(g, 0, v)) / v * v;
    if (cols < v)
      return 0;
  }
  return cols;
}

namespace {

/// Lowers a conv with C/groups == 1 to conv_depthwise (the catalogue
/// checked that its tile fits: depthwiseColumns).
bool lowerDepthwise(const ConvNode &c, LowerCtx &ctx) {
  const cnnk::ConvGeom &g = c.geom;
  int v = ctx.target().vectorWidth;
  int64_t limit = cnnk::kDwTileFloats;
  int64_t cols = depthwiseColumns(g, v);
  cnnk::DepthwiseParams p{};
  p.geom = g;
  p.batch = c.batch;
  p.channels = c.channels;
  p.outChannels = c.outChannels;
  p.mult = c.outChannels / c.channels;
  p.colBlock = cols;
  p.colBlocks = divUp(g.out[2], cols);
  p.phaseLen = tilePhase(g, cols, v);
  p.tileCols = g.stride[2] * p.phaseLen;
  int64_t rowBlock = 1;
  while (rowBlock < g.out[1] && tileRows(g, rowBlock + 1) * p.tileCols <= limit)
    ++rowBlock;
  p.rowBlocks = divUp(g.out[1], rowBlock);
  p.rowBlock = divUp(g.out[1], p.rowBlocks);
  p.hasBias = c.b != nullptr;
  p.epi = c.epi;
  ctx.call<KernelId::ConvDepthwise>(
      p,
      {ctx.buffer(c.x), ctx.buffer(c.w), bufferOr(ctx, c.b, c.x),
       bufferOr(ctx, c.res, c.x), ctx.buffer(c.y)},
      c.batch * c.outChannels * p.rowBlocks * p.colBlocks, c.flops);
  return true;
}

//===--- conv_gemm --------------------------------------------------------===//

/// The conv_gemm params of `c` before blocking (kc and blocks unset).
cnnk::ConvParams convGemmParams(const ConvNode &c, int64_t mr) {
  cnnk::ConvParams p{};
  p.geom = c.geom;
  p.batch = c.batch;
  p.channels = c.channels;
  p.outChannels = c.outChannels;
  p.groups = c.groups;
  p.cg = c.channels / c.groups;
  p.mg = c.outChannels / c.groups;
  p.k = p.cg * c.geom.kSize;
  p.mPad = roundUp(p.mg, mr);
  return p;
}

/// Applies tile = [rows, columns, depth] to `p`: rows rounded up to MR,
/// columns to NR, depth as kc. False (reported) when the depth's packed B
/// panel does not fit the kernel's stack buffer.
bool applyConvTile(const Node &n, const std::vector<int64_t> &tile,
                   cnnk::ConvParams &p, int64_t mr, int64_t nr, LowerCtx &ctx) {
  if (tile[2] * nr > cnnk::kBPanelFloats) {
    ctx.diag().error(n.loc(),
                     "conv tile depth {} needs a packed B panel of {} floats, "
                     "more than the kernel's {} (depth at most {})",
                     tile[2], tile[2] * nr, cnnk::kBPanelFloats,
                     cnnk::kBPanelFloats / nr);
    return false;
  }
  p.kc = std::min(tile[2], std::max<int64_t>(p.k, 1));
  p.mBlock = std::min(roundUp(tile[0], mr), p.mPad);
  p.mBlocks = divUp(p.mPad, p.mBlock);
  int64_t panels = divUp(p.geom.outSize, nr);
  int64_t perTask = std::min(divUp(tile[1], nr), panels);
  p.pixelBlock = perTask * nr;
  p.pixelBlocks = divUp(panels, perTask);
  return true;
}

bool lowerConvGemm(const Node &n, const ConvNode &c, LowerCtx &ctx) {
  int v = ctx.target().vectorWidth;
  int64_t mr = cnnk::gemmMR(v), nr = cnnk::gemmNR(v);
  cnnk::ConvParams p = convGemmParams(c, mr);
  // The tile pass's tiles, or the same model's when it did not run.
  std::vector<int64_t> tile = n.getInts("tile");
  if (tile.size() != 3) {
    Tiles t = chooseConvTiles(ConvGemmShape{p.batch, p.groups, p.mg,
                                            c.geom.outSize, p.k, c.geom.kSize},
                              passTarget(ctx.target()));
    tile = {t.rows, t.columns, t.depth};
  }
  if (!applyConvTile(n, tile, p, mr, nr, ctx))
    return false;
  p.hasBias = c.b != nullptr;
  p.epi = c.epi;
  // w [M][cg][kSize] is, per group, an mg x K matrix with rows of K.
  Buffer w = packedOperand(ctx, c.w, p.groups, p.mg * p.k, p.mg, p.k, p.k, 1,
                           mr, p.kc);
  ctx.call<KernelId::ConvGemm>(p,
                               {ctx.buffer(c.x), w, bufferOr(ctx, c.b, c.x),
                                bufferOr(ctx, c.res, c.x), ctx.buffer(c.y)},
                               p.batch * p.groups * p.mBlocks * p.pixelBlocks,
                               c.flops);
  return true;
}

} // namespace

bool lowerConv(const Node &n, LowerCtx &ctx) {
  if (isBlockedNode(n))
    return lowerConvBlocked(n, ctx);
  ConvNode c = convNode(n);
  if (numElementsOf(c.y) == 0)
    return true;
  // The catalogue's choice; AsGemm (conv-to-gemm did not run) is conv_gemm.
  if (Catalogue(ctx.target()).convAlgorithm(n) == ConvAlgo::Depthwise)
    return lowerDepthwise(c, ctx);
  return lowerConvGemm(n, c, ctx);
}

//===--- conv_transpose ---------------------------------------------------===//

bool lowerConvTranspose(const Node &n, LowerCtx &ctx) {
  const Value *x = n.operand(0), *w = n.operand(1), *b = n.operand("b");
  const Value *y = n.result();
  if (numElementsOf(y) == 0)
    return true;
  const Shape &xs = x->type().shape;
  std::optional<std::vector<WindowAxis>> axes =
      convTransposeWindow(n, ctx.diag());
  if (!axes)
    return false;
  cnnk::ConvTransposeParams p{};
  p.geom = convGeom(*axes);
  p.batch = xs[0];
  p.channels = xs[1];
  p.outChannels = y->type().shape[1];
  int64_t groups = n.getInt("groups");
  p.cg = p.channels / groups;
  p.mg = p.outChannels / groups;
  p.hasBias = b != nullptr;
  double flops = 2.0 * double(p.batch) * double(p.channels) *
                 double(p.geom.inSize) * double(p.mg) * double(p.geom.kSize);
  ctx.call<KernelId::ConvTranspose>(
      p, {ctx.buffer(x), ctx.buffer(w), bufferOr(ctx, b, x), ctx.buffer(y)},
      p.batch * p.outChannels, flops);
  return true;
}

} // namespace cnnc::cpu
