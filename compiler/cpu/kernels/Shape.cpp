//===- Shape.cpp - Data movement: strided copies and pad ------------------===//
//
// strided_copy  y[strided] = x[strided] over an iteration space of up to
//               kMaxRank axes: transpose, slice, split, concat and
//               depth_to_space are all one strided copy (or one per part).
// transpose_tiles  the strided copies that read along one axis and write
//               along another (a transpose to or from channels-last), in
//               tiles that stay in L1, each side touching whole lines:
//               V x V blocks transposed in registers (vector loads and
//               stores, log2 V levels of shuffles), what is left of a
//               partial tile by element.
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

/// One tile of transpose_tiles: pn x qn elements, x contiguous along p,
/// y along q.
CNNK_INLINE void transposeTile(const float *__restrict x, float *__restrict y,
                               int64_t pn, int64_t qn, int64_t iq, int64_t op) {
  for (int64_t pp = 0; pp < pn; ++pp)
    for (int64_t qq = 0; qq < qn; ++qq)
      y[pp * op + qq] = x[pp + qq * iq];
}

template <class T, T... K> struct Lanes {};

/// One level of the register transpose (the s x s blocks off the diagonal
/// of each 2s x 2s block of rows a (upper) and b (lower) swapped): lane k
/// of the new upper row is b[k - s] where bit s of k is set, else a[k]; of
/// the new lower row a[k + s] where it is clear, else b[k].
template <int S, int V, int... K>
CNNK_INLINE void swapBlocks(Vec<V> &a, Vec<V> &b, Lanes<int, K...>) {
  Vec<V> hi = __builtin_shufflevector(a, b, ((K & S) ? V + K - S : K)...);
  Vec<V> lo = __builtin_shufflevector(a, b, ((K & S) ? V + K : K + S)...);
  a = hi;
  b = lo;
}

template <int S, int V, int I> CNNK_INLINE void swapRows(Vec<V> (&r)[V]) {
  if constexpr ((I & S) == 0)
    swapBlocks<S, V>(r[I], r[I + S], __make_integer_seq<Lanes, int, V>{});
}

/// Level S of the register transpose over the V rows (unrolled by the
/// fold, not by a pragma).
template <int S, int V, int... I>
CNNK_INLINE void swapLevel(Vec<V> (&r)[V], Lanes<int, I...>) {
  (swapRows<S, V, I>(r), ...);
}

/// A V x V block in registers: V loads along p (one per q), log2 V levels
/// of block swaps, V stores along q.
template <int V>
CNNK_INLINE void transposeBlock(const float *__restrict x, float *__restrict y,
                                int64_t iq, int64_t op) {
  Vec<V> r[V];
#pragma unroll
  for (int q = 0; q < V; ++q)
    r[q] = load<V>(x + q * iq);
  constexpr auto rows = __make_integer_seq<Lanes, int, V>{};
  if constexpr (V >= 16)
    swapLevel<8, V>(r, rows);
  if constexpr (V >= 8)
    swapLevel<4, V>(r, rows);
  if constexpr (V >= 4)
    swapLevel<2, V>(r, rows);
  swapLevel<1, V>(r, rows);
#pragma unroll
  for (int pp = 0; pp < V; ++pp)
    store<V>(y + pp * op, r[pp]);
}

template <int V>
static void transposeTiles(const TransposeTilesParams &p, void *const *bufs,
                           int64_t begin, int64_t end) {
  const float *__restrict x = in(bufs, 0) + p.inOffset;
  float *__restrict y = out(bufs, 1) + p.outOffset;
  constexpr int64_t T = kTransposeTile;
  static_assert(T % V == 0, "a tile is whole register blocks");
  const int64_t tp = (p.pLen + T - 1) / T, tq = (p.qLen + T - 1) / T;
  int64_t lo = begin * p.block, hi = min(end * p.block, p.tiles);
  for (int64_t t = lo; t < hi; ++t) {
    int64_t qt = t % tq, rest = t / tq;
    int64_t pt = rest % tp, b = rest / tp;
    int64_t p0 = pt * T, q0 = qt * T;
    const float *xs = x + b * p.ib + p0 + q0 * p.iq;
    float *yd = y + b * p.ob + p0 * p.op + q0;
    int64_t pn = min(T, p.pLen - p0), qn = min(T, p.qLen - q0);
    // Whole V x V blocks in registers, the rest of the tile (a part of a
    // block at its p or q end) by element.
    int64_t pv = pn / V * V, qv = qn / V * V;
    for (int64_t pb = 0; pb < pv; pb += V)
      for (int64_t qb = 0; qb < qv; qb += V)
        transposeBlock<V>(xs + pb + qb * p.iq, yd + pb * p.op + qb, p.iq, p.op);
    if (qv < qn)
      transposeTile(xs + qv * p.iq, yd + qv, pv, qn - qv, p.iq, p.op);
    if (pv < pn)
      transposeTile(xs + pv, yd + pv * p.op, pn - pv, qn, p.iq, p.op);
  }
}

CNNK_VECTOR_KERNEL(transpose_tiles, TransposeTilesParams, transposeTiles)

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
