//===- ConvWinograd.cpp - Winograd F(4x4, 3x3) on the NCHWc layout --------===//
//
// conv_winograd  3x3, stride 1, groups 1, 2D: y (NCHWc) from x (NCHWc).
//
// The minimal filtering algorithm of Lavin and Gray (2015): a 4x4 output
// tile is A^T [(G g G^T) .* (B^T d B)] A for its 6x6 input tile d and each
// 3x3 filter g, with the interpolation points 0, +-1, +-2 and infinity.
// Summed over the input channels, the elementwise product becomes 36
// independent GEMMs (one per point of the 6x6 transform): 36 x M x C
// multiply-adds per tile instead of 16 x 9 x M x C, 4x fewer.
//
// G g G^T is computed at compile time (the lowering, in double). Here a
// unit of work (ConvWinogradParams) transforms its input tiles into scratch,
// one vector of V channels at a time, so the transforms are whole-vector
// adds and multiplies by small constants; runs the 36 GEMMs in register
// tiles of NB output-channel blocks x MR tiles, broadcasting one
// transformed input value against NB weight vectors as conv_blocked does;
// and transforms each finished group of NB blocks back while it is in L2,
// with bias and epilogue, writing only the pixels inside the output plane.
// The order of every sum depends only on the unit's shape, so any thread
// count gives identical results.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/kernels/Epilogue.h"
#include "compiler/cpu/kernels/Prefetch.h"

using namespace cnnk;

