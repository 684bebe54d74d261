//===- Epilogue.h - The conv and gemm epilogue in registers -----*- C++ -*-===//
//
// The epilogue of a fused conv or gemm (ParamsAct.h, ir/Epilogue.h) on a
// vector or a scalar that already includes the bias:
//
//   y = resAct(act(v) + res)
//
// built on Activation.h's activate (cheap activations as vector code,
// transcendental ones lane by lane), so NaN propagates like the unary
// kernel. Once a kernel is specialised the kinds are constants and the
// switches fold to one case each.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CPU_KERNELS_EPILOGUE_H
#define CNNC_COMPILER_CPU_KERNELS_EPILOGUE_H

#include "compiler/cpu/kernels/Activation.h"

namespace cnnk {

/// The epilogue of V results v (bias included); res points at the V
/// residual floats and is ignored when !e.hasResidual.
template <int V>
CNNK_INLINE Vec<V> applyEpilogue(Vec<V> v, const Epilogue &e,
                                 const float *res) {
  v = activate<V>(e.act, v);
  if (!e.hasResidual)
    return v;
  v += load<V>(res);
  return activate<V>(e.resAct, v);
}

/// The epilogue of one result v (bias included); res points at its
/// residual and is ignored when !e.hasResidual.
CNNK_INLINE float applyEpilogue(float v, const Epilogue &e, const float *res) {
  v = activate(e.act, v);
  if (!e.hasResidual)
    return v;
  v += *res;
  return activate(e.resAct, v);
}

/// The epilogue that does nothing.
CNNK_INLINE constexpr Epilogue noEpilogueParams() {
  return Epilogue{ActParams{kActNone, 0, 0, 0}, 0,
                  ActParams{kActNone, 0, 0, 0}};
}

} // namespace cnnk

#endif
