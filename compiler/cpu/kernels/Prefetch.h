//===- Prefetch.h - Software prefetch of streamed weights -------*- C++ -*-===//
//
// The blocked conv kernels read a chunk of weights (NB output-channel
// blocks' streams) from L1 in every register tile of a chunk of pixels or
// tiles. The first tile of each chunk would find them in memory and stall:
// the hardware prefetchers do not run far enough ahead. So the tiles of a
// chunk prefetch the next chunk's weights into L2, each tile a share, a
// few lines per step of its inner loop, overlapping those loads with FMAs.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CPU_KERNELS_PREFETCH_H
#define CNNC_COMPILER_CPU_KERNELS_PREFETCH_H

#include "compiler/cpu/kernels/Kernel.h"

namespace cnnk {

/// Floats of a cache line.
constexpr int64_t kLineFloats = 16;

/// The weights one tile prefetches: lines [first, first + count) of
/// `blocks` streams of blockFloats floats each, stream j at
/// base + j * stride, perStep of them per step.
struct PrefetchShare {
  const float *base = nullptr;
  int64_t stride = 0, blockFloats = 0, first = 0, count = 0, perStep = 0;
};

/// The share of each of `tiles` tiles in the `blocks` streams from `base`,
/// spread over `steps` steps of a tile; tile t takes lines from t * count
/// (advance `first` by `count` per tile).
CNNK_INLINE PrefetchShare prefetchShare(const float *base, int64_t blocks,
                                        int64_t stride, int64_t blockFloats,
                                        int64_t tiles, int64_t steps) {
  PrefetchShare s;
  if (!base || blockFloats <= 0 || tiles <= 0 || steps <= 0)
    return s;
  s.base = base;
  s.stride = stride;
  s.blockFloats = blockFloats;
  int64_t lines = blocks * blockFloats / kLineFloats;
  s.count = (lines + tiles - 1) / tiles;
  s.perStep = (s.count + steps - 1) / steps;
  return s;
}

/// Walks one tile's share, issuing prefetches into L2.
struct PrefetchWalk {
  const float *at = nullptr, *blockStart = nullptr;
  int64_t left = 0, inBlock = 0, perStep = 0, blockFloats = 0, stride = 0;

  CNNK_INLINE explicit PrefetchWalk(const PrefetchShare &s) {
    if (!s.base || s.count <= 0)
      return;
    int64_t first = s.first * kLineFloats;
    int64_t block = first / s.blockFloats;
    inBlock = first - block * s.blockFloats;
    blockStart = s.base + block * s.stride;
    at = blockStart + inBlock;
    left = s.count;
    perStep = s.perStep;
    blockFloats = s.blockFloats;
    stride = s.stride;
  }
  /// Up to perStep more lines (past the last stream's end: nothing).
  CNNK_INLINE void step() {
    for (int64_t s = 0; s < perStep && left > 0; ++s, --left) {
      __builtin_prefetch(at, 0, 2);
      at += kLineFloats;
      inBlock += kLineFloats;
      if (inBlock >= blockFloats) {
        blockStart += stride;
        at = blockStart;
        inBlock = 0;
      }
    }
  }
};

} // namespace cnnk

#endif
