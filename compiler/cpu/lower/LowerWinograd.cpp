//===- LowerWinograd.cpp - 3x3 convs as Winograd F(4x4, 3x3) --------------===//
//
// The conv_winograd lowering (kernels/ConvWinograd.cpp): whether it
// applies, the cost model that weighs it against the direct kernel, the
// weights transformed at compile time (G g G^T, in double), and the split
// into units of tiles and output-channel groups, each lane with its own
// scratch. lowerConvBlocked (LowerBlocked.cpp) calls it first for every
// conv with a blocked result that is not depthwise.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/lower/LowerBlocked.h"
#include "passes/TileModel.h"

#include "compiler/cpu/lower/LowerConv.h"
#include "compiler/cpu/lower/LowerMisc.h"

#include <algorithm>

namespace cnnc::cpu {

namespace {

/// Whether conv_winograd computes `n` (geometry g, block v): a 2D 3x3 conv,
/// stride and dilation 1, of a blocked input (groups 1 and channels in
/// whole blocks are checked by convProblem).
bool winogradApplies(const Node &n, const cnnk::ConvGeom &g) {
  if (!n.operand(0)->type().blocked() || n.operand(0)->type().rank() != 4)
    return false;
  for (int i = 1; i < 3; ++i)
    if (g.kernel[i] != 3 || g.stride[i] != 1 || g.dilation[i] != 1)
      return false;
  return g.in[0] == 1 && g.kernel[0] == 1;
}

/// Whether Winograd is the faster way for a conv of c to m channels by the
/// cost model, in flops of the FMA units: the direct conv's 2 x 9 x m x c
/// per pixel against 2 x 36 x m x c per 4x4 tile (tiles covering the
/// plane), plus the transforms (about 3 vector operations per input and
/// output value and channel, each as dear as an FMA), plus streaming the
/// transformed weights (36 / 9 = 4x the direct ones) from beyond L2 once
/// per block of tiles when they do not fit half of it: L3 delivers about
/// two floats a cycle, the FMA units 4 V flops, so a streamed float costs
/// 2 V flops. Both compute in the same register tiles.
bool winogradPays(const cnnk::ConvGeom &g, int64_t c, int64_t m,
                  int64_t tiles, int64_t tileBlocks, const TargetInfo &t) {
  double pixels = double(g.out[1] * g.out[2]);
  double direct = 2.0 * pixels * 9.0 * double(m * c);
  double gemm = 2.0 * double(tiles) * 36.0 * double(m * c);
  double transforms = 2.0 * double(tiles) * 36.0 * double(c + m) * 3.0;
  double weightFloats = 36.0 * double(m * c);
  double streamed = weightFloats * 4.0 > double(t.l2Bytes) / 2
                        ? weightFloats * double(tileBlocks)
                        : 0.0;
  double wino = gemm + transforms + streamed * 2.0 * t.vectorWidth;
  return wino < 0.8 * direct;
}

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

/// Lowers `n` to conv_winograd when it applies and its `algo` (or, for
/// auto, the cost model) asks for it; false to use the direct kernel.
bool lowerConvWinograd(const Node &n, const Tensor &w, const cnnk::ConvGeom &g,
                       LowerCtx &ctx) {
  std::string algo = n.getEnum("algo");
  if (algo == "direct" || !winogradApplies(n, g))
    return false;
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
  int64_t tileCount = p.tiles[0] * p.tiles[1];
  int64_t nb = cnnk::blockedNB(int(v)), mr = cnnk::blockedMR(int(v));
  int64_t mb = p.outChannels / v;
  // A unit's transformed input (all channels) and the products of NB
  // blocks stay within L2 (the weights pass through it, a slab of NB
  // blocks at a time).
  int64_t perTile = 36 * 4 * (p.channels + nb * v);
  p.tileBlock = std::clamp<int64_t>(ctx.target().l2Bytes / perTile / mr * mr,
                                    mr, roundUp(tileCount, mr));
  // Up to half a block over L2 in one block rather than two: each block
  // streams all the transformed weights again.
  if (tileCount * 2 <= p.tileBlock * 3)
    p.tileBlock = roundUp(tileCount, mr);
  p.tileBlocks = divUp(tileCount, p.tileBlock);
  p.tileBlock = roundUp(divUp(tileCount, p.tileBlocks), mr);
  if (algo == "auto" && !winogradPays(g, p.channels, p.outChannels,
                                      tileCount, p.tileBlocks, ctx.target()))
    return false;
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
