//===- Depthwise.cpp - Direct convolution, one input channel per output ---===//
//
// conv with C/groups == 1 (depthwise, with any channel multiplier) over one
// or two spatial axes, where the implicit GEMM would have a single row.
// A task (n, m, block of output rows, block of output columns) copies the
// input window it reads to a stack tile, pads and padding mode applied, so
// the inner loop has no bounds checks; then each vector of V output pixels
// along the width accumulates its KH*KW taps in a register, kDwRows output
// rows at once where the vertical stride is 1 (each weight broadcast once
// for all of them).
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/kernels/ConvCommon.h"
#include "compiler/cpu/kernels/Epilogue.h"

using namespace cnnk;

namespace {

/// Fills the phase-split tile [rows][stride][phaseLen] with the padded
/// input plane x at rows ih0.., columns iw0.. (zeros where the padding is
/// zero).
CNNK_INLINE void fillTile(const DepthwiseParams &p, const float *__restrict x,
                          int64_t ih0, int64_t iw0, int64_t rows,
                          float *__restrict tile) {
  const ConvGeom &g = p.geom;
  int64_t h = g.in[1], w = g.in[2], sw = g.stride[2], len = p.phaseLen;
  for (int64_t r = 0; r < rows; ++r) {
    float *d = tile + r * p.tileCols;
    int64_t iy = padCoord(ih0 + r, h, g.padMode);
    if (iy < 0) {
      for (int64_t j = 0; j < p.tileCols; ++j)
        d[j] = 0.0f;
      continue;
    }
    const float *src = x + iy * w;
    for (int64_t ph = 0; ph < sw; ++ph, d += len) {
      // Column iw0 + ph + i*sw is inside the input for i in [lo, hi).
      int64_t first = iw0 + ph;
      int64_t lo = min(len, max<int64_t>(0, (-first + sw - 1) / sw));
      int64_t hi = max(lo, min(len, (w - first + sw - 1) / sw));
      for (int64_t i = 0; i < lo; ++i) {
        int64_t ix = padCoord(first + i * sw, w, g.padMode);
        d[i] = ix < 0 ? 0.0f : src[ix];
      }
      for (int64_t i = lo; i < hi; ++i)
        d[i] = src[first + i * sw];
      for (int64_t i = hi; i < len; ++i) {
        int64_t ix = padCoord(first + i * sw, w, g.padMode);
        d[i] = ix < 0 ? 0.0f : src[ix];
      }
    }
  }
}

/// Output rows that run kDwRows at once where the vertical stride is 1:
/// each weight is broadcast once for all of them, so a vector of outputs
/// costs KH*KW/kDwRows broadcasts besides its KH*KW input loads (one row
/// at a time is bound by the broadcasts and loads together).
constexpr int kDwRows = 4;

/// R consecutive output rows (R > 1: vertical stride 1), columns [ow0,
/// ow1), of one channel from the tile rows of the first (tap row i at
/// tile + i * dilation pitch, output row r a further r pitches down).
template <int V, int R>
CNNK_INLINE void
depthwiseRows(const DepthwiseParams &p, const float *__restrict tile,
              const float *__restrict wk, float bias, int64_t ow0, int64_t ow1,
              float *__restrict y, int64_t ldy, const float *res) {
  const ConvGeom &g = p.geom;
  int64_t kh = g.kernel[1], kw = g.kernel[2], sw = g.stride[2];
  for (int64_t ow = ow0; ow < ow1; ow += V) {
    const float *t = tile + (ow - ow0);
    Vec<V> acc[R];
#pragma unroll
    for (int r = 0; r < R; ++r)
      acc[r] = splat<V>(bias);
    for (int64_t i = 0; i < kh; ++i) {
      const float *row = t + i * g.dilation[1] * p.tileCols;
      for (int64_t j = 0; j < kw; ++j) {
        int64_t c = j * g.dilation[2];
        Vec<V> w = splat<V>(wk[i * kw + j]);
        const float *src = row + c % sw * p.phaseLen + c / sw;
#pragma unroll
        for (int r = 0; r < R; ++r)
          acc[r] += w * load<V>(src + r * p.tileCols);
      }
    }
#pragma unroll
    for (int r = 0; r < R; ++r) {
      float *yr = y + r * ldy;
      const float *rr = res + r * ldy;
      if (ow + V <= ow1) {
        store<V>(yr + ow, applyEpilogue<V>(acc[r], p.epi, rr + ow));
        continue;
      }
      for (int64_t l = 0; l < ow1 - ow; ++l)
        yr[ow + l] = applyEpilogue(acc[r][l], p.epi, rr + ow + l);
    }
  }
}

template <int V>
void depthwise(const DepthwiseParams &p, void *const *bufs, int64_t begin,
               int64_t end) {
  const float *x = in(bufs, 0), *w = in(bufs, 1), *bias = in(bufs, 2);
  const float *res = in(bufs, 3);
  float *y = out(bufs, 4);
  const ConvGeom &g = p.geom;
  alignas(64) float tile[kDwTileFloats];
  for (int64_t t = begin; t < end; ++t) {
    int64_t cb = t % p.colBlocks, r = t / p.colBlocks;
    int64_t rb = r % p.rowBlocks;
    r /= p.rowBlocks;
    int64_t m = r % p.outChannels, n = r / p.outChannels;
    int64_t c = m / p.mult;
    int64_t oh0 = rb * p.rowBlock, oh1 = min(oh0 + p.rowBlock, g.out[1]);
    int64_t ow0 = cb * p.colBlock, ow1 = min(ow0 + p.colBlock, g.out[2]);
    int64_t ih0 = oh0 * g.stride[1] - g.padBegin[1];
    int64_t rows =
        (oh1 - oh0 - 1) * g.stride[1] + (g.kernel[1] - 1) * g.dilation[1] + 1;
    fillTile(p, x + (n * p.channels + c) * g.inSize, ih0,
             ow0 * g.stride[2] - g.padBegin[2], rows, tile);
    int64_t plane = (n * p.outChannels + m) * g.outSize;
    float b = p.hasBias ? bias[m] : 0.0f;
    int64_t oh = oh0;
    if (g.stride[1] == 1)
      for (; oh + kDwRows <= oh1; oh += kDwRows) {
        int64_t rowOff = plane + oh * g.out[2];
        depthwiseRows<V, kDwRows>(p, tile + (oh - oh0) * p.tileCols,
                                  w + m * g.kSize, b, ow0, ow1, y + rowOff,
                                  g.out[2], res + rowOff);
      }
    for (; oh < oh1; ++oh) {
      int64_t rowOff = plane + oh * g.out[2];
      depthwiseRows<V, 1>(p, tile + (oh - oh0) * g.stride[1] * p.tileCols,
                          w + m * g.kSize, b, ow0, ow1, y + rowOff, g.out[2],
                          res + rowOff);
    }
  }
}

} // namespace

CNNK_VECTOR_KERNEL(conv_depthwise, DepthwiseParams, depthwise)