namespace {

constexpr int P = kWinoIn; // 6 points per axis

/// B^T of 6 values (one column or row of the input tile).
template <int V> CNNK_INLINE void inputT(const Vec<V> d[P], Vec<V> t[P]) {
  Vec<V> four = splat<V>(4.0f), five = splat<V>(5.0f), two = splat<V>(2.0f);
  Vec<V> a = d[4] - d[2], b = d[3] - d[1];
  t[0] = four * d[0] - five * d[2] + d[4];
  t[1] = (d[3] + d[4]) - four * (d[1] + d[2]);
  t[2] = (d[4] - d[3]) + four * (d[1] - d[2]);
  t[3] = a + two * b;
  t[4] = a - two * b;
  t[5] = four * d[1] - five * d[3] + d[5];
}

/// A^T of 6 values: 4 outputs.
template <int V> CNNK_INLINE void outputT(const Vec<V> m[P], Vec<V> o[4]) {
  Vec<V> s12 = m[1] + m[2], d12 = m[1] - m[2];
  Vec<V> s34 = m[3] + m[4], d34 = m[3] - m[4];
  o[0] = m[0] + s12 + s34;
  o[1] = d12 + splat<V>(2.0f) * d34;
  o[2] = s12 + splat<V>(4.0f) * s34;
  o[3] = d12 + splat<V>(8.0f) * d34 + m[5];
}

/// Input tile `tile` of channel block `cb` of batch element x (its plane),
/// transformed into the 36 slots vt[pt * ptStride] (pt = 6 * row + col).
template <int V>
CNNK_INLINE void transformInput(const ConvWinogradParams &p, const float *x,
                                int64_t tile, float *__restrict vt,
                                int64_t ptStride) {
  int64_t th = tile / p.tiles[1], tw = tile % p.tiles[1];
  int64_t ih0 = th * kWinoOut - p.padBegin[0];
  int64_t iw0 = tw * kWinoOut - p.padBegin[1];
  int64_t H = p.in[0], W = p.in[1];
  Vec<V> d[P][P];
  if (ih0 >= 0 && iw0 >= 0 && ih0 + P <= H && iw0 + P <= W) {
    const float *x0 = x + (ih0 * W + iw0) * V;
#pragma unroll
    for (int i = 0; i < P; ++i)
#pragma unroll
      for (int j = 0; j < P; ++j)
        d[i][j] = load<V>(x0 + (i * W + j) * V);
  } else {
#pragma unroll
    for (int i = 0; i < P; ++i)
#pragma unroll
      for (int j = 0; j < P; ++j) {
        int64_t ih = ih0 + i, iw = iw0 + j;
        d[i][j] = uint64_t(ih) < uint64_t(H) && uint64_t(iw) < uint64_t(W)
                      ? load<V>(x + (ih * W + iw) * V)
                      : splat<V>(0.0f);
      }
  }
  // Columns, then rows: B^T d B.
  Vec<V> t[P][P];
#pragma unroll
  for (int j = 0; j < P; ++j) {
    Vec<V> col[P], r[P];
#pragma unroll
    for (int i = 0; i < P; ++i)
      col[i] = d[i][j];
    inputT<V>(col, r);
#pragma unroll
    for (int i = 0; i < P; ++i)
      t[i][j] = r[i];
  }
#pragma unroll
  for (int i = 0; i < P; ++i) {
    Vec<V> r[P];
    inputT<V>(t[i], r);
#pragma unroll
    for (int j = 0; j < P; ++j)
      store<V>(vt + (i * P + j) * ptStride, r[j]);
  }
}

/// The GEMM of point `pt` for MR tiles from `t0` and NB output-channel
/// blocks over input-channel blocks [cb0, cb1): m[pt][j][t0 + r] (+)= sum
/// over c of u[pt][ob + j][c] v[pt][c][t0 + r], from zero when `first`,
/// else onto what m holds (a select, not a branch: one copy of the code).
template <int V, int NB, int MR>
CNNK_INLINE void pointTile(int64_t cb0, int64_t cb1, bool first,
                           const float *__restrict u, int64_t uBlockStride,
                           const float *__restrict v, int64_t vBlockStride,
                           float *__restrict m, int64_t mBlockStride,
                           const PrefetchShare &share) {
  PrefetchWalk pf(share);
  Vec<V> acc[NB][MR];
#pragma unroll
  for (int j = 0; j < NB; ++j)
#pragma unroll
    for (int r = 0; r < MR; ++r)
      acc[j][r] = first ? splat<V>(0.0f)
                        : load<V>(m + j * mBlockStride + r * V);
  for (int64_t cb = cb0; cb < cb1; ++cb) {
    pf.step();
    const float *vc = v + cb * vBlockStride;
    const float *uc = u + cb * V * V;
    // By 2, as conv_blocked's tiles: as fast as 4, less to compile.
#pragma unroll 2
    for (int64_t l = 0; l < V; ++l) {
      Vec<V> wv[NB];
#pragma unroll
      for (int j = 0; j < NB; ++j)
        wv[j] = load<V>(uc + j * uBlockStride + l * V);
#pragma unroll
      for (int r = 0; r < MR; ++r) {
        Vec<V> b = splat<V>(vc[r * V + l]);
#pragma unroll
        for (int j = 0; j < NB; ++j)
          acc[j][r] += b * wv[j];
      }
    }
  }
#pragma unroll
  for (int j = 0; j < NB; ++j)
#pragma unroll
    for (int r = 0; r < MR; ++r)
      store<V>(m + j * mBlockStride + r * V, acc[j][r]);
}

/// Output tile `tile` of block `ob` from its 36 products mt[pt * ptStride]:
/// A^T m A, bias, epilogue, the pixels inside the plane written to y (the
/// plane of block ob of batch element n; res likewise).
template <int V>
CNNK_INLINE void transformOutput(const ConvWinogradParams &p,
                                 const float *__restrict mt, int64_t ptStride,
                                 int64_t tile, const float *bias,
                                 const float *res, float *__restrict y) {
  int64_t th = tile / p.tiles[1], tw = tile % p.tiles[1];
  int64_t oh0 = th * kWinoOut, ow0 = tw * kWinoOut;
  Vec<V> t[4][P];
#pragma unroll
  for (int j = 0; j < P; ++j) {
    Vec<V> col[P], o[4];
#pragma unroll
    for (int i = 0; i < P; ++i)
      col[i] = load<V>(mt + (i * P + j) * ptStride);
    outputT<V>(col, o);
#pragma unroll
    for (int i = 0; i < 4; ++i)
      t[i][j] = o[i];
  }
  Vec<V> b = bias ? load<V>(bias) : splat<V>(0.0f);
  int64_t rows = min<int64_t>(4, p.out[0] - oh0);
  int64_t cols = min<int64_t>(4, p.out[1] - ow0);
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    Vec<V> o[4];
    outputT<V>(t[i], o);
    if (i >= rows)
      break;
    int64_t off = ((oh0 + i) * p.out[1] + ow0) * V;
    if (cols == 4) {
#pragma unroll
      for (int j = 0; j < 4; ++j)
        store<V>(y + off + j * V,
                 applyEpilogue<V>(o[j] + b, p.epi, res + off + j * V));
    } else {
      for (int j = 0; j < cols; ++j)
        store<V>(y + off + j * V,
                 applyEpilogue<V>(o[j] + b, p.epi, res + off + j * V));
    }
  }
}

