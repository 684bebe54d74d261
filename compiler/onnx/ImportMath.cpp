//===- ImportMath.cpp - ONNX arithmetic, Gemm and MatMul ------------------===//
//
// Add, Sub, Mul and Div map onto the broadcasting ops of the op table, or
// are evaluated at import when both operands are known (integer shape math
// stays integer). Sum chains adds. Gemm and MatMul map one to one.
//
//===----------------------------------------------------------------------===//
#include "compiler/onnx/ConstEval.h"

namespace cnnc::onnx {

namespace {

OpKind binaryKind(const std::string &op) {
  if (op == "Add")
    return OpKind::Add;
  if (op == "Sub")
    return OpKind::Sub;
  if (op == "Mul")
    return OpKind::Mul;
  return OpKind::Div;
}

bool importBinary(NodeCtx &c) {
  ConstRef a = c.constIn(0), b = c.constIn(1);
  if (a && b && (a->isInt || b->isInt || a->size() <= 64 || b->size() <= 64)) {
    std::optional<ConstData> r = evalArith(c, c.opType(), {a, b});
    if (!r)
      return false;
    c.bindConst(0, std::move(*r));
    return true;
  }
  return c.emitOut(binaryKind(c.opType()), {c.in(0), c.in(1)});
}

bool importSum(NodeCtx &c) {
  Value *acc = c.in(0);
  for (unsigned i = 1; acc && i < c.numInputs(); ++i)
    acc = c.emit(OpKind::Add, {acc, c.in(i)}, {},
                 c.resultName(0, i + 1 == c.numInputs() ? "" : ".sum"));
  if (!acc)
    return false;
  c.bind(0, acc);
  return true;
}

bool importGemm(NodeCtx &c) {
  Attrs as = attrs({{"trans_a", c.attrInt("transA", 0)},
                    {"trans_b", c.attrInt("transB", 0)},
                    {"alpha", c.attrFloat("alpha", 1.0)},
                    {"beta", c.attrFloat("beta", 1.0)}});
  std::vector<Value *> ins{c.in(0), c.in(1)};
  if (c.hasInput(2))
    ins.push_back(c.in(2));
  return c.emitOut(OpKind::Gemm, ins, as);
}

bool importMatMul(NodeCtx &c) {
  return c.emitOut(OpKind::MatMul, {c.in(0), c.in(1)});
}

} // namespace

void registerMathOps(std::unordered_map<std::string, OpHandler> &t) {
  for (const char *op : {"Add", "Sub", "Mul", "Div"})
    t[op] = importBinary;
  t["Sum"] = importSum;
  t["Gemm"] = importGemm;
  t["MatMul"] = importMatMul;
}

} // namespace cnnc::onnx
