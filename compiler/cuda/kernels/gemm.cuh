//===- gemm.cuh - Shared-memory tiled GEMM, gemm and matmul ----*- CUDA -*-===//
//
// The tiled GEMM that conv (implicit GEMM, conv.cuh), gemm and matmul share.
// A block of P::threads threads computes a P::bm x P::bn tile of C (rows M,
// columns N); per step of P::bk along K it stages a bk x bm tile of A and a
// bk x bn tile of B in shared memory (k-major, rows padded by 4 floats), and
// each thread accumulates a P::tm x P::tn sub-tile in registers. A thread
// (tx, ty) owns rows ty + i * (bm / tm) and columns tx + j * (bn / tn): the
// threads of a warp read consecutive columns of B (no bank conflicts; the
// few rows of A they read are broadcasts) and store consecutive columns of
// C (coalesced). The caller fills the staging tiles (its own loaders: packed
// weights, im2col gathered on the fly, strided matrices) and applies its
// epilogue to the registers.
//
// gemm_tiled: y = alpha * op(a) op(b) + beta * c, then the epilogue, for a
// batch of products whose operand offsets follow broadcast batch strides
// (matmul); for layer_norm_gemm (P::a_norm) each row of op(a) normalised
// as its tiles are staged, with the statistics row_stats computed first.
// Operands are read through element strides; each loader walks the
// operand's contiguous dimension fastest so global loads coalesce.
//
//===----------------------------------------------------------------------===//
#pragma once
#include "cnnk/prelude.cuh"