/// The 36 GEMMs of one unit's NB (or 1) blocks from `ob`, then their
/// output transform.
template <int V, int NB>
CNNK_INLINE void unitBlocks(const ConvWinogradParams &p, const float *u,
                            const float *vloc, float *mloc, int64_t tb,
                            int64_t t0, int64_t tn, int64_t n, int64_t ob,
                            const float *bias, const float *res, float *y,
                            bool nextGroup) {
  constexpr int MR = blockedMR(V);
  int64_t C = p.channels, Mb = p.outChannels / V;
  int64_t tileCount = p.tiles[0] * p.tiles[1];
  // u: [36][M/V][C][V]; vloc: [36][C/V][tb][V]; mloc: [36][NB][tb][V].
  // Input channels in chunks whose weights (NB blocks) stay in L1 while
  // every register tile of the unit reads them.
  int64_t cbs = C / V;
  for (int64_t pt = 0; pt < kWinoPoints; ++pt) {
    const float *up = u + (pt * Mb + ob) * C * V;
    const float *vp = vloc + pt * cbs * tb * V;
    float *mp = mloc + pt * NB * tb * V;
    for (int64_t c0 = 0; c0 < cbs; c0 += p.icChunk) {
      int64_t c1 = min(c0 + p.icChunk, cbs);
      // The tiles prefetch the weights of the next chunk: this point's
      // next channels, the next point's first, or after the last point the
      // first of the next output-channel group (Prefetch.h).
      const float *nu = c1 < cbs             ? up + c1 * V * V
                        : pt + 1 < kWinoPoints ? up + Mb * C * V
                        : nextGroup            ? u + (ob + NB) * C * V
                                               : nullptr;
      int64_t nc = c1 < cbs ? min(c1 + p.icChunk, cbs) - c1
                            : min(p.icChunk, cbs);
      PrefetchShare share =
          prefetchShare(nu, NB, C * V, nc * V * V, tb / MR, c1 - c0);
      for (int64_t r = 0; r < tb; r += MR) {
        pointTile<V, NB, MR>(c0, c1, c0 == 0, up, C * V, vp + r * V, tb * V,
                             mp + r * V, tb * V, share);
        share.first += share.count;
      }
    }
  }
  int64_t plane = p.out[0] * p.out[1] * V;
  for (int64_t j = 0; j < NB; ++j) {
    int64_t off = (n * Mb + ob + j) * plane;
    const float *bj = p.hasBias ? bias + (ob + j) * V : nullptr;
    for (int64_t i = 0; i < tn && t0 + i < tileCount; ++i)
      transformOutput<V>(p, mloc + (j * tb + i) * V, NB * tb * V, t0 + i, bj,
                         res + off, y + off);
  }
}

template <int V>
void convWinogradV(const ConvWinogradParams &p, void *const *bufs,
                   int64_t begin, int64_t end) {
  const float *x = in(bufs, 0), *u = in(bufs, 1), *bias = in(bufs, 2);
  const float *res = in(bufs, 3);
  float *y = out(bufs, 4), *scratch = out(bufs, 5);
  constexpr int NB = blockedNB(V);
  int64_t C = p.channels, Cb = C / V, Mb = p.outChannels / V;
  // Scratch holds tb = tileBlock rounded up to whole register tiles.
  constexpr int MR = blockedMR(V);
  int64_t tb = (p.tileBlock + MR - 1) / MR * MR;
  int64_t tileCount = p.tiles[0] * p.tiles[1];
  int64_t inPlane = p.in[0] * p.in[1] * V;
  bool wholeGroups = Mb % NB == 0 && p.ocGroup % NB == 0;
  for (int64_t lane = begin; lane < end; ++lane) {
    float *vloc = scratch + lane * p.laneFloats;
    float *mloc = vloc + kWinoPoints * C * tb;
    int64_t u0 = lane * p.units / p.lanes, u1 = (lane + 1) * p.units / p.lanes;
    for (int64_t unit = u0; unit < u1; ++unit) {
      int64_t og = unit % p.ocGroups, rest = unit / p.ocGroups;
      int64_t blk = rest % p.tileBlocks, n = rest / p.tileBlocks;
      int64_t t0 = blk * p.tileBlock, tn = min(p.tileBlock, tileCount - t0);
      // Input transform: tiles past the plane's last read zeros.
      const float *xn = x + n * Cb * inPlane;
      for (int64_t cb = 0; cb < Cb; ++cb)
        for (int64_t i = 0; i < tb; ++i) {
          float *vt = vloc + (cb * tb + i) * V;
          if (i < tn)
            transformInput<V>(p, xn + cb * inPlane, t0 + i, vt, Cb * tb * V);
          else
            for (int pt = 0; pt < kWinoPoints; ++pt)
              store<V>(vt + pt * Cb * tb * V, splat<V>(0.0f));
        }
      int64_t ob0 = og * p.ocGroup, ob1 = min(ob0 + p.ocGroup, Mb);
      for (int64_t ob = ob0; ob < ob1;) {
        if (wholeGroups || ob + NB <= ob1) {
          unitBlocks<V, NB>(p, u, vloc, mloc, tb, t0, tn, n, ob, bias, res, y,
                            ob + NB < ob1);
          ob += NB;
        } else {
          unitBlocks<V, 1>(p, u, vloc, mloc, tb, t0, tn, n, ob, bias, res, y,
                           false);
          ob += 1;
        }
      }
    }
  }
}

} // namespace

CNNK_BLOCK_KERNEL(conv_winograd, ConvWinogradParams, convWinogradV)
