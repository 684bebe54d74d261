//===- Activation.h - Activation functions for the CPU kernels --*- C++ -*-===//
//
// One scalar and one vector function per activation of the op table, in
// float, written from the double definitions of ir/ops/ActivationOps.cpp
// (the oracle) and, like them, finite for large |x| and NaN-propagating.
// `activate` dispatches on an ActParams; once a kernel is specialised its
// kind is a constant and the switch folds to one case. The unary kernel
// and the conv/gemm epilogues share these.
//
// The scalar forms call libm. The vector forms of the transcendental ones
// are vector code, no libm: sigmoid, silu, tanh, elu, selu, gelu_tanh, mish
// and softmax on vexp, a range-reduced polynomial (relative error below
// 3e-7); softplus and log_sigmoid on vexp and vlog1pUnit (an atanh
// series); gelu and erf on vphiNeg, a Chebyshev fit of erfc (erf near 0 on
// its series). The bounds are
// tested against <cmath> in tests/unit/ActivationTest.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CPU_KERNELS_ACTIVATION_H
#define CNNC_COMPILER_CPU_KERNELS_ACTIVATION_H

#include "compiler/cpu/kernels/Kernel.h"

namespace cnnk {

//===--- Scalar forms -----------------------------------------------------===//

CNNK_INLINE float actRelu(float x) { return x < 0 ? 0.0f : x; }
CNNK_INLINE float actLeakyRelu(float x, float alpha) {
  return x < 0 ? alpha * x : x;
}
CNNK_INLINE float actElu(float x, float alpha) {
  return x > 0 ? x : alpha * __builtin_expm1f(x);
}
CNNK_INLINE float actSelu(float x, float alpha, float gamma) {
  return gamma * actElu(x, alpha);
}
/// 1 / (1 + exp(-x)), never exponentiating a large positive number.
CNNK_INLINE float actSigmoid(float x) {
  if (x >= 0)
    return 1.0f / (1.0f + __builtin_expf(-x));
  float e = __builtin_expf(x);
  return e / (1.0f + e);
}
CNNK_INLINE float actTanh(float x) { return __builtin_tanhf(x); }
/// log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)).
CNNK_INLINE float actSoftplus(float x) {
  return (x > 0 ? x : 0.0f) +
         __builtin_log1pf(__builtin_expf(-__builtin_fabsf(x)));
}
CNNK_INLINE float actSoftsign(float x) {
  return x / (1.0f + __builtin_fabsf(x));
}
CNNK_INLINE float actSilu(float x) { return x * actSigmoid(x); }
CNNK_INLINE float actMish(float x) {
  return x * __builtin_tanhf(actSoftplus(x));
}
/// std::clamp(v, 0, 1): NaN stays NaN.
CNNK_INLINE float clamp01(float v) { return v < 0 ? 0.0f : (1 < v ? 1.0f : v); }
CNNK_INLINE float actHardSigmoid(float x, float alpha, float beta) {
  return clamp01(alpha * x + beta);
}
CNNK_INLINE float actHardSwish(float x) {
  float r = x + 3.0f;
  r = r < 0 ? 0.0f : (6.0f < r ? 6.0f : r);
  return x * r / 6.0f;
}
/// std::min(std::max(x, lo), hi): NaN stays NaN.
CNNK_INLINE float actClip(float x, float lo, float hi) {
  float m = x < lo ? lo : x;
  return hi < m ? hi : m;
}
CNNK_INLINE float actStep(float x) { return x > 0 ? 1.0f : 0.0f; }
/// log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)).
CNNK_INLINE float actLogSigmoid(float x) {
  return (x < 0 ? x : 0.0f) -
         __builtin_log1pf(__builtin_expf(-__builtin_fabsf(x)));
}
/// x * Phi(x) = x/2 * erfc(-x/sqrt(2)): no cancellation for negative x.
CNNK_INLINE float actGelu(float x) {
  return 0.5f * x * __builtin_erfcf(x * -0.70710678118654752f);
}
/// x/2 * (1 + tanh(u)) = x * sigmoid(2u), u = sqrt(2/pi)(x + 0.044715x^3):
/// no cancellation for negative x.
CNNK_INLINE float actGeluTanh(float x) {
  float u = 0.79788456080286536f * (x + 0.044715f * x * x * x);
  return x * actSigmoid(2.0f * u);
}
CNNK_INLINE float actErf(float x) { return __builtin_erff(x); }

/// The activation `a` of x.
CNNK_INLINE float activate(const ActParams &a, float x) {
  switch (a.kind) {
  case kActNone:
    return x;
  case kActRelu:
    return actRelu(x);
  case kActLeakyRelu:
    return actLeakyRelu(x, float(a.alpha));
  case kActElu:
    return actElu(x, float(a.alpha));
  case kActSelu:
    return actSelu(x, float(a.alpha), float(a.gamma));
  case kActSigmoid:
    return actSigmoid(x);
  case kActTanh:
    return actTanh(x);
  case kActSoftplus:
    return actSoftplus(x);
  case kActSoftsign:
    return actSoftsign(x);
  case kActSilu:
    return actSilu(x);
  case kActMish:
    return actMish(x);
  case kActHardSigmoid:
    return actHardSigmoid(x, float(a.alpha), float(a.beta));
  case kActHardSwish:
    return actHardSwish(x);
  case kActClip:
    return actClip(x, float(a.alpha), float(a.beta));
  case kActStep:
    return actStep(x);
  case kActLogSigmoid:
    return actLogSigmoid(x);
  case kActGelu:
    return actGelu(x);
  case kActGeluTanh:
    return actGeluTanh(x);
  case kActErf:
    return actErf(x);
  }
  return x;
}

//===--- Vector forms -----------------------------------------------------===//

/// A vector of V int32.
template <int V> struct IVecType {
  typedef int32_t type __attribute__((vector_size(V * 4)));
};
template <int V> using IVec = typename IVecType<V>::type;

/// exp(r) for |r| <= ln2/2 by its Taylor polynomial of degree 6
/// (truncation below 1.3e-7 relative).
template <int V> CNNK_INLINE Vec<V> vexpPoly(Vec<V> r) {
  Vec<V> p = splat<V>(1.0f / 720);
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  return p * r + 1.0f;
}
/// exp(r) 2^n for |r| <= ln2/2 and integral n in [-126, 128]: vexpPoly,
/// 2^n as 2^h * 2^(n-h), h = n/2, both built in the exponent bits and
/// normal. The last step of vexp.
template <int V> CNNK_INLINE Vec<V> vexpReduced(Vec<V> n, Vec<V> r) {
  Vec<V> p = vexpPoly<V>(r);
  IVec<V> ni = __builtin_convertvector(n, IVec<V>);
  IVec<V> h = ni >> 1;
  IVec<V> b1 = (h + 127) << 23, b2 = (ni - h + 127) << 23;
  return p * (Vec<V>)b1 * (Vec<V>)b2;
}

/// exp(x) in every lane: x = n ln2 + r with |r| <= ln2/2 (ln2 in two parts,
/// Cody and Waite), exp(r) by its Taylor polynomial of degree 6 (truncation
/// below 1.3e-7 relative), times 2^n built in the exponent bits. Overflows
/// to inf above 88.72, underflows to 0 below -87.33 (no denormals); NaN
/// stays NaN.
template <int V> CNNK_INLINE Vec<V> vexp(Vec<V> x) {
  const float hi = 88.7228394f, lo = -87.3365479f;
  Vec<V> xc = x < lo ? splat<V>(lo) : x;
  xc = hi < xc ? splat<V>(hi) : xc;
  xc = xc != xc ? splat<V>(0.0f) : xc; // NaN: any finite value here
  // Round x / ln2 to an integer: adding 1.5 * 2^23 leaves no fraction bits.
  const float shifter = 12582912.0f;
  Vec<V> n = (xc * 1.44269504088896341f + shifter) - shifter;
  Vec<V> r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  Vec<V> y = vexpReduced<V>(n, r);
  y = x > hi ? splat<V>(__builtin_inff()) : y;
  y = x < lo ? splat<V>(0.0f) : y;
  return x != x ? x : y;
}

/// exp(xh + xl) where xl is small next to 1 but carries bits a float sum
/// xh + xl would round off (xh up to -90 leaves xl only 2^-18 of
/// resolution): n is chosen from the sum, and the reduction keeps both
/// parts, r = (xh - n ln2_hi) + xl - n ln2_lo, the first difference exact
/// (Sterbenz). One exponential where exp(xh) exp(xl) would take two. The
/// sum must lie in [-87, 1] (vphiNeg's exponent, its argument capped): no
/// clamps, no NaN checks, and 2^n (n in [-126, 1]) is one normal power
/// built in the exponent bits.
template <int V> CNNK_INLINE Vec<V> vexpSum(Vec<V> xh, Vec<V> xl) {
  const float shifter = 12582912.0f;
  Vec<V> n = ((xh + xl) * 1.44269504088896341f + shifter) - shifter;
  Vec<V> r = (xh - n * 0.693359375f) + xl;
  r = r - n * -2.12194440e-4f;
  IVec<V> b = (__builtin_convertvector(n, IVec<V>) + 127) << 23;
  return vexpPoly<V>(r) * (Vec<V>)b;
}

/// 1 / (1 + exp(-x)) from exp(-|x|), never exponentiating a large positive
/// number.
template <int V> CNNK_INLINE Vec<V> actSigmoid(Vec<V> x) {
  Vec<V> e = vexp<V>(x < 0 ? x : -x);
  Vec<V> d = 1.0f + e;
  return x >= 0 ? 1.0f / d : e / d;
}
/// sign(x) (1 - e) / (1 + e), e = exp(-2|x|).
template <int V> CNNK_INLINE Vec<V> actTanh(Vec<V> x) {
  Vec<V> e = vexp<V>(x < 0 ? 2.0f * x : -2.0f * x);
  Vec<V> t = (1.0f - e) / (1.0f + e);
  return x < 0 ? -t : t;
}
template <int V> CNNK_INLINE Vec<V> actElu(Vec<V> x, float alpha) {
  return x > 0 ? x : alpha * (vexp<V>(x) - 1.0f);
}

/// log1p(e) for e in [0, 1]: 2 atanh(s), s = e / (2 + e) in [0, 1/3]
/// (exactly (u - 1) / (u + 1) for u = 1 + e, without forming u), by the
/// series 2 s (1 + s^2/3 + s^4/5 + ... + s^16/17): truncation below 2e-9
/// relative, and log1p(e) ~ e for tiny e with no cancellation.
template <int V> CNNK_INLINE Vec<V> vlog1pUnit(Vec<V> e) {
  Vec<V> s = e / (2.0f + e), s2 = s * s;
  Vec<V> p = splat<V>(1.0f / 17);
  p = p * s2 + 1.0f / 15;
  p = p * s2 + 1.0f / 13;
  p = p * s2 + 1.0f / 11;
  p = p * s2 + 1.0f / 9;
  p = p * s2 + 1.0f / 7;
  p = p * s2 + 1.0f / 5;
  p = p * s2 + 1.0f / 3;
  p = p * s2 + 1.0f;
  return 2.0f * s * p;
}

/// log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)).
template <int V> CNNK_INLINE Vec<V> actSoftplus(Vec<V> x) {
  Vec<V> absX = x < 0 ? -x : x;
  Vec<V> l = vlog1pUnit<V>(vexp<V>(-absX));
  return (x > 0 ? x : splat<V>(0.0f)) + l;
}
/// log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)).
template <int V> CNNK_INLINE Vec<V> actLogSigmoid(Vec<V> x) {
  Vec<V> absX = x < 0 ? -x : x;
  Vec<V> l = vlog1pUnit<V>(vexp<V>(-absX));
  return (x < 0 ? x : splat<V>(0.0f)) - l;
}
/// x tanh(softplus(x)) = x n (n + 2) / (n (n + 2) + 2), n = exp(x): no
/// cancellation for negative x (n small), exactly x above 20 (the ratio
/// rounds to 1; n^2 would overflow).
template <int V> CNNK_INLINE Vec<V> actMish(Vec<V> x) {
  Vec<V> n = vexp<V>(x < 20.0f ? x : splat<V>(20.0f));
  Vec<V> q = n * (n + 2.0f);
  Vec<V> m = x * (q / (q + 2.0f));
  return x < 20.0f ? m : x;
}
/// a = hi + lo exactly, hi with 12 significant bits (Veltkamp), so that
/// hi * hi is exact.
template <int V>
CNNK_INLINE void veltkampSplit(Vec<V> a, Vec<V> &hi, Vec<V> &lo) {
#ifdef __clang__
  // The kernels build with -ffp-contract=fast: a fused c - a would undo
  // the split.
#pragma clang fp contract(off)
#endif
  Vec<V> c = a * 4097.0f;
  hi = c - (c - a);
  lo = a - hi;
}
/// Phi(-a) = erfc(a / sqrt 2) / 2 for a >= 0, erfc(z) as t exp(-z^2 +
/// P(t)), t = 1 / (1 + z/2), P the degree-9 Chebyshev fit of Numerical
/// Recipes' erfcc (fractional error below 1.2e-7 for every z >= 0). The
/// exponent -z^2 = -a^2/2 reaches -70 in the tail, where rounding it to a
/// float alone would cost 4e-6: a^2 is split exactly (Veltkamp: a = hi +
/// lo, hi with 12 significant bits, hi^2 exact), and -hi^2/2 and
/// P - (2 hi lo + lo^2)/2 go to one exponential as an unevaluated sum
/// (vexpSum).
template <int V> CNNK_INLINE Vec<V> vphiNeg(Vec<V> in) {
  // Phi(-a) is below the smallest normal float past a = 13: computed at
  // 13 and replaced by 0 (the exponent then stays within vexpSum's
  // range); NaN stays NaN.
  Vec<V> a = in < 13.0f ? in : splat<V>(13.0f);
  Vec<V> z = a * 0.70710678118654752f;
  Vec<V> t = 1.0f / (1.0f + 0.5f * z);
  // Estrin's scheme: four multiply-adds deep instead of Horner's nine.
  Vec<V> t2 = t * t, t4 = t2 * t2, t8 = t4 * t4;
  Vec<V> q01 = t * 1.00002368f + -1.26551223f;
  Vec<V> q23 = t * 0.09678418f + 0.37409196f;
  Vec<V> q45 = t * 0.27886807f + -0.18628806f;
  Vec<V> q67 = t * 1.48851587f + -1.13520398f;
  Vec<V> q89 = t * 0.17087277f + -0.82215223f;
  Vec<V> p = (q01 + q23 * t2) + (q45 + q67 * t2) * t4 + q89 * t8;
  Vec<V> hi, lo;
  veltkampSplit<V>(a, hi, lo);
  Vec<V> e = vexpSum<V>(-0.5f * (hi * hi), p - (hi * lo + 0.5f * (lo * lo)));
  Vec<V> h = 0.5f * t * e;
  h = in > 13.0f ? splat<V>(0.0f) : h;
  return in != in ? in : h;
}
/// x Phi(x): Phi(x) for negative x (relative accuracy in the tail), 1 -
/// Phi(-x) for positive x.
template <int V> CNNK_INLINE Vec<V> actGelu(Vec<V> x) {
  Vec<V> absX = x < 0 ? -x : x;
  Vec<V> h = vphiNeg<V>(absX);
  return x * (x < 0 ? h : 1.0f - h);
}

/// erf(x): below |x| = 0.5 its Maclaurin series to x^13 (relative error
/// below 3e-8: no cancellation near 0), above sign(x) (1 - erfc(|x|)) with
/// erfc(a) = 2 Phi(-a sqrt 2) from vphiNeg (|x| capped at 6, where erf is
/// 1 in float, so that vphiNeg's split cannot overflow; NaN stays NaN).
template <int V> CNNK_INLINE Vec<V> actErf(Vec<V> x) {
  Vec<V> a = x < 0 ? -x : x;
  Vec<V> capped = a > 6.0f ? splat<V>(6.0f) : a;
  Vec<V> far = 1.0f - 2.0f * vphiNeg<V>(capped * 1.41421356237309505f);
  Vec<V> z2 = x * x;
  Vec<V> p = splat<V>(0.00012055332981789664f);
  p = p * z2 + -0.0008548327023450852f;
  p = p * z2 + 0.005223977625442188f;
  p = p * z2 + -0.026866170645131252f;
  p = p * z2 + 0.11283791670955126f;
  p = p * z2 + -0.37612638903183754f;
  p = p * z2 + 1.1283791670955126f;
  return a < 0.5f ? x * p : (x < 0 ? -far : far);
}

template <int V> CNNK_INLINE Vec<V> actRelu(Vec<V> x) {
  return x < 0 ? splat<V>(0.0f) : x;
}
template <int V> CNNK_INLINE Vec<V> actLeakyRelu(Vec<V> x, float alpha) {
  return x < 0 ? x * alpha : x;
}
template <int V> CNNK_INLINE Vec<V> actSoftsign(Vec<V> x) {
  Vec<V> absX = x < 0 ? -x : x;
  return x / (1.0f + absX);
}
template <int V> CNNK_INLINE Vec<V> clamp(Vec<V> v, float lo, float hi) {
  Vec<V> m = v < lo ? splat<V>(lo) : v;
  return hi < m ? splat<V>(hi) : m;
}
template <int V>
CNNK_INLINE Vec<V> actHardSigmoid(Vec<V> x, float alpha, float beta) {
  Vec<V> v = x * alpha + beta;
  return v < 0 ? splat<V>(0.0f) : (1 < v ? splat<V>(1.0f) : v);
}
template <int V> CNNK_INLINE Vec<V> actHardSwish(Vec<V> x) {
  Vec<V> r = x + 3.0f;
  r = r < 0 ? splat<V>(0.0f) : (6.0f < r ? splat<V>(6.0f) : r);
  return x * r / 6.0f;
}
template <int V> CNNK_INLINE Vec<V> actStep(Vec<V> x) {
  return x > 0 ? splat<V>(1.0f) : splat<V>(0.0f);
}

/// The transcendental activations of every lane of x, out of line: a
/// micro-kernel shared by every layer of its shape (Gemm.h, noinline,
/// kind known only at run time) calls one copy of them instead of
/// carrying each inlined, which made every module's -O3 a quarter slower.
/// A specialised kernel inlines it all the same: the backend's flatten
/// (compiler/cpu/Codegen.cpp) inlines noinline functions whose name holds
/// "cnnkInlineInClone", and the constant kind folds the switch.
template <int V>
__attribute__((noinline)) Vec<V> cnnkInlineInClone_actExp(const ActParams &a,
                                                          Vec<V> x) {
  float alpha = float(a.alpha), gamma = float(a.gamma);
  switch (a.kind) {
  case kActElu:
    return actElu<V>(x, alpha);
  case kActSelu:
    return gamma * actElu<V>(x, alpha);
  case kActSigmoid:
    return actSigmoid<V>(x);
  case kActTanh:
    return actTanh<V>(x);
  case kActSoftplus:
    return actSoftplus<V>(x);
  case kActSilu:
    return x * actSigmoid<V>(x);
  case kActMish:
    return actMish<V>(x);
  case kActLogSigmoid:
    return actLogSigmoid<V>(x);
  case kActGelu:
    return actGelu<V>(x);
  case kActGeluTanh:
    return x * actSigmoid<V>(2.0f * 0.79788456080286536f *
                             (x + 0.044715f * x * x * x));
  case kActErf:
    return actErf<V>(x);
  default:
    return x;
  }
}

/// Whether activation `kind` is a few vector instructions (no vexp): cheap
/// enough to run inside a shared micro-kernel, where the others would be a
/// call (cnnkInlineInClone_actExp is inlined only into specialised code).
CNNK_INLINE bool actIsCheap(int64_t kind) {
  switch (kind) {
  case kActNone:
  case kActRelu:
  case kActLeakyRelu:
  case kActSoftsign:
  case kActHardSigmoid:
  case kActHardSwish:
  case kActClip:
  case kActStep:
    return true;
  }
  return false;
}

/// The activation `a` of every lane of x.
template <int V> CNNK_INLINE Vec<V> activate(const ActParams &a, Vec<V> x) {
  float alpha = float(a.alpha), beta = float(a.beta);
  switch (a.kind) {
  case kActNone:
    return x;
  case kActRelu:
    return actRelu<V>(x);
  case kActLeakyRelu:
    return actLeakyRelu<V>(x, alpha);
  case kActSoftsign:
    return actSoftsign<V>(x);
  case kActHardSigmoid:
    return actHardSigmoid<V>(x, alpha, beta);
  case kActHardSwish:
    return actHardSwish<V>(x);
  case kActClip:
    return clamp<V>(x, alpha, beta);
  case kActStep:
    return actStep<V>(x);
  case kActElu:
  case kActSelu:
  case kActSigmoid:
  case kActTanh:
  case kActSoftplus:
  case kActSilu:
  case kActMish:
  case kActLogSigmoid:
  case kActGelu:
  case kActGeluTanh:
  case kActErf:
    return cnnkInlineInClone_actExp<V>(a, x);
  }
  return x;
}

} // namespace cnnk

#endif
