//===- Activation.h - Activation functions for the CPU kernels --*- C++ -*-===//
//
// One scalar and one vector function per activation of the op table, in
// float, written from the double definitions of ir/ops/ActivationOps.cpp
// (the oracle) and, like them, finite for large |x| and NaN-propagating.
// `activate` dispatches on an ActParams; once a kernel is specialised its
// kind is a constant and the switch folds to one case. The unary kernel
// and the conv/gemm epilogues share these.
//
// Transcendentals go through libm (__builtin_expf, ...), lane by lane in
// the vector forms; the cheap ones are vector code.
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
  }
  return x;
}

//===--- Vector forms -----------------------------------------------------===//

/// Applies a scalar activation lane by lane (the transcendental ones).
template <int V, typename F> CNNK_INLINE Vec<V> perLane(Vec<V> x, F f) {
  Vec<V> r;
  for (int i = 0; i < V; ++i)
    r[i] = f(x[i]);
  return r;
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

/// The activation `a` of every lane of x.
template <int V> CNNK_INLINE Vec<V> activate(const ActParams &a, Vec<V> x) {
  float alpha = float(a.alpha), beta = float(a.beta), gamma = float(a.gamma);
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
    return perLane<V>(x, [=](float v) { return actElu(v, alpha); });
  case kActSelu:
    return perLane<V>(x, [=](float v) { return actSelu(v, alpha, gamma); });
  case kActSigmoid:
    return perLane<V>(x, [](float v) { return actSigmoid(v); });
  case kActTanh:
    return perLane<V>(x, [](float v) { return actTanh(v); });
  case kActSoftplus:
    return perLane<V>(x, [](float v) { return actSoftplus(v); });
  case kActSilu:
    return perLane<V>(x, [](float v) { return actSilu(v); });
  case kActMish:
    return perLane<V>(x, [](float v) { return actMish(v); });
  case kActLogSigmoid:
    return perLane<V>(x, [](float v) { return actLogSigmoid(v); });
  case kActGelu:
    return perLane<V>(x, [](float v) { return actGelu(v); });
  case kActGeluTanh:
    return perLane<V>(x, [](float v) { return actGeluTanh(v); });
  }
  return x;
}

} // namespace cnnk

#endif
