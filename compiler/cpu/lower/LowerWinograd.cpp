//===- LowerWinograd.cpp - 3x3 convs as Winograd F(4x4, 3x3) --------------===//
//
// The conv_winograd lowering (kernels/ConvWinograd.cpp): the weights
// transformed at compile time (G g G^T, in double), and the split into
// units of tiles and output-channel groups, each lane with its own
// scratch. Whether a conv is computed so (the shapes Winograd takes and
// the cost model that weighs it against the direct kernel) is the
// catalogue's (Catalogue.cpp), which sizes its blocks of tiles with
// winogradTiles as this lowering does.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/lower/LowerBlocked.h"
#include "passes/TileModel.h"

#include "compiler/cpu/lower/LowerConv.h"
#include "compiler/cpu/lower/LowerMisc.h"

#include <algorithm>

namespace cnnc::cpu {

namespace {

/// The weights [M][C][3][3] as G g G^T, [36][M/V][C][V], into `u`.
void winogradWeights(const Tensor &w, int64_t m, int64_t c, int64_t v,
                     float *u) {
  static const double G[6][3] = {{1.0 / 4, 0, 0},
                                 {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                 {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                 {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                 {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                 {0, 0, 1}};
  for (int64_t oc = 0; oc < m; ++oc)
    for (int64_t ic = 0; ic < c; ++ic) {
      const float *g = &w.data[size_t((oc * c + ic) * 9)];
      double gt[6][3]; // G g
      for (int i = 0; i < 6; ++i)
        for (int b = 0; b < 3; ++b)
          gt[i][b] = G[i][0] * g[0 * 3 + b] + G[i][1] * g[1 * 3 + b] +
                     G[i][2] * g[2 * 3 + b];
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 6; ++j) {
          double s = gt[i][0] * G[j][0] + gt[i][1] * G[j][1] +
                     gt[i][2] * G[j][2];
          int64_t pt = i * 6 + j;
          u[size_t(((pt * (m / v) + oc / v) * c + ic) * v + oc % v)] =
              float(s);
        }
    }
}

} // namespace

WinogradTiles winogradTiles(const cnnk::ConvGeom &g, int64_t channels,
                            int64_t v, const TargetInfo &t) {
  WinogradTiles w;
  w.tileCount = divUp(g.out[1], cnnk::kWinoOut) * divUp(g.out[2], cnnk::kWinoOut);
  int64_t nb = cnnk::blockedNB(int(v)), mr = cnnk::blockedMR(int(v));
  // A unit's transformed input (all channels) and the products of NB
  // blocks stay within L2 (the weights pass through it, a slab of NB
  // blocks at a time).
  int64_t perTile = 36 * 4 * (channels + nb * v);
  w.tileBlock = std::clamp<int64_t>(t.l2Bytes / perTile / mr * mr, mr,
                                    roundUp(w.tileCount, mr));
  // Up to half a block over L2 in one block rather than two: each block
  // streams all the transformed weights again.
  if (w.tileCount * 2 <= w.tileBlock * 3)
    w.tileBlock = roundUp(w.tileCount, mr);
  w.tileBlocks = divUp(w.tileCount, w.tileBlock);
  w.tileBlock = roundUp(divUp(w.tileCount, w.tileBlocks), mr);
  return w;
}

bool lowerConvWinograd(const Node &n, const Tensor &w, const cnnk::ConvGeom &g,
                       LowerCtx &ctx) {
  const Value *x = n.operand(0), *b = n.operand("b"), *y = n.result();
  cnnk::ConvWinogradParams p{};
  int64_t v = y->type().block;
  p.block = v;
  p.batch = x->type().shape[0];
  p.channels = x->type().shape[1];
  p.outChannels = w.shape[0];
  for (int i = 0; i < 2; ++i) {
    p.in[i] = g.in[i + 1];
    p.out[i] = g.out[i + 1];
    p.padBegin[i] = g.padBegin[i + 1];
    p.tiles[i] = divUp(p.out[i], cnnk::kWinoOut);
  }
  WinogradTiles tiles = winogradTiles(g, p.channels, v, ctx.target());
  int64_t tileCount = tiles.tileCount;
  p.tileBlock = tiles.tileBlock;
  p.tileBlocks = tiles.tileBlocks;
  int64_t nb = cnnk::blockedNB(int(v)), mr = cnnk::blockedMR(int(v));
  int64_t mb = p.outChannels / v;
  // Enough units for a few threads: split the output channels first (each
  // group transforms the input again, which is cheap), in whole NB; then,
  // below 2 units, the tiles (each block streams the weights again), in
  // whole register tiles (a block of 13 tiles computes 18: on 1 thread, 4
  // such blocks of a 49-tile plane cost a third more than one).
  int64_t perGroup = p.batch * p.tileBlocks;
  p.ocGroup = mb;
  if (perGroup < kWantTasks)
    p.ocGroup =
        std::min(mb, roundUp(divUp(mb, divUp(kWantTasks, perGroup)), nb));
  p.ocGroups = divUp(mb, p.ocGroup);
  constexpr int64_t kMinUnits = 2;
  if (p.batch * p.tileBlocks * p.ocGroups < kMinUnits) {
    p.tileBlocks = std::min(
        tileCount, std::max(p.tileBlocks,
                            divUp(kMinUnits, p.batch * p.ocGroups)));
    p.tileBlock = roundUp(divUp(tileCount, p.tileBlocks), mr);
    p.tileBlocks = divUp(tileCount, p.tileBlock);
  }
  p.units = p.batch * p.tileBlocks * p.ocGroups;
  // The scratch is per lane, not per unit: at most kWinoLanes lanes.
  constexpr int64_t kWinoLanes = 32;
  p.lanes = std::min(p.units, kWinoLanes);
  p.laneFloats = 36 * roundUp(p.tileBlock, mr) * (p.channels + nb * v);
  // A point's weights for NB blocks in chunks of about 3/4 of L1.
  int64_t cbs = p.channels / v;
  p.icChunk = std::clamp<int64_t>(
      ctx.target().l1Bytes * 3 / 4 / (nb * v * v * 4), 1, cbs);
  p.icChunk = divUp(cbs, divUp(cbs, p.icChunk));
  p.hasBias = b != nullptr;
  p.epi = epilogueParams(n);
  Buffer scratch = ctx.scratch(p.lanes * p.laneFloats * 4);
  Buffer ub = ctx.addWeights(36 * p.outChannels * p.channels, [&](float *u) {
    winogradWeights(w, p.outChannels, p.channels, v, u);
  });
  double flops = 2.0 * double(numElementsOf(y)) * double(p.channels) * 9.0;
  ctx.call<KernelId::ConvWinograd>(p,
                                   {ctx.buffer(x), ub, bufferOr(ctx, b, x),
                                    bufferOr(ctx, residualOf(n), x),
                                    ctx.buffer(y), scratch},
                                   p.lanes, flops);
  return true;
}

} // namespace cnnc::cpu
