//===- ImportConst.cpp - ONNX ops evaluated at import ---------------------===//
//
// Constant, Shape, Size, Cast, ConstantOfShape, Range, Gather, Expand and
// the elementwise ops the op table lacks (Equal, Where, Floor, ...): the
// shape computations exporters emit. They are evaluated when their inputs
// are known; Gather with constant indices, Cast to float and Expand also
// map computed tensors onto the op table. Identity and Dropout alias their
// input.
//
//===----------------------------------------------------------------------===//
#include "compiler/onnx/ConstEval.h"

namespace cnnc::onnx {

using ::onnx::TensorProto;

namespace {

bool importConstant(NodeCtx &c) {
  if (const auto *a = c.attr("value")) {
    std::string error;
    std::optional<ConstData> d = readTensor(a->t(), c.resultName(), error);
    if (!d)
      return c.error("{}", error);
    c.bindConst(0, std::move(*d));
    return true;
  }
  if (const auto *a = c.attr("value_float")) {
    c.bindConst(0, ConstData::floats({}, {a->f()}));
    return true;
  }
  if (const auto *a = c.attr("value_floats")) {
    std::vector<float> v(a->floats().begin(), a->floats().end());
    c.bindConst(0, ConstData::floats({int64_t(v.size())}, v));
    return true;
  }
  if (const auto *a = c.attr("value_int")) {
    c.bindConst(0, ConstData::ints({}, {a->i()}));
    return true;
  }
  if (const auto *a = c.attr("value_ints")) {
    std::vector<int64_t> v(a->ints().begin(), a->ints().end());
    c.bindConst(0, ConstData::ints({int64_t(v.size())}, v));
    return true;
  }
  return c.error("has no supported value attribute (value, value_float(s), "
                 "value_int(s))");
}

bool importShape(NodeCtx &c) {
  std::optional<Shape> s = c.shapeOf(0);
  if (!s)
    return false;
  int64_t r = int64_t(s->size());
  int64_t start = c.attrInt("start", 0), end = c.attrInt("end", r);
  auto clampAxis = [r](int64_t a) {
    return std::clamp(a < 0 ? a + r : a, int64_t(0), r);
  };
  start = clampAxis(start);
  end = clampAxis(end);
  std::vector<int64_t> v;
  for (int64_t k = start; k < end; ++k)
    v.push_back((*s)[size_t(k)]);
  c.bindConst(0, ConstData::ints({int64_t(v.size())}, v));
  return true;
}

bool importSize(NodeCtx &c) {
  std::optional<Shape> s = c.shapeOf(0);
  if (!s)
    return false;
  c.bindConst(0, ConstData::ints({}, {numElements(*s)}));
  return true;
}

bool isFloatType(int64_t t) {
  return t == TensorProto::FLOAT || t == TensorProto::DOUBLE ||
         t == TensorProto::FLOAT16 || t == TensorProto::BFLOAT16;
}

bool importCast(NodeCtx &c) {
  int64_t to = c.attrInt("to", TensorProto::FLOAT);
  ConstRef k = c.constIn(0);
  if (!k) {
    if (!isFloatType(to))
      return c.error("casts a computed tensor to {}; cnnc computes float "
                     "tensors only",
                     TensorProto::DataType_Name(int(to)));
    Value *v = c.in(0);
    if (!v)
      return false;
    c.bind(0, v); // every float type computes as f32
    return true;
  }
  if (isFloatType(to)) {
    std::vector<float> v(size_t(k->size()));
    for (int64_t e = 0; e < k->size(); ++e)
      v[size_t(e)] = float(k->at(e));
    c.bindConst(0, ConstData::floats(k->shape, std::move(v)));
    return true;
  }
  std::vector<int64_t> v(size_t(k->size()));
  for (int64_t e = 0; e < k->size(); ++e)
    v[size_t(e)] =
        to == TensorProto::BOOL ? int64_t(k->at(e) != 0) : k->intAt(e);
  c.bindConst(0, ConstData::ints(k->shape, std::move(v)));
  return true;
}

bool importConstantOfShape(NodeCtx &c) {
  std::optional<std::vector<int64_t>> shape = c.constInts(0, "shape");
  if (!shape)
    return false;
  ConstData value = ConstData::floats({1}, {0.0f});
  if (const auto *a = c.attr("value")) {
    std::string error;
    std::optional<ConstData> d = readTensor(a->t(), c.resultName(), error);
    if (!d)
      return c.error("{}", error);
    if (d->size() != 1)
      return c.error("expects a one-element value, found shape {}",
                     shapeStr(d->shape));
    value = *d;
  }
  Shape s(shape->begin(), shape->end());
  if (!checkedNumElements(s))
    return c.error("expects a valid shape, found {}", shapeStr(s));
  int64_t n = numElements(s);
  if (value.isInt)
    c.bindConst(
        0, ConstData::ints(s, std::vector<int64_t>(size_t(n), value.i[0])));
  else
    c.bindConst(0, ConstData::floats(
                       s, std::vector<float>(size_t(n), value.f->data[0])));
  return true;
}

bool importRange(NodeCtx &c) {
  ConstRef start = c.constIn(0), limit = c.constIn(1), delta = c.constIn(2);
  if (!start || !limit || !delta)
    return c.error("expects start, limit and delta known at import time");
  double s = start->at(0), l = limit->at(0), d = delta->at(0);
  if (d == 0)
    return c.error("expects a non-zero delta");
  int64_t n = std::max<int64_t>(int64_t(std::ceil((l - s) / d)), 0);
  if (n > (int64_t(1) << 24))
    return c.error("makes more than 2^24 elements");
  if (start->isInt) {
    std::vector<int64_t> v;
    for (int64_t k = 0; k < n; ++k)
      v.push_back(start->i[0] + k * delta->intAt(0));
    c.bindConst(0, ConstData::ints({n}, v));
    return true;
  }
  std::vector<float> v;
  for (int64_t k = 0; k < n; ++k)
    v.push_back(float(s + double(k) * d));
  c.bindConst(0, ConstData::floats({n}, v));
  return true;
}

/// Gather of constant data: numpy take along `axis`.
bool gatherConst(NodeCtx &c, const ConstData &data, const ConstData &idx,
                 int64_t axis) {
  const Shape &s = data.shape;
  int64_t outer = 1, inner = 1, dim = s[size_t(axis)];
  for (int64_t k = 0; k < axis; ++k)
    outer *= s[size_t(k)];
  for (size_t k = size_t(axis) + 1; k < s.size(); ++k)
    inner *= s[k];
  Shape out(s.begin(), s.begin() + axis);
  out.insert(out.end(), idx.shape.begin(), idx.shape.end());
  out.insert(out.end(), s.begin() + axis + 1, s.end());
  std::vector<int64_t> vi;
  std::vector<float> vf;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < idx.size(); ++j) {
      int64_t i = idx.intAt(j);
      if (i < -dim || i >= dim)
        return c.error("index {} is out of range for axis {} of size {}", i,
                       axis, dim);
      i = i < 0 ? i + dim : i;
      for (int64_t e = 0; e < inner; ++e) {
        int64_t src = (o * dim + i) * inner + e;
        if (data.isInt)
          vi.push_back(data.i[size_t(src)]);
        else
          vf.push_back(data.f->data[size_t(src)]);
      }
    }
  c.bindConst(0, data.isInt ? ConstData::ints(out, std::move(vi))
                            : ConstData::floats(out, std::move(vf)));
  return true;
}

/// Gather of a computed tensor with constant indices: one slice per index,
/// concatenated, then reshaped to the gathered shape.
bool gatherComputed(NodeCtx &c, const Shape &s, const ConstData &idx,
                    int64_t axis) {
  int64_t dim = s[size_t(axis)];
  std::vector<Value *> parts;
  for (int64_t j = 0; j < idx.size(); ++j) {
    int64_t i = idx.intAt(j);
    if (i < -dim || i >= dim)
      return c.error("index {} is out of range for axis {} of size {}", i, axis,
                     dim);
    i = i < 0 ? i + dim : i;
    Attrs as = attrs({{"starts", std::vector<int64_t>{i}},
                      {"ends", std::vector<int64_t>{i + 1}},
                      {"axes", std::vector<int64_t>{axis}}});
    parts.push_back(
        c.emit(OpKind::Slice, {c.in(0)}, as, c.resultName(0, ".part")));
    if (!parts.back())
      return false;
  }
  if (parts.empty())
    return c.error("gathers no elements");
  Value *v = parts[0];
  if (parts.size() > 1)
    v = c.emit(OpKind::Concat, parts, attrs({{"axis", axis}}),
               c.resultName(0, ".cat"));
  Shape out(s.begin(), s.begin() + axis);
  out.insert(out.end(), idx.shape.begin(), idx.shape.end());
  out.insert(out.end(), s.begin() + axis + 1, s.end());
  return c.emitOut(OpKind::Reshape, {v}, attrs({{"shape", out}}));
}

bool importGather(NodeCtx &c) {
  std::optional<Shape> s = c.shapeOf(0);
  ConstRef idx = c.constIn(1);
  if (!s)
    return false;
  if (!idx)
    return c.error("expects constant indices");
  int64_t axis = c.attrInt("axis", 0), r = int64_t(s->size());
  if (axis < -r || axis >= r)
    return c.error("expects axis in [{}, {}), found {}", -r, r, axis);
  axis = axis < 0 ? axis + r : axis;
  if (ConstRef data = c.constIn(0))
    return gatherConst(c, *data, *idx, axis);
  return gatherComputed(c, *s, *idx, axis);
}

bool importExpand(NodeCtx &c) {
  std::optional<std::vector<int64_t>> shape = c.constInts(1, "shape");
  if (!shape)
    return false;
  // Expand is a broadcast against ones of the given shape.
  Shape s(shape->begin(), shape->end());
  if (!checkedNumElements(s))
    return c.error("expects a valid shape, found {}", shapeStr(s));
  ConstData ones =
      ConstData::ints(s, std::vector<int64_t>(size_t(numElements(s)), 1));
  if (ConstRef x = c.constIn(0)) {
    auto r = evalArith(c, "Mul", {x, std::make_shared<ConstData>(ones)});
    if (!r)
      return false;
    c.bindConst(0, std::move(*r));
    return true;
  }
  ConstData fones =
      ConstData::floats(s, std::vector<float>(size_t(numElements(s)), 1.0f));
  Value *one = c.importer().makeConst(fones, c.resultName(0, ".ones"));
  return c.emitOut(OpKind::Mul, {c.in(0), one});
}

/// Dropout in training mode (a non-zero ratio with training_mode true) is
/// not an identity. In inference its mask output (opset 7 on; the model
/// zoo's Caffe2 conversions name it) is all true: a constant of x's shape,
/// which nothing computed may read (bool tensors are shape arithmetic).
bool checkDropout(NodeCtx &c) {
  if (c.numOutputs() > 1 && !c.proto().output(1).empty()) {
    std::optional<Shape> s = c.shapeOf(0);
    if (!s)
      return false;
    c.bindConst(1, ConstData::ints(
                       *s, std::vector<int64_t>(size_t(numElements(*s)), 1)));
  }
  if (!c.hasInput(2))
    return true;
  ConstRef training = c.constIn(2);
  if (!training)
    return c.error("expects a constant training_mode");
  if (training->at(0) == 0)
    return true;
  ConstRef ratio = c.constIn(1);
  if (c.hasInput(1) && ratio && ratio->at(0) == 0)
    return true;
  return c.error("training_mode=true is not supported (inference only)");
}

bool importAlias(NodeCtx &c) {
  if (c.opType() == "Dropout" && !checkDropout(c))
    return false;
  if (!c.hasInput(0))
    return c.error("expects input 0");
  Binding *b = c.importer().lookup(c.proto().input(0));
  if (!b)
    return c.error("input '{}' is not defined", c.proto().input(0));
  c.importer().bind(c.proto().output(0), *b);
  return true;
}

/// Elementwise ops the op table lacks: evaluated on constants only.
bool importArithOnly(NodeCtx &c) {
  std::vector<ConstRef> ins;
  for (unsigned i = 0; i < c.numInputs(); ++i) {
    ConstRef k = c.constIn(i);
    if (!k)
      return c.error("is supported only on tensors known at import time "
                     "(shape computations)");
    ins.push_back(k);
  }
  std::optional<ConstData> r = evalArith(c, c.opType(), ins);
  if (!r)
    return false;
  c.bindConst(0, std::move(*r));
  return true;
}

} // namespace

void registerConstOps(std::unordered_map<std::string, OpHandler> &t) {
  t["Constant"] = importConstant;
  t["Shape"] = importShape;
  t["Size"] = importSize;
  t["Cast"] = importCast;
  t["ConstantOfShape"] = importConstantOfShape;
  t["Range"] = importRange;
  t["Gather"] = importGather;
  t["Expand"] = importExpand;
  t["Identity"] = importAlias;
  t["Dropout"] = importAlias;
  for (const char *op :
       {"Equal",      "Less",  "Greater", "LessOrEqual", "GreaterOrEqual",
        "And",        "Or",    "Not",     "Where",       "Neg",
        "Abs",        "Floor", "Ceil",    "Round",       "Sqrt",
        "Reciprocal", "Exp",   "Log",     "Pow",         "Min",
        "Max",        "Mod"})
    t[op] = importArithOnly;
}

} // namespace cnnc::onnx