namespace cnnk {

/// The tile constants of a launch (P::bm, bn, bk, tm, tn, threads) and the
/// thread mapping of the staging loads of B: LN lanes along the columns,
/// NP columns per thread, KR rows of K per pass, KP passes.
template <class P> struct Tile {
  static constexpr int BM = P::bm, BN = P::bn, BK = P::bk;
  static constexpr int TM = P::tm, TN = P::tn, T = P::threads;
  static constexpr int RT = BM / TM, CT = BN / TN;
  static constexpr int LDA = BM + 4, LDB = BN + 4;
  static constexpr int LN = BN < T ? BN : T;
  static constexpr int NP = BN / LN;
  static constexpr int KR = T / LN;
  static constexpr int KP = (BK + KR - 1) / KR;
  /// Passes of the cooperative A load (element e = tid + r * T).
  static constexpr int AP = (BK * BM + T - 1) / T;
};

/// The main loop, double-buffered: two stages of shared memory; while the
/// threads multiply the tiles of one, the next K step's tiles are loaded
/// from global memory into registers (la.load(k0), lb.load(k0)) and then
/// stored into the other (la.store(As), lb.store(Bs): As[k * LDA + m],
/// Bs[k * LDB + n], zero past the matrix), one barrier per step. Every
/// thread of the block runs it (it holds the barriers).
template <class P, class LA, class LB>
__device__ __forceinline__ void tileMainLoop(int K, float (&acc)[P::tm][P::tn],
                                             LA &la, LB &lb) {
  using S = Tile<P>;
  __shared__ float As[2][S::BK * S::LDA];
  __shared__ float Bs[2][S::BK * S::LDB];
  const int tid = int(threadIdx.x);
  const int tx = tid % S::CT, ty = tid / S::CT;
#pragma unroll
  for (int i = 0; i < S::TM; ++i)
#pragma unroll
    for (int j = 0; j < S::TN; ++j)
      acc[i][j] = 0.0f;
  la.load(0);
  lb.load(0);
  la.store(As[0]);
  lb.store(Bs[0]);
  __syncthreads();
  int buf = 0;
  for (int k0 = 0; k0 < K; k0 += S::BK) {
    const bool more = k0 + S::BK < K;
    if (more) {
      la.load(k0 + S::BK);
      lb.load(k0 + S::BK);
    }
    const float *as = As[buf], *bs = Bs[buf];
#pragma unroll
    for (int kk = 0; kk < S::BK; ++kk) {
      float ra[S::TM], rb[S::TN];
#pragma unroll
      for (int i = 0; i < S::TM; ++i)
        ra[i] = as[kk * S::LDA + ty + i * S::RT];
#pragma unroll
      for (int j = 0; j < S::TN; ++j)
        rb[j] = bs[kk * S::LDB + tx + j * S::CT];
#pragma unroll
      for (int i = 0; i < S::TM; ++i)
#pragma unroll
        for (int j = 0; j < S::TN; ++j)
          acc[i][j] += ra[i] * rb[j];
    }
    if (more) {
      la.store(As[buf ^ 1]);
      lb.store(Bs[buf ^ 1]);
    }
    __syncthreads();
    buf ^= 1;
  }
}

/// Loads the bk x `rows` tile of a matrix whose element (m, k) is at
/// src[m * ms + k * ks] (m < nrows, k < K; zero elsewhere) and stores it
/// as dst[k * ld + m]: m fastest across threads when ms == 1, else k, so
/// the global loads coalesce.
template <class P, int ld, int rows, int ms, int ks> struct StridedLoader {
  static constexpr int BK = P::bk, T = P::threads;
  static constexpr int total = BK * rows, passes = (total + T - 1) / T;
  const float *src;
  int m0, nrows, K;
  float r[passes];

  __device__ __forceinline__ static int rowOf(int e) {
    return ms == 1 ? e % rows : e / BK;
  }
  __device__ __forceinline__ static int depthOf(int e) {
    return ms == 1 ? e / rows : e % BK;
  }
  __device__ __forceinline__ void load(int k0) {
    const int tid = int(threadIdx.x);
#pragma unroll
    for (int i = 0; i < passes; ++i) {
      int e = tid + i * T;
      int gm = m0 + rowOf(e), gk = k0 + depthOf(e);
      r[i] = (total % T == 0 || e < total) && gm < nrows && gk < K
                 ? __ldg(src + gm * ms + gk * ks)
                 : 0.0f;
    }
  }
  __device__ __forceinline__ void store(float *dst) const {
    const int tid = int(threadIdx.x);
#pragma unroll
    for (int i = 0; i < passes; ++i) {
      int e = tid + i * T;
      if (total % T == 0 || e < total)
        dst[depthOf(e) * ld + rowOf(e)] = r[i];
    }
  }
};

/// A StridedLoader of layer_norm_gemm's A: each element (m, k) it loads
/// becomes (x - mean[m]) * inv[m] * scale[k] + bias[k], the row statistics
/// stats[2m] (mean) and stats[2m + 1] (1 / sqrt(var + epsilon)) from
/// row_stats. Elements past the matrix stay zero.
template <class P, int ld, int rows, int ms, int ks>
struct NormLoader : StridedLoader<P, ld, rows, ms, ks> {
  using Base = StridedLoader<P, ld, rows, ms, ks>;
  const float *stats, *scale, *bias;

