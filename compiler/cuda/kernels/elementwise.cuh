//===- elementwise.cuh - Activations, binary ops, per-channel --*- CUDA -*-===//
//
// unary     y = act(x) for every activation of the op table (the kind and
//           its attributes are constants of P, so the switch of
//           cnnk::activate folds to one function).
// binary    add, sub, mul, div with numpy broadcasting: the lowering merges
//           the broadcast space to as few axes as it can and passes, per
//           axis, its size and each operand's element stride (0 where the
//           operand is broadcast); the rank is a constant, so the index
//           arithmetic unrolls into multiplications by constants.
// channel   per-channel ops over x [N,C,*S]: the affine x*k[c] + s[c]
//           (batch_norm) and prelu (slope k[c]).
// bn_fold   k = scale / sqrt(var + eps), s = bias - mean * k per channel,
//           for a batch_norm whose statistics are not constants.
//
// One thread per element, consecutive threads on consecutive outputs.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "cnnk/prelude.cuh"

namespace cnnk {

/// y[i] = act(x[i]): p[0] x, p[1] y.
template <class P> __device__ void unary(const Args &a) {
  const float *__restrict x = a.p[0];
  float *__restrict y = a.p[1];
  for (unsigned i = flatIndex(); i < unsigned(P::n);
       i += gridDim.x * blockDim.x)
    y[i] = applyAct<P>(x[i]);
}

enum BinaryOp { kBinAdd = 0, kBinSub, kBinMul, kBinDiv };

template <int Op> __device__ __forceinline__ float binaryOp(float u, float v) {
  if (Op == kBinAdd)
    return u + v;
  if (Op == kBinSub)
    return u - v;
  if (Op == kBinMul)
    return u * v;
  return u / v;
}

/// y[i] = a[..] op b[..] over the broadcast space: p[0] a, p[1] b, p[2] y.
/// P::shape(d), P::as(d), P::bs(d) for d < P::shape_n (outermost first).
template <class P> __device__ void binary(const Args &a) {
  const float *__restrict u = a.p[0];
  const float *__restrict v = a.p[1];
  float *__restrict y = a.p[2];
  for (unsigned i = flatIndex(); i < unsigned(P::n);
       i += gridDim.x * blockDim.x) {
    int rem = int(i), ua = 0, vb = 0;
#pragma unroll
    for (int d = P::shape_n - 1; d > 0; --d) {
      int c = rem % P::shape(d);
      rem /= P::shape(d);
      ua += c * P::as(d);
      vb += c * P::bs(d);
    }
    ua += rem * P::as(0);
    vb += rem * P::bs(0);
    y[i] = binaryOp<P::op>(u[ua], v[vb]);
  }
}

enum ChannelOp { kChanAffine = 0, kChanPrelu };

/// Per-channel ops over x viewed as [outer, P::C, P::inner]: p[0] x, p[1] k,
/// p[2] s (affine only), p[3] y.
template <class P> __device__ void channel(const Args &a) {
  const float *__restrict x = a.p[0];
  const float *__restrict k = a.p[1];
  const float *__restrict s = a.p[2];
  float *__restrict y = a.p[3];
  for (unsigned i = flatIndex(); i < unsigned(P::n);
       i += gridDim.x * blockDim.x) {
    int c = int(i) / P::inner % P::C;
    float v = x[i];
    if (P::op == kChanAffine)
      y[i] = v * k[c] + s[c];
    else
      y[i] = v < 0 ? k[c] * v : v;
  }
}

/// Folds batch_norm's operands into per-channel k and s: p[0] scale,
/// p[1] bias, p[2] mean, p[3] var, p[4] k, p[5] s.
template <class P> __device__ void bn_fold(const Args &a) {
  int c = flatIndex();
  if (c < P::n) {
    float k = a.p[0][c] / sqrtf(a.p[3][c] + P::epsilon);
    a.p[4][c] = k;
    a.p[5][c] = a.p[1][c] - a.p[2][c] * k;
  }
}

} // namespace cnnk
