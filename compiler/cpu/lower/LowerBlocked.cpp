//===- LowerBlocked.cpp - conv and pools on the NCHWc layout --------------===//
//
// Weights are re-laid out here, at compile time, for the blocked kernels:
//   conv_blocked            [M/V][C/L][KD][KH][KW][L][V], L = V when x is
//                           blocked, 1 when x is plain;
//   conv_depthwise_blocked  [C/V][KD][KH][KW][V]
// (conv_winograd's transformed weights: LowerWinograd.cpp). A conv to
// output channels that are not whole blocks computes padded blocks into
// scratch and copies the real channels out; a strided 1x1 conv reads a
// subsampled copy of x. Tasks: (n, group of output-channel blocks, block of output rows), sized
// so that a few threads get work and a task is worth scheduling.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/lower/LowerBlocked.h"

#include "compiler/cpu/Catalogue.h"
#include "compiler/cpu/lower/LowerConv.h"
#include "compiler/cpu/lower/LowerMisc.h"
#include "ir/ops/SlidingWindow.h"
#include "passes/TileModel.h"

#include <algorithm>
#include <cassert>

namespace cnnc::cpu {

namespace {

//===--- conv -------------------------------------------------------------===//

/// Output columns [lo, hi) whose window lies wholly inside the input on W.
void interiorW(const cnnk::ConvGeom &g, int64_t &lo, int64_t &hi) {
  lo = std::min(ceilDiv(g.padBegin[2], g.stride[2]), g.out[2]);
  int64_t last =
      g.in[2] - 1 + g.padBegin[2] - g.dilation[2] * (g.kernel[2] - 1);
  hi = last < 0 ? 0 : std::min(last / g.stride[2] + 1, g.out[2]);
  hi = std::max(hi, lo);
}

/// Rows per task and the number of row blocks: tasks of at least
/// kMinTaskFlops, and at least kWantTasks of them when the rows allow, but
/// at most `maxRows` (the input a task reads stays within L2) and at least
/// `minRows`.
void blockRows(int64_t rows, int64_t otherTasks, double rowFlops,
               int64_t maxRows, int64_t &rowBlock, int64_t &rowBlocks,
               int64_t minRows = 1) {
  int64_t byWork = std::max<int64_t>(1, int64_t(kMinTaskFlops / rowFlops));
  int64_t byTasks = std::max<int64_t>(1, rows * otherTasks / kWantTasks);
  rowBlock = std::clamp<int64_t>(std::min({byWork, byTasks, maxRows}),
                                 std::min(minRows, rows), rows);
  rowBlocks = divUp(rows, rowBlock);
  rowBlock = divUp(rows, rowBlocks);
}

/// The weights [M][C][taps] as [M/V][C/L][taps][L][V], into `d`.
void convWeights(const Tensor &w, int64_t m, int64_t c, int64_t taps, int64_t v,
                 int64_t l, float *d) {
  size_t i = 0;
  for (int64_t ob = 0; ob < m / v; ++ob)
    for (int64_t icb = 0; icb < c / l; ++icb)
      for (int64_t t = 0; t < taps; ++t)
        for (int64_t il = 0; il < l; ++il)
          for (int64_t ol = 0; ol < v; ++ol)
            d[i++] =
                w.data[size_t(((ob * v + ol) * c + icb * l + il) * taps + t)];
}

/// The weights [C][1][taps] as [C/V][taps][V], into `d`.
void depthwiseWeights(const Tensor &w, int64_t c, int64_t taps, int64_t v,
                      float *d) {
  size_t i = 0;
  for (int64_t cb = 0; cb < c / v; ++cb)
    for (int64_t t = 0; t < taps; ++t)
      for (int64_t l = 0; l < v; ++l)
        d[i++] = w.data[size_t((cb * v + l) * taps + t)];
}

bool lowerDepthwiseBlocked(const Node &n, const Tensor &w,
                           const cnnk::ConvGeom &g, LowerCtx &ctx) {
  const Value *x = n.operand(0), *b = n.operand("b"), *y = n.result();
  cnnk::DepthwiseBlockedParams p{};
  p.block = y->type().block;
  p.geom = g;
  p.batch = x->type().shape[0];
  p.channels = x->type().shape[1];
  interiorW(g, p.owLo, p.owHi);
  p.hasBias = b != nullptr;
  p.epi = epilogueParams(n);
  int64_t rows = g.out[0] * g.out[1], blocks = p.channels / p.block;
  double flops = 2.0 * double(numElementsOf(y)) * double(g.kSize);
  blockRows(rows, p.batch * blocks, flops / double(p.batch * blocks * rows),
            rows, p.rowBlock, p.rowBlocks);
  Buffer wb = ctx.addWeights(w.size(), [&](float *d) {
    depthwiseWeights(w, p.channels, g.kSize, p.block, d);
  });
  ctx.call<KernelId::DepthwiseBlocked>(p,
                                       {ctx.buffer(x), wb, bufferOr(ctx, b, x),
                                        bufferOr(ctx, residualOf(n), x),
                                        ctx.buffer(y)},
                                       p.batch * blocks * p.rowBlocks, flops);
  return true;
}

} // namespace

bool isChannelVector(const Shape &s, const Shape &out) {
  if (s.size() != out.size() || s.size() < 3 || s[0] != out[0] ||
      s[1] != out[1] || s == out)
    return false;
  return std::all_of(s.begin() + 2, s.end(), [](int64_t d) { return d == 1; });
}

void blockedBroadcastSpace(const Node &n, Shape &shape,
                           std::vector<std::vector<int64_t>> &strides) {
  const TensorType &y = n.result()->type();
  int64_t b = y.block;
  shape = {y.shape[0], y.shape[1] / b};
  shape.insert(shape.end(), y.shape.begin() + 2, y.shape.end());
  shape.push_back(b);
  strides.clear();
  for (const Value *v : n.operands()) {
    std::vector<int64_t> st(shape.size(), 0);
    if (isChannelVector(v->type().shape, y.shape)) {
      st[0] = y.shape[1];
      st[1] = b;
      st.back() = 1;
    } else {
      int64_t s = 1;
      for (size_t i = shape.size(); i-- > 0;) {
        st[i] = s;
        s *= shape[i];
      }
    }
    strides.push_back(st);
  }
}

bool isBlockedNode(const Node &n) {
  for (const Value *v : n.operands())
    if (v->type().blocked())
      return true;
  for (const Value *v : n.results())
    if (v->type().blocked())
      return true;
  return false;
}

bool checkBlockedOperands(const Node &n, LowerCtx &ctx) {
  int64_t b = 0;
  const Value *first = nullptr;
  for (const auto *list : {&n.operands(), &n.results()})
    for (const Value *v : *list)
      if (v->type().blocked() && !b) {
        b = v->type().block;
        first = v;
      }
  if (!b || n.kind() == OpKind::Relayout)
    return true;
  std::string problem = blockedLayoutProblem(n, b);
  if (problem.empty())
    return true;
  ctx.diag().error(n.loc(),
                   "{} cannot be compiled with blocked %{} ({}) by the cpu "
                   "backend: {}",
                   n.info().name, first->name(), first->type().str(), problem);
  return false;
}

namespace {

/// The padded form of a conv: `m` output channels computed as whole blocks
/// of v (weights and bias zero beyond m) into `out`.
struct PaddedOut {
  int64_t m = 0;
  Buffer out;
  cnnk::Epilogue epi;
};

/// A strided 1x1 conv without pads (ResNet's downsample) reads every
/// stride-th pixel: those pixels copied into a dense scratch make it a
/// stride-1 conv, tiled over the flattened plane (the copy moves a
/// quarter of x for stride 2). Returns the scratch and sets `flat` to the
/// stride-1 geometry, or returns x's buffer when the conv is not such.
Buffer subsampledInput(const Node &n, const Value *x,
                       const cnnk::ConvGeom &g, cnnk::ConvGeom &flat,
                       LowerCtx &ctx) {
  flat = g;
  bool strided = false;
  for (int i = 0; i < 3; ++i) {
    if (g.kernel[i] != 1 || g.padBegin[i] != 0)
      return ctx.buffer(x);
    strided |= g.stride[i] != 1;
  }
  if (!strided)
    return ctx.buffer(x);
  const TensorType &xt = x->type();
  int64_t l = xt.blocked() ? xt.block : 1, batch = xt.shape[0];
  int64_t cb = xt.shape[1] / l, outSize = g.out[0] * g.out[1] * g.out[2];
  // [n][c/l][od][oh][ow][l] from x at (s0 od, s1 oh, s2 ow).
  Shape shape = {batch, cb, g.out[0], g.out[1], g.out[2], l};
  std::vector<int64_t> in = {cb * g.inSize * l,
                             g.inSize * l,
                             g.stride[0] * g.in[1] * g.in[2] * l,
                             g.stride[1] * g.in[2] * l,
                             g.stride[2] * l,
                             1};
  Buffer dst = ctx.scratch(numElements(shape) * 4);
  lowerStridedCopy(n, ctx, ctx.buffer(x), dst, shape, in, stridesOf(shape), 0,
                   0);
  for (int i = 0; i < 3; ++i) {
    flat.in[i] = g.out[i];
    flat.stride[i] = 1;
  }
  flat.inSize = outSize;
  return dst;
}

bool lowerConvDirect(const Node &n, const Tensor &w,
                     const cnnk::ConvGeom &g0, int v, LowerCtx &ctx,
                     const PaddedOut *pad) {
  const Value *x = n.operand(0), *b = n.operand("b");
  const Value *y = n.result();
  cnnk::ConvGeom g;
  Buffer xb = subsampledInput(n, x, g0, g, ctx);
  cnnk::ConvBlockedParams p{};
  p.block = v;
  p.geom = g;
  p.batch = x->type().shape[0];
  p.channels = x->type().shape[1];
  p.outChannels = pad ? roundUp(pad->m, v) : w.shape[0];
  p.inLanes = x->type().blocked() ? v : 1;
  interiorW(g, p.owLo, p.owHi);
  p.flat = 1;
  for (int i = 0; i < 3; ++i)
    if (g.kernel[i] != 1 || g.stride[i] != 1 || g.padBegin[i] != 0 ||
        g.out[i] != g.in[i])
      p.flat = 0;
  p.hasBias = b != nullptr;
  p.epi = pad ? pad->epi : epilogueParams(n);
  int64_t ocBlocks = p.outChannels / v, rows = g.out[0] * g.out[1];
  // A task computes at least minRows rows, enough pixels for full register
  // tiles (which span rows: a 7x7 plane is one task of 49 pixels, not 7
  // of 7, each a 6-pixel and a 1-pixel tile re-reading the weights). All
  // output-channel blocks go in one task (every input row read once per
  // row), unless that leaves too few tasks.
  int64_t nb = cnnk::blockedNB(v), mr = cnnk::blockedMR(v);
  int64_t minRows = std::clamp<int64_t>(divUp(8 * mr, g.out[2]), 1, rows);
  int64_t perRow = p.batch * (rows / minRows);
  p.ocGroup = ocBlocks;
  if (perRow < kWantTasks)
    p.ocGroup = std::min(
        ocBlocks, roundUp(divUp(ocBlocks, divUp(kWantTasks, perRow)), nb));
  p.ocGroups = divUp(ocBlocks, p.ocGroup);
  double flops =
      2.0 * double(numElementsOf(y)) * double(p.channels) * double(g.kSize);
  double rowFlops =
      flops / double(p.batch * rows) * double(p.ocGroup) / double(ocBlocks);
  // A block of r output rows reads (r - 1) * stride + halo input rows of
  // all channels per depth tap: kept within half of L2.
  int64_t rowBytes = g.in[2] * p.channels * 4;
  int64_t halo = (g.kernel[1] - 1) * g.dilation[1] + 1;
  int64_t maxRows =
      std::max<int64_t>(1, (ctx.target().l2Bytes / 2 / rowBytes / g.kernel[0] -
                            halo) / g.stride[1] +
                               1);
  blockRows(rows, p.batch * p.ocGroups, rowFlops, std::max(maxRows, minRows),
            p.rowBlock, p.rowBlocks, minRows);
  // Flat tiles run across rows: a task is rowBlock pixels, whole tiles
  // (but the last task's). Where that leaves too few tasks to share among
  // threads (a 7x7 plane is one block of pixels: a network's last stage
  // with 192 channels is three groups of 4 blocks, two threads 2:1), the
  // pixels are split evenly into blocks of at least 4 tiles, which still
  // reuse each chunk of weights across their tiles; a block's last pixels
  // are one more tile overlapping the one before, so the split costs no
  // tiles beyond the one task's.
  if (p.flat) {
    int64_t r = p.rowBlock;
    while (r < rows && r * g.out[2] % mr != 0)
      ++r;
    int64_t pixels = g.outSize, groups = p.batch * p.ocGroups;
    p.rowBlock = std::min(r * g.out[2], pixels);
    p.rowBlocks = divUp(pixels, p.rowBlock);
    int64_t want = std::min(divUp(kWantTasks / 2, groups), pixels / (4 * mr));
    if (groups * p.rowBlocks < kWantTasks / 2 && want > p.rowBlocks) {
      p.rowBlock = divUp(pixels, want);
      p.rowBlocks = divUp(pixels, p.rowBlock);
    }
  }
  p.wholeGroups = ocBlocks % nb == 0 && p.ocGroup % nb == 0;
  // A task's pixels: rowBlock rows (flat: pixels), the last task's the
  // rest.
  int64_t chunk = cnnk::blockedChunk(g.out[2], p.flat, int(mr));
  int64_t units = cnnk::blockedTaskUnits(g, p.flat),
          width = cnnk::blockedTaskWidth(g, p.flat);
  for (int64_t taskUnits :
       {p.rowBlock, units - (p.rowBlocks - 1) * p.rowBlock}) {
    int64_t pixels = taskUnits * width, last = pixels % chunk;
    if (pixels < mr || (last != 0 && last < mr))
      p.shortChunks = 1;
  }
  // Input channels in chunks whose weights for NB blocks fill about 3/4
  // of L1: read from L1 by every tile of a chunk of pixels, where all the
  // channels' weights (a 3x3 conv of 512 channels: 1.2 MB for 4 blocks of
  // 16) would stream from L2 or beyond for each tile.
  int64_t icBlocks = p.channels / p.inLanes;
  int64_t chunkBytes = nb * p.inLanes * g.kSize * v * 4;
  p.icChunk = std::clamp<int64_t>(ctx.target().l1Bytes * 3 / 4 / chunkBytes,
                                  1, icBlocks);
  p.icChunk = divUp(icBlocks, divUp(icBlocks, p.icChunk));
  Buffer wb, bb = bufferOr(ctx, b, x);
  if (pad) {
    // Zero weights and bias for the padded channels.
    Tensor wp(Shape{p.outChannels, p.channels, g.kSize});
    std::copy(w.data.begin(), w.data.end(), wp.data.begin());
    wb = ctx.addWeights(wp.size(), [&](float *d) {
      convWeights(wp, p.outChannels, p.channels, g.kSize, v, p.inLanes, d);
    });
    if (b) {
      const Tensor *bt = ctx.constant(b);
      if (!bt) {
        ctx.diag().error(n.loc(), "conv to {} channels (not whole blocks of "
                                  "{}) needs a constant bias",
                         pad->m, v);
        return false;
      }
      std::vector<float> bp(size_t(p.outChannels), 0.0f);
      std::copy(bt->data.begin(), bt->data.end(), bp.begin());
      bb = ctx.addWeights(bp);
    }
  } else {
    wb = ctx.addWeights(w.size(), [&](float *d) {
      convWeights(w, p.outChannels, p.channels, g.kSize, v, p.inLanes, d);
    });
  }
  ctx.call<KernelId::ConvBlocked>(p,
                                  {xb, wb, bb,
                                   bufferOr(ctx, residualOf(n), x),
                                   pad ? pad->out : ctx.buffer(y)},
                                  p.batch * p.ocGroups * p.rowBlocks, flops);
  return true;
}

/// A conv of whole input blocks to a plain result whose channels are not
/// whole blocks: conv_blocked over the channels rounded up to blocks (zero
/// weights beyond) into scratch, the real channels copied out to y, then
/// the residual added and res_act applied there when the conv has them.
bool lowerConvPadded(const Node &n, const Tensor &w, const cnnk::ConvGeom &g,
                     LowerCtx &ctx) {
  const Value *y = n.result();
  int64_t v = n.operand(0)->type().block;
  const Shape &ys = y->type().shape;
  int64_t batch = ys[0], m = ys[1], mp = roundUp(m, v);
  int64_t plane = product(ys, 2, ys.size());
  PaddedOut pad;
  pad.m = m;
  pad.out = ctx.scratch(batch * mp * plane * 4);
  pad.epi = epilogueParams(n);
  const Value *res = residualOf(n);
  cnnk::ActParams resAct = pad.epi.resAct;
  if (res) {
    pad.epi.hasResidual = 0;
    pad.epi.resAct = cnnk::ActParams{cnnk::kActNone, 0, 0, 0};
  }
  if (!lowerConvDirect(n, w, g, int(v), ctx, &pad))
    return false;
  // The real channels: whole blocks, then the last one's first m % v.
  Buffer yb = ctx.buffer(y);
  auto copy = [&](int64_t blocks, int64_t lanes, int64_t block0) {
    // [n][block][lane][pixel] from scratch [n][block][pixel][lane].
    return lowerStridedCopy(n, ctx, pad.out, yb, {batch, blocks, lanes, plane},
                            {mp * plane, v * plane, 1, v},
                            {m * plane, v * plane, plane, 1},
                            block0 * v * plane, block0 * v * plane);
  };
  if ((m / v && !copy(m / v, v, 0)) || !copy(1, m % v, m / v))
    return false;
  if (res) {
    int64_t count = numElementsOf(y);
    cnnk::BinaryParams a{};
    a.op = cnnk::kBinAdd;
    a.rank = 1;
    a.shape[0] = count;
    a.aStride[0] = a.bStride[0] = 1;
    a.count = count;
    a.block = unitsPerTask(count, 1, 16);
    ctx.call<KernelId::Binary>(a, {yb, ctx.buffer(res), yb},
                               ceilDiv(count, a.block), double(count));
    if (resAct.kind != cnnk::kActNone)
      lowerActivation(resAct, count, yb, yb, ctx);
  }
  return true;
}

} // namespace

bool lowerConvBlocked(const Node &n, LowerCtx &ctx) {
  if (!checkBlockedOperands(n, ctx))
    return false;
  const Value *wv = n.operand(1);
  const Value *y = n.result();
  if (numElementsOf(y) == 0)
    return true;
  const Tensor *w = ctx.constant(wv);
  if (!w) {
    ctx.diag().error(n.loc(),
                     "conv with a blocked result needs constant "
                     "weights, found %{} computed at run time",
                     wv->name());
    return false;
  }
  cnnk::ConvGeom g = convGeom(n);
  switch (Catalogue(ctx.target()).convAlgorithm(n)) {
  case ConvAlgo::BlockedPadded:
    return lowerConvPadded(n, *w, g, ctx);
  case ConvAlgo::DepthwiseBlocked:
    return lowerDepthwiseBlocked(n, *w, g, ctx);
  case ConvAlgo::Winograd:
    return lowerConvWinograd(n, *w, g, ctx);
  default:
    return lowerConvDirect(n, *w, g, int(y->type().block), ctx, nullptr);
  }
}

bool lowerPoolBlocked(const Node &n, LowerCtx &ctx, bool isMax) {
  if (!checkBlockedOperands(n, ctx))
    return false;
  const Value *x = n.operand(0), *y = n.result();
  const Shape &xs = x->type().shape;
  std::vector<WindowAxis> axes = poolWindow(n);
  cnnk::PoolBlockedParams p{};
  p.block = y->type().block;
  p.kind = isMax ? cnnk::kPoolMax : cnnk::kPoolAvg;
  p.countIncludePad = isMax ? 0 : n.getInt("count_include_pad");
  setWindow3(axes, p);
  p.rows = xs[0] * (xs[1] / p.block) * p.out[0] * p.out[1];
  if (p.rows * p.out[2] == 0)
    return true;
  int64_t taps = p.kernel[0] * p.kernel[1] * p.kernel[2];
  p.perTask = unitsPerTask(p.rows, p.out[2] * taps * p.block);
  ctx.call<KernelId::PoolBlocked>(p, {ctx.buffer(x), ctx.buffer(y)},
                                  ceilDiv(p.rows, p.perTask),
                                  double(numElementsOf(y)) * double(taps));
  return true;
}

bool lowerGlobalPoolBlocked(const Node &n, LowerCtx &ctx, bool isMax) {
  if (!checkBlockedOperands(n, ctx))
    return false;
  const Value *x = n.operand(0);
  const Shape &xs = x->type().shape;
  cnnk::GlobalPoolBlockedParams p{};
  p.block = x->type().block;
  p.kind = isMax ? cnnk::kPoolMax : cnnk::kPoolAvg;
  p.planes = xs[0] * (xs[1] / p.block);
  p.size = product(xs, 2, xs.size());
  if (p.planes == 0)
    return true;
  p.perTask = unitsPerTask(p.planes, p.size * p.block);
  ctx.call<KernelId::GlobalPoolBlocked>(
      p, {ctx.buffer(x), ctx.buffer(n.result())}, ceilDiv(p.planes, p.perTask),
      double(numElementsOf(x)));
  return true;
}

} // namespace cnnc::cpu
