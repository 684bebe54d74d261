//===- ActivationOps.cpp - Activation functions ---------------------------===//
//
// The elementwise activations, prelu (a per-channel slope) and maxout. Each
// elementwise activation is defined once, below, as a scalar function on
// double; these definitions are the reference the backends' kernels are
// written from and tested against. All take PyTorch's (or, where noted,
// ONNX's) semantics and are written to stay finite for large |x|.
//
//===----------------------------------------------------------------------===//
#include "ir/Attr.h"
#include "ir/Interpreter.h"
#include "ir/ShapeInference.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace cnnc {

//===----------------------------------------------------------------------===//
// Scalar definitions
//===----------------------------------------------------------------------===//

namespace {

/// NaN propagates (x < 0 is false for NaN).
double relu(double x) { return x < 0 ? 0.0 : x; }
double leakyRelu(double x, double alpha) { return x < 0 ? alpha * x : x; }
double elu(double x, double alpha) { return x > 0 ? x : alpha * std::expm1(x); }
double selu(double x, double alpha, double gamma) {
  return gamma * elu(x, alpha);
}
/// 1 / (1 + exp(-x)), never evaluating exp of a large positive number.
double sigmoid(double x) {
  if (x >= 0)
    return 1 / (1 + std::exp(-x));
  double e = std::exp(x);
  return e / (1 + e);
}
/// log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)).
double softplus(double x) {
  return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x)));
}
double softsign(double x) { return x / (1 + std::abs(x)); }
double silu(double x) { return x * sigmoid(x); }
double mish(double x) { return x * std::tanh(softplus(x)); }
/// max(0, min(1, alpha*x + beta)).
double hardSigmoid(double x, double alpha, double beta) {
  return std::clamp(alpha * x + beta, 0.0, 1.0);
}
/// x * relu6(x + 3) / 6.
double hardSwish(double x) { return x * std::clamp(x + 3, 0.0, 6.0) / 6; }
/// min(max(x, lo), hi); NaN propagates.
double clip(double x, double lo, double hi) {
  return std::min(std::max(x, lo), hi);
}
/// max(a, b) that propagates NaN, as torch.max.
double nanMax(double a, double b) { return std::isnan(a) || a > b ? a : b; }
double step(double x) { return x > 0 ? 1.0 : 0.0; }
/// log(sigmoid(x)) = -softplus(-x) = min(x, 0) - log1p(exp(-|x|)).
double logSigmoid(double x) {
  return std::min(x, 0.0) - std::log1p(std::exp(-std::abs(x)));
}
/// x * Phi(x) with the exact normal CDF.
double gelu(double x) {
  return 0.5 * x * (1 + std::erf(x / std::numbers::sqrt2));
}
/// torch.nn.functional.gelu(x, approximate='tanh').
double geluTanh(double x) {
  const double k = std::sqrt(2 / std::numbers::pi);
  return 0.5 * x * (1 + std::tanh(k * (x + 0.044715 * x * x * x)));
}

//===----------------------------------------------------------------------===//
// Shared shape functions and kernels
//===----------------------------------------------------------------------===//

/// Elementwise ops: the result has the operand's shape.
bool inferSameShape(ShapeCtx &ctx) {
  ctx.setOut(ctx.in(0));
  return true;
}

/// out = f(x), element by element, computed in double.
template <typename F> void applyUnary(const KernelCtx &ctx, F f) {
  const Tensor &x = ctx.in(0);
  Tensor &out = ctx.out();
  for (int64_t i = 0; i < x.size(); ++i)
    out.data[size_t(i)] = float(f(double(x.data[size_t(i)])));
}

double floatAttr(const KernelCtx &ctx, std::string_view name) {
  return ctx.node.getFloat(name);
}

/// Elements per channel of a [N,C,*S] tensor: the product of *S.
int64_t innerSize(const Shape &s) {
  int64_t n = 1;
  for (size_t i = 2; i < s.size(); ++i)
    n *= s[i];
  return n;
}

} // namespace

