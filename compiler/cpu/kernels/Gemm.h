//===- Gemm.h - The register-blocked GEMM micro-kernel ----------*- C++ -*-===//
//
// The one GEMM core of the CPU kernels (conv as implicit GEMM, gemm and
// matmul): an MR x NR tile of C (NR = NRV vectors of V floats) kept in
// registers while kc rank-1 updates stream a packed A panel [kc][MR] (one
// broadcast per row) and a packed B panel [kc][NR] (NRV vector loads):
//
//   for k < kc:  b[0..NRV) = B[k][*];  for i < MR: acc[i][*] += A[k][i] * b
//
// A tile either accumulates onto C (a later K block) or starts from zero;
// the last K block applies the epilogue in registers before storing:
//
//   v = alpha * acc + rowScale * rowAdd[i * rowStride] + addScale * add[i][j]
//   y = resAct(act(v) + res[i][j])          (Epilogue.h)
//
// Rows beyond the matrix (the last M panel, zero padded) are computed but
// neither loaded nor stored; columns beyond it (the last N panel) go
// through a local tile. Transcendental activations run after the store,
// over the tile in L1, in the caller (see gemmTile). The micro-kernels are
// marked noinline (one copy per tile shape) and static (a model never shares
// them with another model compiled for another target).
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CPU_KERNELS_GEMM_H
#define CNNC_COMPILER_CPU_KERNELS_GEMM_H

#include "compiler/cpu/kernels/Epilogue.h"
#include "compiler/cpu/kernels/Prefetch.h"

