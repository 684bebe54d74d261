//===- TileModel.cpp - Analytical tile sizes for conv and GEMM ------------===//
#include "passes/TileModel.h"

#include <algorithm>
#include <fmt/format.h>

namespace cnnc {

namespace {

int64_t divUp(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t roundUp(int64_t a, int64_t b) { return divUp(a, b) * b; }

/// K block of a GEMM over K: K itself when it is at most `kcMax`, else K
/// split evenly into blocks of at most kcMax, rounded up to a multiple of
/// `unit` (a conv's kernel size) when that stays within `limit`.
int64_t splitK(int64_t k, int64_t unit, int64_t kcMax, int64_t limit) {
  if (k <= kcMax)
    return std::max<int64_t>(k, 1);
  int64_t kc = divUp(k, divUp(k, kcMax));
  if (unit > 1 && roundUp(kc, unit) <= limit)
    kc = roundUp(kc, unit);
  return kc;
}

/// The most M rows of one task: an A block of rows x kc floats within a
/// quarter of L2, a multiple of MR.
int64_t maxRows(const PassTarget &t, int64_t mr) {
  int64_t rows = t.l2Bytes / 4 / (4 * maxKBlock(t));
  return std::max(mr, rows / mr * mr);
}

/// A candidate split of a conv's GEMM and its estimated cost.
struct Split {
  int64_t mBlock = 0, perTask = 0, tasks = 0;
  double cycles = 0;
};

/// Estimated cycles of the data movement beyond the multiply-adds: every
/// M block packs the input panels again (about a cycle per element), and
/// every pixel block streams its rows of packed weights from L3 again when
/// they do not stay in half of L2.
Split costConv(const ConvGemmShape &s, int64_t mPad, int64_t mBlock,
               int64_t perTask, int64_t panels, int64_t nr, int64_t l2) {
  Split b{mBlock, perTask};
  int64_t mBlocks = divUp(mPad, mBlock), pixelBlocks = divUp(panels, perTask);
  b.tasks = s.batch * s.groups * mBlocks * pixelBlocks;
  double slices = double(s.batch * s.groups);
  double pack = double(mBlocks) * double(s.k) * double(panels * nr);
  bool weightsInL2 = mBlock * s.k * 4 <= l2 / 2;
  double stream = weightsInL2
                      ? 0.0
                      : 0.1 * double(pixelBlocks) * double(mPad) * double(s.k);
  b.cycles = slices * (pack + stream);
  return b;
}

} // namespace

RegisterTile registerTile(const PassTarget &t) {
  return *t.kernels->registerTile();
}

int64_t maxKBlock(const PassTarget &t) {
  RegisterTile rt = registerTile(t);
  int64_t fit = t.l1Bytes * 3 / 4 / (4 * (rt.mr + rt.nr));
  int64_t kc = 16;
  while (kc * 2 <= fit)
    kc *= 2;
  return std::min(kc, rt.bPanelFloats / rt.nr);
}

Tiles chooseConvTiles(const ConvGemmShape &s, const PassTarget &t) {
  RegisterTile rt = registerTile(t);
  int64_t mr = rt.mr, nr = rt.nr;
  Tiles tiles;
  tiles.depth = splitK(s.k, s.kSize, maxKBlock(t), rt.bPanelFloats / nr);
  int64_t mPad = roundUp(s.mg, mr);
  int64_t panels = divUp(s.outSize, nr);
  int64_t mTop = roundUp(divUp(mPad, divUp(mPad, maxRows(t, mr))), mr);
  int64_t pTop = panels;
  if (s.k > tiles.depth)
    pTop = std::clamp<int64_t>(t.l2Bytes / 2 / 4 / (mTop * nr), 1, panels);
  double flops = 2.0 * double(s.batch) * double(s.groups) * double(s.mg) *
                 double(s.outSize) * double(s.k);
  Split best = costConv(s, mPad, mTop, pTop, panels, nr, t.l2Bytes);
  for (int64_t mBlock = mTop;; mBlock = roundUp(divUp(mBlock, 2), mr)) {
    for (int64_t perTask = pTop;; perTask = divUp(perTask, 2)) {
      Split b = costConv(s, mPad, mBlock, perTask, panels, nr, t.l2Bytes);
      bool worth = flops / double(b.tasks) >= 2 * kMinTaskFlops;
      bool enough = b.tasks >= kWantTasks,
           bestEnough = best.tasks >= kWantTasks;
      if (worth && ((enough && (!bestEnough || b.cycles < best.cycles)) ||
                    (!enough && !bestEnough && b.tasks > best.tasks)))
        best = b;
      if (perTask == 1)
        break;
    }
    if (mBlock <= mr)
      break;
  }
  tiles.rows = best.mBlock;
  tiles.columns = best.perTask * nr;
  return tiles;
}

Tiles chooseGemmTiles(const GemmShape &s, const PassTarget &t) {
  RegisterTile rt = registerTile(t);
  int64_t mr = rt.mr, nr = rt.nr;
  int64_t mPad = roundUp(s.m, mr), nPad = roundUp(s.n, nr);
  Tiles tiles;
  // One M panel reuses no B panel: stream all of K at once.
  tiles.depth = mPad == mr ? std::max<int64_t>(s.k, 1)
                           : splitK(s.k, 1, maxKBlock(t), maxKBlock(t));
  int64_t mBlocks = divUp(mPad, maxRows(t, mr));
  tiles.rows = roundUp(divUp(mPad, mBlocks), mr);
  mBlocks = divUp(mPad, tiles.rows);
  int64_t panels = nPad / nr, perTask = panels;
  double flops =
      2.0 * double(s.batch) * double(s.m) * double(s.n) * double(s.k);
  auto tasks = [&] { return s.batch * mBlocks * divUp(panels, perTask); };
  while (perTask > 1 && tasks() < kWantTasks &&
         flops / double(tasks()) >= 2 * kMinTaskFlops)
    perTask = divUp(perTask, 2);
  tiles.columns = perTask * nr;
  return tiles;
}

//===--- The GPU model ----------------------------------------------------===//

namespace {

/// The shapes the model picks from, best first for a large GEMM; all are
/// powers of two, so the loaders' thread mapping divides evenly.
constexpr GpuTile kGpuTiles[] = {
    {128, 128, 8, 8, 8}, {128, 64, 8, 8, 4}, {64, 128, 8, 4, 8},
    {64, 64, 8, 4, 4},   {64, 32, 16, 4, 4}, {32, 64, 16, 4, 4},
    {32, 32, 16, 4, 4},  {16, 64, 16, 2, 4}, {8, 128, 16, 1, 8},
    {8, 64, 16, 1, 4},
};

/// Threads a multiprocessor holds at most, and the warps it needs to hide
/// the latency of its loads.
constexpr int64_t kGpuThreadsPerSM = 2048;
constexpr int64_t kGpuWarpsToHide = 8;

/// Estimated time of a GEMM with tile `t` in instructions of the busiest
/// multiprocessor, divided by the share of the latency its warps hide.
double gpuTileCost(const GpuTile &t, int64_t m, int64_t n, int64_t k,
                   int64_t batches, int64_t sms) {
  int64_t blocks = divUp(m, t.blockRows) * divUp(n, t.blockCols) * batches;
  int64_t kPad = roundUp(std::max<int64_t>(k, 1), t.depth);
  double perThread =
      double(t.threadRows * t.threadCols + t.threadRows + t.threadCols) *
      double(kPad);
  double perBlock = double(t.threads()) * perThread +
                    2.0 * double((t.blockRows + t.blockCols) * kPad) +
                    4.0 * double(t.blockRows * t.blockCols);
  int64_t perSM = divUp(blocks, std::max<int64_t>(sms, 1));
  int64_t resident = std::min(perSM, kGpuThreadsPerSM / t.threads());
  double warps = double(resident * t.threads()) / 32.0;
  double hidden = std::min(1.0, warps / double(kGpuWarpsToHide));
  return double(perSM) * perBlock / hidden;
}

} // namespace

int64_t gpuTileSharedBytes(const GpuTile &t) {
  return 2 * t.depth * (t.blockRows + t.blockCols + 2 * kGpuSharedPad) * 4;
}

std::string gpuTileError(const GpuTile &t, const PassTarget &target) {
  if (t.blockRows <= 0 || t.blockCols <= 0 || t.depth <= 0 ||
      t.threadRows <= 0 || t.threadCols <= 0)
    return "every gpu_tile size must be positive";
  if (t.blockRows % t.threadRows || t.blockCols % t.threadCols)
    return fmt::format("block {}x{} is not a whole number of {}x{} thread "
                       "tiles",
                       t.blockRows, t.blockCols, t.threadRows, t.threadCols);
  if (t.threadRows * t.threadCols > 256)
    return fmt::format("{}x{} outputs per thread need more than 256 "
                       "registers of accumulators",
                       t.threadRows, t.threadCols);
  if (t.blockRows > 4096 || t.blockCols > 4096 || t.depth > 4096)
    return "gpu_tile sizes must be at most 4096";
  int64_t threads = t.threads();
  if (threads > 1024)
    return fmt::format("{} threads per block, more than CUDA's 1024", threads);
  if (threads % t.blockCols != 0 && t.blockCols % threads != 0)
    return fmt::format("{} threads cannot share the loads of {} block "
                       "columns evenly (one must divide the other)",
                       threads, t.blockCols);
  if (gpuTileSharedBytes(t) > target.gpuSharedBytes)
    return fmt::format("{} bytes of shared memory, more than the target's {}",
                       gpuTileSharedBytes(t), target.gpuSharedBytes);
  return {};
}

GpuTile chooseGpuTile(int64_t m, int64_t n, int64_t k, int64_t batches,
                      const PassTarget &target) {
  GpuTile best;
  double bestCost = 0;
  for (GpuTile t : kGpuTiles) {
    // A short K needs no deeper stage than K itself.
    t.depth = std::min(t.depth, std::max<int64_t>(k, 1));
    if (!gpuTileError(t, target).empty())
      continue;
    double cost =
        gpuTileCost(t, std::max<int64_t>(m, 1), std::max<int64_t>(n, 1), k,
                    std::max<int64_t>(batches, 1), target.gpuMultiprocessors);
    if (best.depth == 0 || cost < bestCost) {
      best = t;
      bestCost = cost;
    }
  }
  if (best.depth == 0) // a target with almost no shared memory
    best = GpuTile{8, 32, 1, 1, 1};
  return best;
}

std::vector<int64_t> gpuTileList(const GpuTile &t) {
  return {t.blockRows, t.blockCols, t.depth, t.threadRows, t.threadCols};
}

GpuTile gpuTileFromList(const std::vector<int64_t> &v) {
  if (v.size() != 5)
    return GpuTile{};
  return GpuTile{v[0], v[1], v[2], v[3], v[4]};
}

std::string gpuTileText(const GpuTile &t) {
  return fmt::format("block {}x{}x{}, {}x{} per thread", t.blockRows,
                     t.blockCols, t.depth, t.threadRows, t.threadCols);
}

} // namespace cnnc
