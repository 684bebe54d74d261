//===- Norm.cpp - batch_norm folding, lrn and layer_norm ------------------===//
//
// bn_fold  turns batch_norm's four per-channel operands into the two
//          constants of the channel kernel when they are not known at
//          compile time (else the lowering folds them itself).
// lrn      x / (bias + alpha/size * sum of squares over a window of
//          channels)^beta, vectorised along the spatial positions.
// layer_norm  each contiguous row normalised by its mean and (biased)
//          variance, then scaled and shifted per element: three passes
//          over the row (sum, sum of squared deviations, output), each
//          vectorised along it; the row stays in L1 between them.
// pack_panels_ln  a layer_norm_gemm's A operand packed in gemm panels
//          (as pack_panels), each row normalised on the way: the
//          statistics of a panel's rows first (MR column sums at once when
//          op(a) is a transposed channels-first tensor, else per row),
//          then every K block of the panel.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/kernels/Kernel.h"

using namespace cnnk;

static void bnFold(const BnFoldParams &p, void *const *bufs, int64_t begin,
                   int64_t end) {
  const float *__restrict scale = in(bufs, 0);
  const float *__restrict bias = in(bufs, 1);
  const float *__restrict mean = in(bufs, 2);
  const float *__restrict var = in(bufs, 3);
  float *__restrict k = out(bufs, 4);
  float *__restrict s = out(bufs, 5);
  if (begin >= end)
    return;
  for (int64_t c = 0; c < p.channels; ++c) {
    double kc = double(scale[c]) / __builtin_sqrt(double(var[c]) + p.epsilon);
    k[c] = float(kc);
    s[c] = float(double(bias[c]) - double(mean[c]) * kc);
  }
}
CNNK_KERNEL(bn_fold, BnFoldParams, bnFold)

/// x / (bias + a * sum)^beta, lane by lane.
template <int V>
CNNK_INLINE Vec<V> lrnScale(Vec<V> x, Vec<V> sum, float a, float beta,
                            float bias) {
  Vec<V> base = bias + a * sum;
  Vec<V> d;
  for (int l = 0; l < V; ++l)
    d[l] = __builtin_powf(base[l], beta);
  return x / d;
}

template <int V>
static void lrn(const LrnParams &p, void *const *bufs, int64_t begin,
                int64_t end) {
  const float *__restrict x = in(bufs, 0);
  float *__restrict y = out(bufs, 1);
  float a = float(p.alphaOverSize), beta = float(p.beta), bias = float(p.bias);
  for (int64_t t = begin; t < end; ++t) {
    int64_t o = t / p.chunksPerOuter;
    int64_t i0 = (t % p.chunksPerOuter) * p.chunk;
    int64_t i1 = min(i0 + p.chunk, p.inner);
    const float *xo = x + o * p.channels * p.inner;
    float *yo = y + o * p.channels * p.inner;
    for (int64_t c = 0; c < p.channels; ++c) {
      int64_t lo = max<int64_t>(0, c - p.before);
      int64_t hi = min(p.channels - 1, c + p.after);
      int64_t i = i0;
      for (; i + V <= i1; i += V) {
        Vec<V> sum = splat<V>(0.0f);
        for (int64_t j = lo; j <= hi; ++j) {
          Vec<V> v = load<V>(xo + j * p.inner + i);
          sum += v * v;
        }
        store<V>(
            yo + c * p.inner + i,
            lrnScale<V>(load<V>(xo + c * p.inner + i), sum, a, beta, bias));
      }
      for (; i < i1; ++i) {
        float sum = 0;
        for (int64_t j = lo; j <= hi; ++j)
          sum += xo[j * p.inner + i] * xo[j * p.inner + i];
        yo[c * p.inner + i] =
            xo[c * p.inner + i] / __builtin_powf(bias + a * sum, beta);
      }
    }
  }
}
CNNK_VECTOR_KERNEL(lrn, LrnParams, lrn)

/// The sum of the lanes of v.
template <int V> CNNK_INLINE float laneSum(Vec<V> v) {
  float s = 0;
  for (int l = 0; l < V; ++l)
    s += v[l];
  return s;
}

/// The mean of a row of `len` elements `stride` apart and 1 / sqrt(var +
/// epsilon), var the mean squared deviation from it: two passes,
/// vectorised along a contiguous row.
template <int V>
CNNK_INLINE void rowStats(const float *__restrict x, int64_t len,
                          int64_t stride, float epsilon, float &mean,
                          float &inv) {
  float sum = 0, sq = 0;
  int64_t j = 0;
  if (stride == 1) {
    Vec<V> vs = splat<V>(0.0f);
    for (; j + V <= len; j += V)
      vs += load<V>(x + j);
    sum = laneSum<V>(vs);
  }
  for (int64_t i = j; i < len; ++i)
    sum += x[i * stride];
  mean = sum / float(len);
  if (stride == 1) {
    Vec<V> vq = splat<V>(0.0f);
    for (j = 0; j + V <= len; j += V) {
      Vec<V> d = load<V>(x + j) - mean;
      vq += d * d;
    }
    sq = laneSum<V>(vq);
  }
  for (int64_t i = j; i < len; ++i)
    sq += (x[i * stride] - mean) * (x[i * stride] - mean);
  inv = 1.0f / __builtin_sqrtf(sq / float(len) + epsilon);
}