namespace cnnk {

/// The epilogue of one tile, its pointers at the tile's first element.
struct TileEpi {
  float alpha = 1.0f;
  const float *rowAdd = nullptr; // per row: rowAdd[i * rowStride]
  int64_t rowStride = 0;
  float rowScale = 1.0f;
  const float *add = nullptr; // [rows][cols], pitch ldAdd
  int64_t ldAdd = 0;
  float addScale = 1.0f;
  const float *res = nullptr; // [rows][cols], pitch ldRes; epi.hasResidual
  int64_t ldRes = 0;
  Epilogue epi = noEpilogueParams();
};

/// The scalar form of the epilogue for element (i, j) of the tile.
CNNK_INLINE float epiScalar(float v, const TileEpi &e, int64_t i, int64_t j) {
  v *= e.alpha;
  if (e.rowAdd)
    v += e.rowScale * e.rowAdd[i * e.rowStride];
  if (e.add)
    v += e.addScale * e.add[i * e.ldAdd + j];
  return applyEpilogue(v, e.epi, e.res + i * e.ldRes + j);
}

/// The epilogue of the first `rows` rows of a micro-kernel's accumulators
/// acc[R][NRV], in registers; each part is skipped when absent.
template <int V, int R, int NRV>
CNNK_INLINE void epilogueInRegisters(Vec<V> (&acc)[R][NRV], int64_t rows,
                                     const TileEpi &e) {
#pragma unroll
  for (int i = 0; i < R; ++i) {
    if (i >= rows)
      break;
    Vec<V> r =
        splat<V>(e.rowAdd ? e.rowScale * e.rowAdd[i * e.rowStride] : 0.0f);
#pragma unroll
    for (int j = 0; j < NRV; ++j) {
      Vec<V> v = acc[i][j];
      if (e.alpha != 1.0f)
        v *= splat<V>(e.alpha);
      if (e.rowAdd)
        v += r;
      if (e.add)
        v += splat<V>(e.addScale) * load<V>(e.add + i * e.ldAdd + j * V);
      acc[i][j] = applyEpilogue<V>(v, e.epi, e.res + i * e.ldRes + j * V);
    }
  }
}

/// How far ahead (floats) a single-row micro-kernel prefetches its B
/// panel into L2. A batch-1 fully connected layer reads each weight once,
/// so it runs at the rate memory delivers the panels; the hardware
/// prefetcher alone reached 11.5-12.5 GB/s of the 16-17 one core reads
/// (AlexNet's classifier: 235 MB in 20.5 ms with AVX2, 18.5 ms with
/// AVX-512), 2 KiB ahead 13.5 (17.5 ms both); 4 KiB ahead was slower, a
/// non-temporal prefetch (no L2 copy) half as fast.
constexpr int64_t kGemvPrefetchFloats = 512;

/// C[rows][NRV*V] (pitch ldc) = (accumulate ? C : 0) + A[kc][MR] *
/// B[kc][BP] (the first NRV*V columns of each B row), computing R >= rows
/// rows of the A panel (rows beyond the matrix are zero padding, computed
/// but never loaded or stored); then the epilogue if `epi`.
template <int V, int MR, int NRV, int R, int BP>
static __attribute__((noinline)) void
microKernel(int64_t kc, const float *__restrict a, const float *__restrict b,
            float *__restrict c, int64_t ldc, int64_t rows, bool accumulate,
            const TileEpi *epi) {
  Vec<V> acc[R][NRV];
#pragma unroll
  for (int i = 0; i < R; ++i)
#pragma unroll
    for (int j = 0; j < NRV; ++j)
      acc[i][j] = accumulate && i < rows ? load<V>(c + i * ldc + j * V)
                                         : splat<V>(0.0f);
  for (int64_t k = 0; k < kc; ++k) {
    Vec<V> bv[NRV];
    if (R == 1)
#pragma unroll
      for (int j = 0; j < NRV * V; j += kLineFloats)
        __builtin_prefetch(b + kGemvPrefetchFloats + j, 0, 2);
#pragma unroll
    for (int j = 0; j < NRV; ++j)
      bv[j] = load<V>(b + j * V);
#pragma unroll
    for (int i = 0; i < R; ++i) {
      Vec<V> av = splat<V>(a[i]);
#pragma unroll
      for (int j = 0; j < NRV; ++j)
        acc[i][j] += av * bv[j];
    }
    a += MR;
    b += BP;
  }
  if (epi)
    epilogueInRegisters<V, R, NRV>(acc, rows, *epi);
#pragma unroll
  for (int i = 0; i < R; ++i) {
    if (i >= rows)
      break;
#pragma unroll
    for (int j = 0; j < NRV; ++j)
      store<V>(c + i * ldc + j * V, acc[i][j]);
  }
}

/// One tile of C: `rows` <= MR rows and `cols` <= NR columns at c (pitch
/// ldc), from packed panels a [kc][MR] and b [kc][NR]; then the epilogue
/// if `epi`. A single row (a batch-1 gemm) has its own micro-kernel; a
/// tile narrower than NR is computed in a local tile (one vector wide when
/// that suffices) and copied out.
template <int V, int MR, int NRV>
CNNK_INLINE void gemmTile(int64_t kc, const float *a, const float *b,
                          float *__restrict c, int64_t ldc, int64_t rows,
                          int64_t cols, bool accumulate, const TileEpi *epi) {
  constexpr int NR = NRV * V;
  if (cols == NR) {
    // The micro-kernel gets its own copy, so `epi` itself never escapes
    // and its constant fields fold into the caller.
    TileEpi e;
    if (epi)
      e = *epi;
    const TileEpi *pe = epi ? &e : nullptr;
    // A transcendental activation (sigmoid, gelu, ...) would be a call
    // from the shared micro-kernel, spilling its accumulators: it stores
    // the tile with the addends only, and the activation, residual and
    // second activation run here, over the tile in L1, in the specialised
    // caller.
    bool deferred = epi && (!actIsCheap(epi->epi.act.kind) ||
                            !actIsCheap(epi->epi.resAct.kind));
    if (deferred)
      e.epi = noEpilogueParams();
    if (rows == 1)
      microKernel<V, MR, NRV, 1, NR>(kc, a, b, c, ldc, 1, accumulate, pe);
    else
      microKernel<V, MR, NRV, MR, NR>(kc, a, b, c, ldc, rows, accumulate, pe);
    if (deferred)
      for (int64_t i = 0; i < rows; ++i)
#pragma unroll
        for (int j = 0; j < NRV; ++j) {
          float *ci = c + i * ldc + j * V;
          store<V>(ci, applyEpilogue<V>(load<V>(ci), epi->epi,
                                        epi->res + i * epi->ldRes + j * V));
        }
    return;
  }
  float t[MR * NR];
  if (accumulate)
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        t[i * NR + j] = c[i * ldc + j];
  if (cols <= V)
    microKernel<V, MR, 1, MR, NR>(kc, a, b, t, NR, MR, accumulate, nullptr);
  else
    microKernel<V, MR, NRV, MR, NR>(kc, a, b, t, NR, MR, accumulate, nullptr);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      c[i * ldc + j] =
          epi ? epiScalar(t[i * NR + j], *epi, i, j) : t[i * NR + j];
}

/// The tile epilogue of a conv or gemm Epilogue, with no addends yet.
CNNK_INLINE TileEpi tileEpi(const Epilogue &e) {
  TileEpi t;
  t.epi = e;
  return t;
}

} // namespace cnnk

#endif
