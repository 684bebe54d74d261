//===- ImportActivations.cpp - ONNX activations, Softmax and Clip ---------===//
//
// The elementwise activations (and Erf) map one to one (with their ONNX
// attributes);
// PRelu's slope is reshaped to the op table's [C] or [1]; Clip takes its
// bounds from attributes (opset < 11) or constant inputs; Softmax and
// LogSoftmax before opset 13 coerce x to 2-D at `axis` (flatten, softmax
// over the last axis, reshape back).
//
//===----------------------------------------------------------------------===//
#include "compiler/onnx/ConstEval.h"

#include <cmath>
#include <limits>

namespace cnnc::onnx {

namespace {

/// An activation with no attributes.
OpHandler unary(OpKind kind) {
  return [kind](NodeCtx &c) { return c.emitOut(kind, {c.in(0)}); };
}

/// An activation with float attributes named alike in ONNX and the op
/// table; absent ones keep the table's default.
OpHandler unaryWith(OpKind kind, std::vector<std::string> names) {
  return [kind, names](NodeCtx &c) {
    Attrs as;
    for (const std::string &n : names)
      if (c.hasAttr(n))
        as.push_back({n, c.attrFloat(n, 0)});
    return c.emitOut(kind, {c.in(0)}, as);
  };
}

bool importLeakyRelu(NodeCtx &c) {
  return c.emitOut(OpKind::LeakyRelu, {c.in(0)},
                   attrs({{"alpha", c.attrFloat("alpha", 0.01)}}));
}

bool importHardSigmoid(NodeCtx &c) {
  return c.emitOut(OpKind::HardSigmoid, {c.in(0)},
                   attrs({{"alpha", c.attrFloat("alpha", 0.2)},
                          {"beta", c.attrFloat("beta", 0.5)}}));
}

/// PRelu with a slope of any broadcastable shape:
/// relu(x) + slope * (x - relu(x)).
bool importPreluBroadcast(NodeCtx &c) {
  Value *x = c.in(0);
  Value *pos = c.emit(OpKind::Relu, {x}, {}, c.resultName(0, ".pos"));
  Value *neg = c.emit(OpKind::Sub, {x, pos}, {}, c.resultName(0, ".neg"));
  Value *scaled =
      c.emit(OpKind::Mul, {c.in(1), neg}, {}, c.resultName(0, ".scaled"));
  return c.emitOut(OpKind::Add, {pos, scaled});
}

/// PRelu: the slope must hold one value, or one per channel (axis 1) in a
/// shape that broadcasts to x ([C], [C,1,1], [1,C,1,1], ...) for the op
/// table's prelu; other slopes take four elementwise ops.
bool importPrelu(NodeCtx &c) {
  std::optional<Shape> x = c.shapeOf(0), s = c.shapeOf(1);
  if (!x || !s)
    return false;
  int64_t n = numElements(*s);
  bool perChannel = false;
  if (n != 1 && x->size() >= 2 && s->size() <= x->size() - 1) {
    // The slope's axes align with x's last axes; C must sit on axis 1.
    size_t lead = x->size() - s->size();
    perChannel = true;
    for (size_t k = 0; k < s->size(); ++k) {
      size_t axis = lead + k;
      int64_t want = axis == 1 ? (*x)[1] : 1;
      perChannel &= (*s)[k] == want;
    }
  }
  if (n != 1 && !perChannel)
    return importPreluBroadcast(c);
  Value *slope = c.in(1);
  if (s->size() != 1)
    slope = c.emit(OpKind::Reshape, {slope},
                   attrs({{"shape", std::vector<int64_t>{n}}}),
                   c.resultName(0, ".slope"));
  return c.emitOut(OpKind::Prelu, {c.in(0), slope});
}

bool importClip(NodeCtx &c) {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  if (c.opset() < 11) {
    lo = c.attrFloat("min", lo);
    hi = c.attrFloat("max", hi);
  } else {
    for (unsigned i : {1u, 2u}) {
      if (!c.hasInput(i))
        continue;
      auto v = c.constFloats(i, i == 1 ? "min" : "max");
      if (!v)
        return false;
      if (v->size() != 1)
        return c.error("expects a scalar {}", i == 1 ? "min" : "max");
      (i == 1 ? lo : hi) = (*v)[0];
    }
  }
  // ONNX: with min > max every element becomes max (clip(x, max, max)).
  if (lo > hi)
    lo = hi;
  return c.emitOut(OpKind::Clip, {c.in(0)}, attrs({{"min", lo}, {"max", hi}}));
}

/// Gelu (opset 20): approximate "none" (the exact erf form) or "tanh".
bool importGelu(NodeCtx &c) {
  std::string approximate = c.attrString("approximate", "none");
  if (approximate != "none" && approximate != "tanh")
    return c.error("expects approximate \"none\" or \"tanh\", found \"{}\"",
                   approximate);
  return c.emitOut(OpKind::Gelu, {c.in(0)},
                   attrs({{"approximate", approximate}}));
}

bool importSoftmax(NodeCtx &c) {
  OpKind kind = c.opType() == "Softmax" ? OpKind::Softmax : OpKind::LogSoftmax;
  std::optional<Shape> s = c.shapeOf(0);
  if (!s)
    return false;
  int64_t r = int64_t(s->size());
  int64_t axis = c.attrInt("axis", c.opset() < 13 ? 1 : -1);
  if (axis < -r || axis >= r)
    return c.error("expects axis in [{}, {}), found {}", -r, r, axis);
  axis = axis < 0 ? axis + r : axis;
  if (c.opset() >= 13 || axis == r - 1)
    return c.emitOut(kind, {c.in(0)}, attrs({{"axis", axis}}));
  // Before opset 13: softmax over the flattened axes [axis, r).
  int64_t outer = 1;
  for (int64_t k = 0; k < axis; ++k)
    outer *= (*s)[size_t(k)];
  Value *flat = c.emit(OpKind::Reshape, {c.in(0)},
                       attrs({{"shape", std::vector<int64_t>{outer, -1}}}),
                       c.resultName(0, ".flat"));
  Value *sm = c.emit(kind, {flat}, attrs({{"axis", int64_t(1)}}),
                     c.resultName(0, ".2d"));
  return c.emitOut(OpKind::Reshape, {sm}, attrs({{"shape", *s}}));
}

} // namespace

void registerActivationOps(std::unordered_map<std::string, OpHandler> &t) {
  t["Relu"] = unary(OpKind::Relu);
  t["Sigmoid"] = unary(OpKind::Sigmoid);
  t["Tanh"] = unary(OpKind::Tanh);
  t["Softplus"] = unary(OpKind::Softplus);
  t["Softsign"] = unary(OpKind::Softsign);
  t["HardSwish"] = unary(OpKind::HardSwish);
  t["Mish"] = unary(OpKind::Mish);
  t["Erf"] = unary(OpKind::Erf);
  t["Gelu"] = importGelu;
  t["Elu"] = unaryWith(OpKind::Elu, {"alpha"});
  t["Selu"] = unaryWith(OpKind::Selu, {"alpha", "gamma"});
  t["LeakyRelu"] = importLeakyRelu;
  t["HardSigmoid"] = importHardSigmoid;
  t["PRelu"] = importPrelu;
  t["Clip"] = importClip;
  t["Softmax"] = importSoftmax;
  t["LogSoftmax"] = importSoftmax;
}

} // namespace cnnc::onnx
