//===- prelude.cuh - What every CUDA kernel of cnnc shares ------*- CUDA -*-===//
//
// The kernel argument struct, constants, the activation functions of the
// op table and the conv/gemm epilogue. Generated kernels instantiate the
// library's templates with a struct of static constexpr members (see
// compiler/cuda/Lowering.h, KernelParams); every `P::member` below is one.
//
// The activations are written from the double definitions of
// ir/ops/ActivationOps.cpp (the oracle), like the CPU kernels' Activation.h:
// finite for large |x| and NaN-propagating. Compiled by NVRTC, and by the
// host compiler in the tests' CUDA emulation (tests/cuda/HostShim.h
// defines the CUDA keywords and CNNK_INF/CNNK_NAN there).
//
//===----------------------------------------------------------------------===//
#pragma once

#ifndef CNNK_INF
#define CNNK_INF (1.0f / 0.0f)
#define CNNK_NAN (0.0f / 0.0f)
#endif

namespace cnnk {

/// The one parameter of every kernel: argument i of its launch.
struct Args {
  float *p[12];
};

/// Index of this thread in a one-dimensional launch.
__device__ __forceinline__ int flatIndex() {
  return int(blockIdx.x) * int(blockDim.x) + int(threadIdx.x);
}

/// Splits flat index i of a [planes, out(0), out(1), out(2)] tensor into
/// its (d, h, w) and returns its plane.
template <class P>
__device__ __forceinline__ int splitOut3(int i, int &d, int &h, int &w) {
  w = i % P::out(2);
  i /= P::out(2);
  h = i % P::out(1);
  i /= P::out(1);
  d = i % P::out(0);
  return i / P::out(0);
}

//===--- Activations (compiler/Activations.def; tests/unit checks) --------===//

enum ActKind {
  kActNone = 0,
  kActRelu,
  kActLeakyRelu,
  kActElu,
  kActSelu,
  kActSigmoid,
  kActTanh,
  kActSoftplus,
  kActSoftsign,
  kActSilu,
  kActMish,
  kActHardSigmoid,
  kActHardSwish,
  kActClip,
  kActStep,
  kActLogSigmoid,
  kActGelu,
  kActGeluTanh,
  kActErf
};

/// 1 / (1 + exp(-x)), never exponentiating a large positive number.
__device__ __forceinline__ float sigmoid(float x) {
  if (x >= 0)
    return 1.0f / (1.0f + expf(-x));
  float e = expf(x);
  return e / (1.0f + e);
}

/// log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)).
__device__ __forceinline__ float softplus(float x) {
  return (x > 0 ? x : 0.0f) + log1pf(expf(-fabsf(x)));
}

/// std::min(std::max(x, lo), hi): NaN stays NaN.
__device__ __forceinline__ float clampNaN(float x, float lo, float hi) {
  float m = x < lo ? lo : x;
  return hi < m ? hi : m;
}

/// Activation `kind` (a constant once instantiated: the switch folds).
__device__ __forceinline__ float activate(int kind, float x, float alpha,
                                          float beta, float gamma) {
  switch (kind) {
  case kActNone:
    return x;
  case kActRelu:
    return x < 0 ? 0.0f : x;
  case kActLeakyRelu:
    return x < 0 ? alpha * x : x;
  case kActElu:
    return x > 0 ? x : alpha * expm1f(x);
  case kActSelu:
    return gamma * (x > 0 ? x : alpha * expm1f(x));
  case kActSigmoid:
    return sigmoid(x);
  case kActTanh:
    return tanhf(x);
  case kActSoftplus:
    return softplus(x);
  case kActSoftsign:
    return x / (1.0f + fabsf(x));
  case kActSilu:
    return x * sigmoid(x);
  case kActMish:
    return x * tanhf(softplus(x));
  case kActHardSigmoid:
    return clampNaN(alpha * x + beta, 0.0f, 1.0f);
  case kActHardSwish:
    return x * clampNaN(x + 3.0f, 0.0f, 6.0f) / 6.0f;
  case kActClip:
    return clampNaN(x, alpha, beta);
  case kActStep:
    return x > 0 ? 1.0f : 0.0f;
  case kActLogSigmoid:
    return (x < 0 ? x : 0.0f) - log1pf(expf(-fabsf(x)));
  case kActGelu: // x * Phi(x), no cancellation for negative x
    return 0.5f * x * erfcf(x * -0.70710678118654752f);
  case kActGeluTanh: {
    float u = 0.79788456080286536f * (x + 0.044715f * x * x * x);
    return x * sigmoid(2.0f * u);
  }
  case kActErf:
    return erff(x);
  }
  return x; // not reached: every kind has its case (tests/unit checks)
}

/// The activation P::<prefix> of KernelParams::act("act", ...).
template <class P> __device__ __forceinline__ float applyAct(float x) {
  return activate(P::act, x, P::act_a, P::act_b, P::act_g);
}

/// A conv or gemm result (bias included) through its epilogue:
/// res_act(act(v) + res[idx]) (KernelParams::epilogue).
template <class P>
__device__ __forceinline__ float epilogue(float v, const float *res, int idx) {
  v = activate(P::act, v, P::act_a, P::act_b, P::act_g);
  if (P::has_res) {
    v += res[idx];
    v = activate(P::res_act, v, P::res_act_a, P::res_act_b, P::res_act_g);
  }
  return v;
}

//===--- Copy -------------------------------------------------------------===//

/// p[1][i] = p[0][i] for i < P::n.
template <class P> __device__ void copy(const Args &a) {
  int i = flatIndex();
  if (i < P::n)
    a.p[1][i] = a.p[0][i];
}

} // namespace cnnk
