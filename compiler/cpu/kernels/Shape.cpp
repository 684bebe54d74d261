//===- Shape.cpp - Data movement: strided copies and pad ------------------===//
//
// strided_copy  y[strided] = x[strided] over an iteration space of up to
//               kMaxRank axes: transpose, slice, split, concat and
//               depth_to_space are all one strided copy (or one per part).
// pad           constant, reflect and edge padding (negative pads crop),
//               row by row: the part of a row inside x is a plain copy.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/kernels/Walk.h"

using namespace cnnk;

static void stridedCopy(const StridedCopyParams &p, void *const *bufs,
                        int64_t begin, int64_t end) {
  const float *__restrict x = in(bufs, 0) + p.inOffset;
  float *__restrict y = out(bufs, 1) + p.outOffset;
  int64_t lo = begin * p.block, hi = min(end * p.block, p.count);
  int64_t si = p.inStride[p.rank - 1], so = p.outStride[p.rank - 1];
  forEachRowPiece(p.rank, p.shape, p.inStride, p.outStride, lo, hi,
                  [&](int64_t offIn, int64_t offOut, int64_t, int64_t len) {
                    const float *__restrict src = x + offIn;
                    float *__restrict dst = y + offOut;
                    if (si == 1 && so == 1) {
                      for (int64_t i = 0; i < len; ++i)
                        dst[i] = src[i];
                      return;
                    }
                    for (int64_t i = 0; i < len; ++i)
                      dst[i * so] = src[i * si];
                  });
}
CNNK_KERNEL(strided_copy, StridedCopyParams, stridedCopy)

/// The index of x read at position i (outside [0, n)) of a reflect or edge
/// padded axis.
CNNK_INLINE int64_t padSource(int64_t i, int64_t n, int64_t mode) {
  if (i >= 0 && i < n)
    return i;
  if (mode == kPadEdge)
    return i < 0 ? 0 : n - 1;
  return i < 0 ? -i : 2 * (n - 1) - i;
}

/// Fills y[from, to) of a row: the constant, or the mirrored or repeated
/// elements of the source row xr.
CNNK_INLINE void padEdges(const PadParams &p, const float *__restrict xr,
                          float *__restrict yr, int64_t from, int64_t to) {
  int64_t r = p.rank - 1, n = p.inShape[r];
  for (int64_t o = from; o < to; ++o)
    yr[o] = p.mode == kPadConstant
                ? float(p.value)
                : xr[padSource(o - p.padBegin[r], n, p.mode)];
}

static void pad(const PadParams &p, void *const *bufs, int64_t begin,
                int64_t end) {
  const float *__restrict x = in(bufs, 0);
  float *__restrict y = out(bufs, 1);
  int64_t r = p.rank - 1;
  int64_t width = p.outShape[r], inWidth = p.inShape[r], pb = p.padBegin[r];
  // Outputs [a, b) of every row read x[o - pb] inside x.
  int64_t a = min(max<int64_t>(pb, 0), width);
  int64_t b = min(max<int64_t>(pb + inWidth, 0), width);
  b = max(a, b);
  int64_t hi = min(end * p.block, p.rows);
  for (int64_t row = begin * p.block; row < hi; ++row) {
    float *yr = y + row * width;
    // The source row of x (in its coordinates), unless it lies in constant
    // padding.
    int64_t rest = row, offset = 0, stride = inWidth;
    bool inside = true;
    for (int64_t d = r; d-- > 0;) {
      int64_t src = rest % p.outShape[d] - p.padBegin[d];
      rest /= p.outShape[d];
      if (src < 0 || src >= p.inShape[d]) {
        inside = inside && p.mode != kPadConstant;
        src = padSource(src, p.inShape[d], p.mode);
      }
      offset += src * stride;
      stride *= p.inShape[d];
    }
    if (!inside) {
      for (int64_t o = 0; o < width; ++o)
        yr[o] = float(p.value);
      continue;
    }
    const float *xr = x + offset;
    padEdges(p, xr, yr, 0, a);
    for (int64_t o = a; o < b; ++o)
      yr[o] = xr[o - pb];
    padEdges(p, xr, yr, b, width);
  }
}
CNNK_KERNEL(pad, PadParams, pad)