//===----------------------------------------------------------------------===//
// Elementwise activations
//===----------------------------------------------------------------------===//

bool inferRelu(ShapeCtx &ctx) { return inferSameShape(ctx); }
bool inferLeakyRelu(ShapeCtx &ctx) { return inferSameShape(ctx); }
bool inferElu(ShapeCtx &ctx) { return inferSameShape(ctx); }
bool inferSelu(ShapeCtx &ctx) { return inferSameShape(ctx); }
bool inferSigmoid(ShapeCtx &ctx) { return inferSameShape(ctx); }
bool inferTanh(ShapeCtx &ctx) { return inferSameShape(ctx); }
bool inferSoftplus(ShapeCtx &ctx) { return inferSameShape(ctx); }
bool inferSoftsign(ShapeCtx &ctx) { return inferSameShape(ctx); }
bool inferSilu(ShapeCtx &ctx) { return inferSameShape(ctx); }
bool inferMish(ShapeCtx &ctx) { return inferSameShape(ctx); }
bool inferHardSigmoid(ShapeCtx &ctx) { return inferSameShape(ctx); }
bool inferHardSwish(ShapeCtx &ctx) { return inferSameShape(ctx); }
bool inferStep(ShapeCtx &ctx) { return inferSameShape(ctx); }
bool inferLogSigmoid(ShapeCtx &ctx) { return inferSameShape(ctx); }
bool inferGelu(ShapeCtx &ctx) { return inferSameShape(ctx); }
bool inferErf(ShapeCtx &ctx) { return inferSameShape(ctx); }

bool inferClip(ShapeCtx &ctx) {
  double lo = ctx.node().getFloat("min"), hi = ctx.node().getFloat("max");
  if (lo > hi)
    return ctx.error("clip expects 'min' <= 'max', found min {} > max {}",
                     floatText(lo), floatText(hi));
  return inferSameShape(ctx);
}

void interpretRelu(const KernelCtx &ctx) { applyUnary(ctx, relu); }
void interpretLeakyRelu(const KernelCtx &ctx) {
  double alpha = floatAttr(ctx, "alpha");
  applyUnary(ctx, [=](double x) { return leakyRelu(x, alpha); });
}
void interpretElu(const KernelCtx &ctx) {
  double alpha = floatAttr(ctx, "alpha");
  applyUnary(ctx, [=](double x) { return elu(x, alpha); });
}
void interpretSelu(const KernelCtx &ctx) {
  double alpha = floatAttr(ctx, "alpha"), gamma = floatAttr(ctx, "gamma");
  applyUnary(ctx, [=](double x) { return selu(x, alpha, gamma); });
}
void interpretSigmoid(const KernelCtx &ctx) { applyUnary(ctx, sigmoid); }
void interpretTanh(const KernelCtx &ctx) {
  applyUnary(ctx, [](double x) { return std::tanh(x); });
}
void interpretSoftplus(const KernelCtx &ctx) { applyUnary(ctx, softplus); }
void interpretSoftsign(const KernelCtx &ctx) { applyUnary(ctx, softsign); }
void interpretSilu(const KernelCtx &ctx) { applyUnary(ctx, silu); }
void interpretMish(const KernelCtx &ctx) { applyUnary(ctx, mish); }
void interpretHardSigmoid(const KernelCtx &ctx) {
  double alpha = floatAttr(ctx, "alpha"), beta = floatAttr(ctx, "beta");
  applyUnary(ctx, [=](double x) { return hardSigmoid(x, alpha, beta); });
}
void interpretHardSwish(const KernelCtx &ctx) { applyUnary(ctx, hardSwish); }
void interpretClip(const KernelCtx &ctx) {
  double lo = floatAttr(ctx, "min"), hi = floatAttr(ctx, "max");
  applyUnary(ctx, [=](double x) { return clip(x, lo, hi); });
}
void interpretStep(const KernelCtx &ctx) { applyUnary(ctx, step); }
void interpretLogSigmoid(const KernelCtx &ctx) { applyUnary(ctx, logSigmoid); }
void interpretGelu(const KernelCtx &ctx) {
  if (ctx.node.getEnum("approximate") == "tanh")
    return applyUnary(ctx, geluTanh);
  applyUnary(ctx, gelu);
}
void interpretErf(const KernelCtx &ctx) {
  applyUnary(ctx, [](double x) { return std::erf(x); });
}