  __device__ __forceinline__ void load(int k0) {
    Base::load(k0);
    const int tid = int(threadIdx.x);
#pragma unroll
    for (int i = 0; i < Base::passes; ++i) {
      int e = tid + i * Base::T;
      int gm = this->m0 + Base::rowOf(e), gk = k0 + Base::depthOf(e);
      if ((Base::total % Base::T == 0 || e < Base::total) &&
          gm < this->nrows && gk < this->K)
        this->r[i] = (this->r[i] - __ldg(stats + 2 * gm)) *
                         __ldg(stats + 2 * gm + 1) * __ldg(scale + gk) +
                     __ldg(bias + gk);
    }
  }
};

/// p[0] a, p[1] stats [M][2]: the mean of each row of op(a) (element
/// (m, k) at a[m * ams + k * aks], K elements) and 1 / sqrt(var +
/// epsilon), var the mean squared deviation from it, as layer_norm
/// computes them; one thread per row (consecutive rows, coalesced when
/// ams == 1).
template <class P> __device__ void row_stats(const Args &a) {
  for (unsigned r = flatIndex(); r < unsigned(P::M);
       r += gridDim.x * blockDim.x) {
    const float *__restrict x = a.p[0] + int(r) * P::ams;
    float s = 0.0f;
    for (int k = 0; k < P::K; ++k)
      s += x[k * P::aks];
    float mean = s / float(P::K), q = 0.0f;
    for (int k = 0; k < P::K; ++k) {
      float d = x[k * P::aks] - mean;
      q += d * d;
    }
    a.p[1][2 * r] = mean;
    a.p[1][2 * r + 1] = 1.0f / sqrtf(q / float(P::K) + P::epsilon);
  }
}

/// The offset of batch element z of an operand: z decomposed over the
/// broadcast batch shape P::bshape, times the operand's strides.
template <class P, bool isA> __device__ __forceinline__ int batchOffset(int z) {
  int off = 0;
#pragma unroll
  for (int d = P::bshape_n - 1; d >= 0; --d) {
    int i = z % P::bshape(d);
    z /= P::bshape(d);
    off += i * (isA ? P::astr(d) : P::bstr(d));
  }
  return off;
}

/// y[z][m][n] = epilogue(alpha * sum_k A(m, k) B(k, n) + beta * c(m, n)).
/// Buffers: a, b, c, res, y; with P::a_norm (layer_norm_gemm) also stats
/// (row_stats), scale and bias, A's rows normalised as they are staged.
/// A(m, k) = a[off + m * ams + k * aks], B(k, n) = b[off + k * bks + n *
/// bns]; c(m, n) = c[m * crs + n * ccs] (has_c). The grid is (N / bn,
/// M / bm, batches), z looping past gridDim.z.
template <class P> __device__ void gemm_tiled(const Args &a) {
  using S = Tile<P>;
  const float *A = a.p[0], *B = a.p[1], *C = a.p[2], *res = a.p[3];
  float *y = a.p[4];
  const int m0 = int(blockIdx.y) * S::BM, n0 = int(blockIdx.x) * S::BN;
  const int tid = int(threadIdx.x);
  const int tx = tid % S::CT, ty = tid / S::CT;
  for (int z = int(blockIdx.z); z < P::batch; z += int(gridDim.z)) {
    const float *Az = A + batchOffset<P, true>(z);
    const float *Bz = B + batchOffset<P, false>(z);
    float acc[S::TM][S::TN];
    // B as its transpose: element (n, k) at n * bns + k * bks.
    StridedLoader<P, S::LDB, S::BN, P::bns, P::bks> lb{Bz, n0, P::N, P::K};
    if constexpr (P::a_norm != 0) {
      NormLoader<P, S::LDA, S::BM, P::ams, P::aks> la{
          {Az, m0, P::M, P::K}, a.p[5], a.p[6], a.p[7]};
      tileMainLoop<P>(P::K, acc, la, lb);
    } else {
      StridedLoader<P, S::LDA, S::BM, P::ams, P::aks> la{Az, m0, P::M, P::K};
      tileMainLoop<P>(P::K, acc, la, lb);
    }
    float *yz = y + z * (P::M * P::N);
    const float *rz = res + z * (P::M * P::N);
#pragma unroll
    for (int i = 0; i < S::TM; ++i) {
      int m = m0 + ty + i * S::RT;
#pragma unroll
      for (int j = 0; j < S::TN; ++j) {
        int n = n0 + tx + j * S::CT;
        if (m < P::M && n < P::N) {
          float v = P::alpha * acc[i][j];
          if (P::has_c)
            v += P::beta * __ldg(C + m * P::crs + n * P::ccs);
          int idx = m * P::N + n;
          yz[idx] = epilogue<P>(v, rz, idx);
        }
      }
    }
  }
}

} // namespace cnnk
