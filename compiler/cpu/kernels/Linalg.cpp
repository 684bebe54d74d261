//===- Linalg.cpp - gemm, matmul and the panel packer ---------------------===//
//
// The GEMM kernel of gemm and matmul, on operands packed in panels (by the
// lowering when they are constant, else by pack_panels at run time):
// per task, for each K block and each NR-column panel of B, every MR-row
// panel of A in the task's M range updates its tile of y. With one M panel
// the lowering makes kc = K, so a fully connected layer streams its packed
// weights once.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/kernels/Gemm.h"

using namespace cnnk;

namespace {

void packPanelsKernel(const PackParams &p, void *const *bufs, int64_t begin,
                      int64_t end) {
  const float *src = in(bufs, 0);
  float *dst = out(bufs, 1);
  int64_t rPad = (p.rows + p.panel - 1) / p.panel * p.panel;
  int64_t panels = rPad / p.panel;
  for (int64_t t = begin; t < end; ++t) {
    int64_t g = t % p.panelGroups, rest = t / p.panelGroups;
    int64_t kb = rest % p.kBlocks, b = rest / p.kBlocks;
    int64_t panel0 = g * p.panelsPerTask;
    int64_t panel1 = min(panel0 + p.panelsPerTask, panels);
    packPanelBlock(src + b * p.srcBatch, p.rows, p.kTotal, p.rs, p.ks, p.panel,
                   p.kc, kb, dst + b * rPad * p.kTotal, panel0, panel1);
  }
}

/// The offsets, in packed matrices, of the a and b of batch position t.
CNNK_INLINE void batchOperands(const GemmParams &p, int64_t t, int64_t &ia,
                               int64_t &ib) {
  ia = 0;
  ib = 0;
  for (int64_t d = p.batchRank - 1; d >= 0; --d) {
    int64_t i = t % p.batchShape[d];
    t /= p.batchShape[d];
    ia += i * p.aStride[d];
    ib += i * p.bStride[d];
  }
}

/// The epilogue of the tile at (m, n) of one product.
CNNK_INLINE TileEpi gemmEpi(const GemmParams &p, const float *c,
                            const float *res, int64_t m, int64_t n) {
  TileEpi e = tileEpi(p.epi);
  e.alpha = float(p.alpha);
  if (p.hasC && p.cColStride == 0) {
    e.rowAdd = c + m * p.cRowStride;
    e.rowStride = p.cRowStride;
    e.rowScale = float(p.beta);
  } else if (p.hasC) {
    e.add = c + m * p.cRowStride + n;
    e.ldAdd = p.cRowStride;
    e.addScale = float(p.beta);
  }
  if (p.epi.hasResidual) {
    e.res = res + m * p.n + n;
    e.ldRes = p.n;
  }
  return e;
}

template <int V>
void gemm(const GemmParams &p, void *const *bufs, int64_t begin, int64_t end) {
  constexpr int MR = gemmMR(V), NRV = gemmNRV(V), NR = NRV * V;
  const float *a = in(bufs, 0), *b = in(bufs, 1), *c = in(bufs, 2);
  const float *res = in(bufs, 3);
  float *y = out(bufs, 4);
  for (int64_t t = begin; t < end; ++t) {
    int64_t nb = t % p.nBlocks, r = t / p.nBlocks;
    int64_t mb = r % p.mBlocks, bt = r / p.mBlocks;
    int64_t ia, ib;
    batchOperands(p, bt, ia, ib);
    const float *pa = a + ia * p.mPad * p.k, *pb = b + ib * p.nPad * p.k;
    float *py = y + bt * p.m * p.n;
    const float *pres = res + bt * p.m * p.n;
    int64_t m0 = mb * p.mBlock, m1 = min(m0 + p.mBlock, p.m);
    int64_t n0 = nb * p.nBlock, n1 = min(n0 + p.nBlock, p.n);
    int64_t k0 = 0;
    do {
      int64_t kcb = min(p.kc, p.k - k0);
      bool last = k0 + kcb == p.k;
      for (int64_t n = n0; n < n1; n += NR) {
        const float *bp = pb + k0 * p.nPad + n / NR * kcb * NR;
        for (int64_t m = m0; m < m1; m += MR) {
          TileEpi e = gemmEpi(p, c, pres, m, n);
          gemmTile<V, MR, NRV>(kcb, pa + k0 * p.mPad + m / MR * kcb * MR, bp,
                               py + m * p.n + n, p.n, min<int64_t>(MR, m1 - m),
                               min<int64_t>(NR, n1 - n), k0 > 0,
                               last ? &e : nullptr);
        }
      }
      k0 += kcb;
    } while (k0 < p.k);
  }
}

} // namespace

CNNK_KERNEL(pack_panels, PackParams, packPanelsKernel)
CNNK_VECTOR_KERNEL(gemm, GemmParams, gemm)
