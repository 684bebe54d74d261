//===- ConstEval.cpp - Evaluating ONNX nodes on constants at import -------===//
//
// The shape-computation chains exporters emit (Shape -> Gather -> Unsqueeze
// -> Concat -> Reshape, Cast, Range, Equal/Where, ...) are evaluated here
// when their inputs are known, so the IR only ever sees static shapes.
//
// Data movement on constants (reshape, transpose, concat, slice, split)
// reuses the reference interpreter's kernels on an "iota" tensor: each
// input element is replaced by its position, the op runs, and the result's
// values say which input element each output element copies. That serves
// integer data exactly (no float round trip of the values themselves).
//
//===----------------------------------------------------------------------===//
#include "compiler/onnx/ConstEval.h"
#include "ir/Interpreter.h"
#include "ir/ShapeInference.h"
#include "ir/Verifier.h"
#include "ir/ops/Broadcast.h"

#include <cmath>

namespace cnnc::onnx {

std::optional<std::vector<ConstData>> evalMove(NodeCtx &c, OpKind kind,
                                               const std::vector<ConstRef> &ins,
                                               const Attrs &as,
                                               unsigned numResults) {
  int64_t total = 0;
  for (const ConstRef &in : ins)
    total += in->size();
  if (total > (int64_t(1) << 24)) {
    c.error("cannot evaluate an integer tensor of more than 2^24 elements at "
            "import time");
    return std::nullopt;
  }
  DiagEngine local;
  local.setPrintImmediately(false);
  Graph g;
  SourceLoc loc = local.fileLoc("onnx");
  g.setLoc(loc);
  std::vector<Value *> operands;
  std::vector<Tensor> iotas;
  std::vector<int64_t> all;
  std::vector<double> allF;
  for (size_t k = 0; k < ins.size(); ++k) {
    operands.push_back(g.addInput("i" + std::to_string(k),
                                  TensorType(DType::F32, ins[k]->shape), loc));
    Tensor t(ins[k]->shape);
    for (int64_t e = 0; e < t.size(); ++e) {
      t.data[size_t(e)] = float(int64_t(all.size()));
      all.push_back(ins[k]->isInt ? ins[k]->i[size_t(e)] : 0);
      allF.push_back(ins[k]->at(e));
    }
    iotas.push_back(std::move(t));
  }
  std::vector<std::string> names;
  for (unsigned r = 0; r < numResults; ++r)
    names.push_back("r" + std::to_string(r));
  Node *n = g.addNode(kind, loc, operands, names);
  for (const auto &[name, value] : as)
    n->setAttr(name, value);
  for (Value *r : n->results())
    g.addOutput(r);
  std::optional<std::vector<Tensor>> outs;
  if (verifyGraph(g, local) && inferShapes(g, local))
    outs = interpret(g, iotas, local);
  if (!outs) {
    std::string msg = "cannot evaluate at import time";
    for (const Diagnostic &d : local.diagnostics())
      if (d.severity == Severity::Error)
        msg = d.message;
    c.error("{}", msg);
    return std::nullopt;
  }
  bool isInt = !ins.empty() && ins[0]->isInt;
  std::vector<ConstData> results;
  for (const Tensor &t : *outs) {
    std::vector<int64_t> vi;
    std::vector<float> vf;
    for (float pos : t.data) {
      size_t p = size_t(int64_t(pos));
      if (isInt)
        vi.push_back(all[p]);
      else
        vf.push_back(float(allF[p]));
    }
    results.push_back(isInt ? ConstData::ints(t.shape, std::move(vi))
                            : ConstData::floats(t.shape, std::move(vf)));
  }
  return results;
}

namespace {

/// Applies `f` elementwise with numpy broadcasting over `ins`.
template <typename F>
std::optional<ConstData> broadcastEval(NodeCtx &c,
                                       const std::vector<ConstRef> &ins,
                                       bool intResult, F f) {
  Shape out = ins[0]->shape;
  for (size_t k = 1; k < ins.size(); ++k) {
    std::optional<Shape> s = broadcastShapes(out, ins[k]->shape);
    if (!s) {
      c.error("expects broadcastable inputs, found {} and {}", shapeStr(out),
              shapeStr(ins[k]->shape));
      return std::nullopt;
    }
    out = *s;
  }
  std::vector<std::vector<int64_t>> strides;
  for (const ConstRef &in : ins)
    strides.push_back(broadcastStrides(in->shape, out));
  int64_t n = numElements(out);
  std::vector<double> args(ins.size());
  std::vector<int64_t> vi;
  std::vector<float> vf;
  for (int64_t e = 0; e < n; ++e) {
    for (size_t k = 0; k < ins.size(); ++k)
      args[k] = ins[k]->at(broadcastIndex(e, out, strides[k]));
    double r = f(args);
    if (intResult)
      vi.push_back(int64_t(r));
    else
      vf.push_back(float(r));
  }
  return intResult ? ConstData::ints(out, std::move(vi))
                   : ConstData::floats(out, std::move(vf));
}

bool allInt(const std::vector<ConstRef> &ins) {
  for (const ConstRef &c : ins)
    if (!c->isInt)
      return false;
  return true;
}

/// Integer-exact binary arithmetic when both operands are integers.
std::optional<ConstData> intBinary(NodeCtx &c, const std::vector<ConstRef> &ins,
                                   const std::string &op) {
  Shape out = ins[0]->shape;
  std::optional<Shape> s = broadcastShapes(ins[0]->shape, ins[1]->shape);
  if (!s) {
    c.error("expects broadcastable inputs, found {} and {}", shapeStr(out),
            shapeStr(ins[1]->shape));
    return std::nullopt;
  }
  std::vector<int64_t> sa = broadcastStrides(ins[0]->shape, *s);
  std::vector<int64_t> sb = broadcastStrides(ins[1]->shape, *s);
  std::vector<int64_t> v;
  for (int64_t e = 0; e < numElements(*s); ++e) {
    int64_t a = ins[0]->i[size_t(broadcastIndex(e, *s, sa))];
    int64_t b = ins[1]->i[size_t(broadcastIndex(e, *s, sb))];
    if ((op == "Div" || op == "Mod") && b == 0) {
      c.error("divides by zero");
      return std::nullopt;
    }
    int64_t r = op == "Add"   ? a + b
                : op == "Sub" ? a - b
                : op == "Mul" ? a * b
                : op == "Div" ? a / b
                : op == "Min" ? std::min(a, b)
                : op == "Max" ? std::max(a, b)
                              : ((a % b) + b) % b;
    v.push_back(r);
  }
  return ConstData::ints(*s, std::move(v));
}

} // namespace

std::optional<ConstData> evalArith(NodeCtx &c, const std::string &op,
                                   const std::vector<ConstRef> &ins) {
  bool ints = allInt(ins);
  if (ints && ins.size() == 2 &&
      (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" ||
       op == "Min" || op == "Max" ||
       (op == "Mod" && c.attrInt("fmod", 0) == 0)))
    return intBinary(c, ins, op);
  using Args = const std::vector<double> &;
  auto bin = [&](auto f) {
    return broadcastEval(c, ins, ints, [f](Args a) { return f(a[0], a[1]); });
  };
  auto cmp = [&](auto f) {
    return broadcastEval(c, ins, true,
                         [f](Args a) { return f(a[0], a[1]) ? 1.0 : 0.0; });
  };
  auto un = [&](auto f) {
    return broadcastEval(c, ins, ints, [f](Args a) { return f(a[0]); });
  };
  if (op == "Add")
    return bin([](double a, double b) { return a + b; });
  if (op == "Sub")
    return bin([](double a, double b) { return a - b; });
  if (op == "Mul")
    return bin([](double a, double b) { return a * b; });
  if (op == "Div")
    return bin([](double a, double b) { return a / b; });
  if (op == "Pow")
    return bin([](double a, double b) { return std::pow(a, b); });
  if (op == "Min")
    return bin([](double a, double b) { return std::min(a, b); });
  if (op == "Max")
    return bin([](double a, double b) { return std::max(a, b); });
  if (op == "Mod" && c.attrInt("fmod", 0) != 0)
    return bin([](double a, double b) { return std::fmod(a, b); });
  if (op == "Mod")
    return bin([](double a, double b) {
      double r = std::fmod(a, b);
      return r != 0 && (r < 0) != (b < 0) ? r + b : r;
    });
  if (op == "Equal")
    return cmp([](double a, double b) { return a == b; });
  if (op == "Less")
    return cmp([](double a, double b) { return a < b; });
  if (op == "Greater")
    return cmp([](double a, double b) { return a > b; });
  if (op == "LessOrEqual")
    return cmp([](double a, double b) { return a <= b; });
  if (op == "GreaterOrEqual")
    return cmp([](double a, double b) { return a >= b; });
  if (op == "And")
    return cmp([](double a, double b) { return a != 0 && b != 0; });
  if (op == "Or")
    return cmp([](double a, double b) { return a != 0 || b != 0; });
  if (op == "Not")
    return broadcastEval(c, ins, true,
                         [](Args a) { return a[0] == 0 ? 1.0 : 0.0; });
  if (op == "Neg")
    return un([](double a) { return -a; });
  if (op == "Abs")
    return un([](double a) { return std::fabs(a); });
  if (op == "Floor")
    return un([](double a) { return std::floor(a); });
  if (op == "Ceil")
    return un([](double a) { return std::ceil(a); });
  if (op == "Round")
    return un([](double a) { return std::nearbyint(a); });
  if (op == "Sqrt")
    return un([](double a) { return std::sqrt(a); });
  if (op == "Reciprocal")
    return un([](double a) { return 1.0 / a; });
  if (op == "Exp")
    return un([](double a) { return std::exp(a); });
  if (op == "Log")
    return un([](double a) { return std::log(a); });
  if (op == "Where") {
    bool intOut = ins[1]->isInt && ins[2]->isInt;
    return broadcastEval(c, ins, intOut,
                         [](Args a) { return a[0] != 0 ? a[1] : a[2]; });
  }
  c.error("cannot be evaluated at import time");
  return std::nullopt;
}

} // namespace cnnc::onnx
