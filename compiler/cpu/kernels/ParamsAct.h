//===- ParamsAct.h - Params of activations and epilogues --------*- C++ -*-===//
//
// The activation functions of Activation.h by number, their attributes,
// and the epilogue conv and gemm apply in registers:
//
//   y = resAct(act(result + bias) + residual)
//
// Shared by ParamsConv.h (conv and gemm params embed an Epilogue) and
// ParamsMisc.h (the unary kernel's ActParams). See Params.h for the rules
// (int64_t, double and fixed arrays only).
//
//===----------------------------------------------------------------------===//
#pragma once
#include <stdint.h>

namespace cnnk {

/// The activation functions of Activation.h, by number (stable: embedded in
/// params), from the backends' one list.
enum ActKind : int64_t {
#define CNNC_ACTIVATION(Id) kAct##Id,
#include "compiler/Activations.def"
};

/// An activation and its attributes (unused ones are 0).
struct ActParams {
  int64_t kind; // ActKind
  double alpha;
  double beta;
  double gamma;
};

/// What conv and gemm do to a result (bias included) while it is in
/// registers: y = resAct(act(v) + residual), the residual (if hasResidual)
/// a buffer laid out like y; resAct is kActNone without a residual. Every
/// part with kind kActNone is the identity.
struct Epilogue {
  ActParams act;
  int64_t hasResidual;
  ActParams resAct;
};

} // namespace cnnk