//===----------------------------------------------------------------------===//
// Prelu: x [N,C,*S] (or [C'] with no channel axis), slope [C] or [1]
//===----------------------------------------------------------------------===//

bool inferPrelu(ShapeCtx &ctx) {
  if (ctx.rank(0) < 1)
    return ctx.error("prelu expects x of rank 1 or more, found rank 0 {}",
                     shapeStr(ctx.in(0)));
  if (!ctx.expectRank(1, 1))
    return false;
  int64_t slopes = ctx.in(1)[0];
  if (slopes == 1)
    return inferSameShape(ctx);
  // Without a channel axis (rank 1) there is one channel, as in PyTorch.
  if (ctx.rank(0) == 1)
    return ctx.error("prelu expects slope of shape [1] (x {} has no channel "
                     "axis), found {}",
                     shapeStr(ctx.in(0)), shapeStr(ctx.in(1)));
  int64_t channels = ctx.in(0)[1];
  if (slopes != channels)
    return ctx.error("prelu expects slope of shape {} (the channels of x {}), "
                     "found {}",
                     channels == 1 ? "[1]"
                                   : fmt::format("[1] or [{}]", channels),
                     shapeStr(ctx.in(0)), shapeStr(ctx.in(1)));
  return inferSameShape(ctx);
}

void interpretPrelu(const KernelCtx &ctx) {
  const Tensor &x = ctx.in(0), &slope = ctx.in(1);
  Tensor &out = ctx.out();
  // A slope of [C] (C != 1) implies x [N,C,*S] (checked by inferPrelu).
  bool shared = slope.size() == 1;
  int64_t inner = innerSize(x.shape);
  for (int64_t i = 0; i < x.size(); ++i) {
    int64_t c = shared ? 0 : (i / inner) % x.dim(1);
    double v = x.data[size_t(i)];
    out.data[size_t(i)] = float(leakyRelu(v, slope.data[size_t(c)]));
  }
}

//===----------------------------------------------------------------------===//
// Maxout: [N,C,*S] -> [N,C/k,*S]
//===----------------------------------------------------------------------===//

bool inferMaxout(ShapeCtx &ctx) {
  if (ctx.rank(0) < 2)
    return ctx.error("maxout expects x of rank 2 or more, found rank {} {}",
                     ctx.rank(0), shapeStr(ctx.in(0)));
  int64_t k = ctx.node().getInt("k");
  if (k < 1)
    return ctx.error("maxout expects 'k' >= 1, found {}", k);
  Shape out = ctx.in(0);
  if (out[1] % k != 0)
    return ctx.error("maxout expects the channels of x {} ({}) to be "
                     "divisible by k ({})",
                     shapeStr(out), out[1], k);
  out[1] /= k;
  ctx.setOut(std::move(out));
  return true;
}

void interpretMaxout(const KernelCtx &ctx) {
  const Tensor &x = ctx.in(0);
  Tensor &out = ctx.out();
  int64_t k = ctx.node.getInt("k");
  int64_t n = x.dim(0), groups = out.dim(1), inner = innerSize(x.shape);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t j = 0; j < groups; ++j)
      for (int64_t s = 0; s < inner; ++s) {
        // Channel j of the output: the max of input channels j*k .. j*k+k-1.
        auto at = [&](int64_t c) {
          return double(x.data[size_t((b * x.dim(1) + c) * inner + s)]);
        };
        double m = at(j * k);
        for (int64_t c = j * k + 1; c < j * k + k; ++c)
          m = nanMax(m, at(c));
        out.data[size_t((b * groups + j) * inner + s)] = float(m);
      }
}

} // namespace cnnc
