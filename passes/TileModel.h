//===- TileModel.h - Analytical tile sizes for conv and GEMM ----*- C++ -*-===//
//
// The CPU backend computes every conv (but depthwise) and gemm as a GEMM
// C[M][N] += A[M][K] B[K][N] in register tiles of MR x NR (the micro-kernel,
// compiler/cpu/kernels/Gemm.h), over K blocks of kc, in tasks of `rows` M
// rows by `columns` N columns. This model picks those three sizes from the
// target's register tile and cache sizes, without running anything:
//
//   MR x NR   the micro-kernel's register tile, as the target's kernel
//             catalogue states it (compiler/cpu/Catalogue.cpp)
//   kc        an A micro-panel (MR x kc) and a B micro-panel (kc x NR)
//             fill at most 3/4 of L1, rounded down to a power of two; K is
//             split evenly into blocks of at most that, rounded up to a
//             conv's kernel size when the B panel still fits the kernel's
//             stack buffer
//   rows,     the cheapest split by an estimate of data movement: every M
//   columns   block packs the input panels again, every N block streams the
//             task's packed weights from L3 again unless rows x K floats
//             stay in half of L2; among splits with enough tasks for a few
//             threads, each worth scheduling
//
// The tile pass records the result as the `tile` attribute; the backend
// uses the same model when a node has none.
//
// The CUDA backend computes the same GEMMs with a thread block per
// block_rows x block_cols outputs, staging `depth` of K per step in shared
// memory, each thread accumulating thread_rows x thread_cols of them in
// registers (compiler/cuda/kernels/gemm.cuh). Its model (chooseGpuTile)
// picks among a few such shapes (128x128 and 64x64 blocks with 8x8 or
// 4x4 per thread first, smaller ones for small layers) the one with the
// least estimated time: the instructions of the busiest multiprocessor
// (multiply-adds, shared-memory reads, the block's loads of its tiles),
// slowed when it holds too few warps to hide latency. So a large layer
// gets large tiles and a small one (batch 1, few channels) smaller tiles
// that still spread over every multiprocessor. The tile pass records the
// result as `gpu_tile`.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_PASSES_TILEMODEL_H
#define CNNC_PASSES_TILEMODEL_H

#include "passes/KernelCatalogue.h"
#include "passes/Pass.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cnnc {

/// How finely the CPU's work is split into tasks, for the tile model and
/// the CPU lowerings alike: a task is worth at least kMinTaskFlops, and
/// kWantTasks tasks keep a few threads busy (when the work allows).
constexpr double kMinTaskFlops = 1024 * 1024;
constexpr int64_t kWantTasks = 12;

/// The micro-kernel's register tile of a CPU target: its kernel
/// catalogue's (t.kernels must be a catalogue with one, as a CPU
/// target's is).
RegisterTile registerTile(const PassTarget &t);

/// Tile sizes of one conv or gemm: M rows and N columns per task, K block.
struct Tiles {
  int64_t rows = 0, columns = 0, depth = 0;
};

/// The GEMM a conv computes per batch element and group: mg output
/// channels, outSize output pixels, k = cg * kSize.
struct ConvGemmShape {
  int64_t batch = 1, groups = 1, mg = 0, outSize = 0, k = 0, kSize = 1;
};
Tiles chooseConvTiles(const ConvGemmShape &s, const PassTarget &t);

/// `batch` products of [m x k] by [k x n].
struct GemmShape {
  int64_t batch = 1, m = 0, n = 0, k = 0;
};
Tiles chooseGemmTiles(const GemmShape &s, const PassTarget &t);

/// The largest K block the model allows (kc of a long K).
int64_t maxKBlock(const PassTarget &t);

//===--- The GPU model ----------------------------------------------------===//

/// A CUDA thread block's tile of a GEMM (the gpu_tile attribute's order).
struct GpuTile {
  int64_t blockRows = 0, blockCols = 0, depth = 0, threadRows = 0,
          threadCols = 0;
  int64_t threads() const {
    return (blockRows / threadRows) * (blockCols / threadCols);
  }
  bool operator==(const GpuTile &) const = default;
};

/// Floats each shared-memory row of a tile is padded by (keeps column
/// loads of the k-major stores off one bank).
constexpr int64_t kGpuSharedPad = 4;

/// Static shared memory of a block of tile `t`: two stages (double
/// buffering) of the BK x (BM + pad) and BK x (BN + pad) staging arrays.
int64_t gpuTileSharedBytes(const GpuTile &t);

/// Why the kernels cannot run tile `t` on target `target` (threads, shared
/// memory, divisibility), or empty when they can.
std::string gpuTileError(const GpuTile &t, const PassTarget &target);

/// The tile of `batches` independent [m x k] by [k x n] products (a conv:
/// m output channels per group, n batch * output pixels, k = cg * kSize,
/// batches = groups).
GpuTile chooseGpuTile(int64_t m, int64_t n, int64_t k, int64_t batches,
                      const PassTarget &target);

/// The tile as the gpu_tile attribute lists it, and back (size checked).
std::vector<int64_t> gpuTileList(const GpuTile &t);
GpuTile gpuTileFromList(const std::vector<int64_t> &v);

/// "block 64x64x8, 4x4 per thread".
std::string gpuTileText(const GpuTile &t);

} // namespace cnnc

#endif