/// One row of layer_norm; `bias` is null when there is none, meanOut and
/// invOut when the row's mean and 1 / sqrt(var + epsilon) are not wanted.
template <int V>
CNNK_INLINE void
layerNormRow(const float *__restrict x, const float *__restrict scale,
             const float *__restrict bias, float *__restrict y, int64_t len,
             float epsilon, float *__restrict meanOut,
             float *__restrict invOut) {
  float mean, inv;
  rowStats<V>(x, len, 1, epsilon, mean, inv);
  if (meanOut) {
    *meanOut = mean;
    *invOut = inv;
  }
  int64_t j = 0;
  for (; j + V <= len; j += V) {
    Vec<V> v = (load<V>(x + j) - mean) * inv * load<V>(scale + j);
    store<V>(y + j, bias ? v + load<V>(bias + j) : v);
  }
  for (; j < len; ++j) {
    float v = (x[j] - mean) * inv * scale[j];
    y[j] = bias ? v + bias[j] : v;
  }
}

template <int V>
static void layerNorm(const LayerNormParams &p, void *const *bufs,
                      int64_t begin, int64_t end) {
  const float *__restrict x = in(bufs, 0);
  const float *__restrict scale = in(bufs, 1);
  const float *__restrict bias = p.hasBias ? in(bufs, 2) : nullptr;
  float *__restrict y = out(bufs, 3);
  float *mean = p.hasStats ? out(bufs, 4) : nullptr;
  float *invStd = p.hasStats ? out(bufs, 5) : nullptr;
  int64_t hi = min(end * p.block, p.rows);
  for (int64_t r = begin * p.block; r < hi; ++r)
    layerNormRow<V>(x + r * p.len, scale, bias, y + r * p.len, p.len,
                    float(p.epsilon), mean ? mean + r : nullptr,
                    invStd ? invStd + r : nullptr);
}
CNNK_VECTOR_KERNEL(layer_norm, LayerNormParams, layerNorm)

/// The statistics of the MR rows of one panel whose elements of a given k
/// are contiguous (op(a) = a^T: a channels-first tensor read as
/// pixels x channels): MR sums per pass, one vector wide, no lane
/// reductions.
template <int MR>
CNNK_INLINE void panelStatsColumns(const float *__restrict x, int64_t ks,
                                   int64_t len, float epsilon,
                                   float (&mean)[MR], float (&inv)[MR]) {
  float s[MR] = {}, q[MR] = {};
  for (int64_t k = 0; k < len; ++k)
#pragma unroll
    for (int i = 0; i < MR; ++i)
      s[i] += x[k * ks + i];
#pragma unroll
  for (int i = 0; i < MR; ++i)
    mean[i] = s[i] / float(len);
  for (int64_t k = 0; k < len; ++k)
#pragma unroll
    for (int i = 0; i < MR; ++i) {
      float d = x[k * ks + i] - mean[i];
      q[i] += d * d;
    }
#pragma unroll
  for (int i = 0; i < MR; ++i)
    inv[i] = 1.0f / __builtin_sqrtf(q[i] / float(len) + epsilon);
}

template <int V>
static void packPanelsNorm(const PackNormParams &p, void *const *bufs,
                           int64_t begin, int64_t end) {
  constexpr int MR = gemmMR(V);
  const float *__restrict src = in(bufs, 0);
  const float *__restrict scale = in(bufs, 1);
  const float *__restrict bias = in(bufs, 2);
  float *__restrict dst = out(bufs, 3);
  const int64_t len = p.kTotal, rs = p.rs, ks = p.ks;
  const float eps = float(p.epsilon);
  const int64_t rPad = (p.rows + MR - 1) / MR * MR, panels = rPad / MR;
  for (int64_t t = begin; t < end; ++t) {
    int64_t pEnd = min(panels, (t + 1) * p.panelsPerTask);
    for (int64_t pn = t * p.panelsPerTask; pn < pEnd; ++pn) {
      const int64_t r0 = pn * MR, valid = min<int64_t>(MR, p.rows - r0);
      const bool columns = rs == 1 && valid == MR;
      float mean[MR], inv[MR];
      if (columns) {
        panelStatsColumns<MR>(src + r0, ks, len, eps, mean, inv);
      } else {
        for (int i = 0; i < MR; ++i) {
          mean[i] = 0.0f;
          inv[i] = 0.0f;
          if (i >= valid)
            continue;
          rowStats<V>(src + (r0 + i) * rs, len, ks, eps, mean[i], inv[i]);
        }
      }
      // Every K block of the panel, in packPanelBlock's layout.
      for (int64_t k0 = 0; k0 < len; k0 += p.kc) {
        const int64_t kcb = min(p.kc, len - k0);
        float *__restrict d = dst + k0 * rPad + r0 * kcb;
        for (int64_t kk = 0; kk < kcb; ++kk) {
          const int64_t k = k0 + kk;
          const float sc = scale[k], bi = bias[k];
          if (columns) {
            const float *x = src + r0 + k * ks;
#pragma unroll
            for (int i = 0; i < MR; ++i)
              d[kk * MR + i] = (x[i] - mean[i]) * inv[i] * sc + bi;
            continue;
          }
          for (int i = 0; i < MR; ++i)
            d[kk * MR + i] =
                i < valid
                    ? (src[(r0 + i) * rs + k * ks] - mean[i]) * inv[i] * sc + bi
                    : 0.0f;
        }
      }
    }
  }
}
CNNK_VECTOR_KERNEL(pack_panels_ln, PackNormParams, packPanelsNorm)
