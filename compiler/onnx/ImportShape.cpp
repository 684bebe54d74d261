//===- ImportShape.cpp - ONNX shape and data-movement ops -----------------===//
//
// Reshape, Flatten, Transpose, Concat, Split, Slice, Squeeze, Unsqueeze and
// Pad map onto the op table; on integer constants (shape computations) they
// are evaluated at import instead. Constant, Shape, Size, Cast,
// ConstantOfShape, Range, Gather and Expand mostly serve shape
// computations and are evaluated at import.
//
//===----------------------------------------------------------------------===//
#include "compiler/onnx/ConstEval.h"

namespace cnnc::onnx {

namespace {

/// Maps a data-movement op over inputs `data`: integer constants are
/// evaluated here, anything else is emitted (and folded when constant).
bool moveOp(NodeCtx &c, OpKind kind, const std::vector<unsigned> &data,
            const Attrs &as, unsigned numResults = 1) {
  std::vector<ConstRef> cs;
  bool anyInt = false;
  for (unsigned i : data) {
    ConstRef k = c.constIn(i);
    if (k && k->isInt)
      anyInt = true;
    cs.push_back(k);
  }
  if (anyInt) {
    for (const ConstRef &k : cs)
      if (!k || !k->isInt)
        return c.error("mixes integer and float inputs");
    auto r = evalMove(c, kind, cs, as, numResults);
    if (!r)
      return false;
    for (unsigned k = 0; k < numResults; ++k)
      c.bindConst(k, std::move((*r)[k]));
    return true;
  }
  std::vector<Value *> ins;
  for (unsigned i : data)
    ins.push_back(c.in(i));
  std::vector<std::string> names;
  for (unsigned k = 0; k < numResults; ++k)
    names.push_back(c.resultName(k));
  std::vector<Value *> rs = c.emitMulti(kind, ins, as, names);
  if (rs.empty())
    return false;
  for (unsigned k = 0; k < numResults; ++k)
    c.bind(k, rs[k]);
  return true;
}

/// Normalises `axis` into [0, rank); false after reporting.
bool normAxis(NodeCtx &c, int64_t &axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return c.error("expects axis in [{}, {}), found {}", -rank, rank, axis);
  if (axis < 0)
    axis += rank;
  return true;
}

/// The `axes` of Squeeze/Unsqueeze/ReduceMean-style nodes: an attribute
/// before `inputSince`, input 1 from it. Empty when absent.
std::optional<std::vector<int64_t>> axesOf(NodeCtx &c, int64_t inputSince) {
  if (c.opset() < inputSince)
    return c.attrInts("axes");
  if (!c.hasInput(1))
    return std::vector<int64_t>{};
  return c.constInts(1, "axes");
}

bool importReshapeTo(NodeCtx &c, const Shape &to) {
  return moveOp(c, OpKind::Reshape, {0},
                attrs({{"shape", std::vector<int64_t>(to)}}));
}

bool importReshape(NodeCtx &c) {
  std::optional<std::vector<int64_t>> shape =
      c.opset() < 5 ? c.attrInts("shape") : c.constInts(1, "shape");
  if (!shape)
    return false;
  // allowzero=1 reads a 0 as a dimension of size 0: the result is empty,
  // which cnnc never computes (without a 0 the flag changes nothing).
  if (c.attrInt("allowzero", 0) != 0)
    for (int64_t d : *shape)
      if (d == 0)
        return c.error("allowzero=1 with a zero in the shape {} asks for an "
                       "empty tensor; cnnc computes no empty tensors",
                       shapeStr(*shape));
  return moveOp(c, OpKind::Reshape, {0}, attrs({{"shape", *shape}}));
}

bool importFlatten(NodeCtx &c) {
  std::optional<Shape> s = c.shapeOf(0);
  if (!s)
    return false;
  int64_t axis = c.attrInt("axis", 1), r = int64_t(s->size());
  if (axis < 0)
    axis += r;
  if (axis < 0 || axis > r)
    return c.error("expects axis in [{}, {}], found {}", -r, r,
                   c.attrInt("axis", 1));
  int64_t outer = 1;
  for (int64_t k = 0; k < axis; ++k)
    outer *= (*s)[size_t(k)];
  return importReshapeTo(c, Shape{outer, -1});
}

bool importTranspose(NodeCtx &c) {
  Attrs as;
  if (c.hasAttr("perm"))
    as.push_back({"perm", c.attrInts("perm")});
  return moveOp(c, OpKind::Transpose, {0}, as);
}

bool importSqueeze(NodeCtx &c) {
  std::optional<Shape> s = c.shapeOf(0);
  std::optional<std::vector<int64_t>> axes = axesOf(c, 13);
  if (!s || !axes)
    return false;
  int64_t r = int64_t(s->size());
  std::vector<bool> drop(size_t(r), false);
  for (int64_t a : *axes) {
    if (!normAxis(c, a, r))
      return false;
    if ((*s)[size_t(a)] != 1)
      return c.error("squeezes axis {} of size {} (shape {})", a,
                     (*s)[size_t(a)], shapeStr(*s));
    drop[size_t(a)] = true;
  }
  Shape out;
  for (int64_t k = 0; k < r; ++k)
    if (!(axes->empty() ? (*s)[size_t(k)] == 1 : drop[size_t(k)]))
      out.push_back((*s)[size_t(k)]);
  return importReshapeTo(c, out);
}

bool importUnsqueeze(NodeCtx &c) {
  std::optional<Shape> s = c.shapeOf(0);
  std::optional<std::vector<int64_t>> axes = axesOf(c, 13);
  if (!s || !axes)
    return false;
  int64_t r = int64_t(s->size() + axes->size());
  std::vector<bool> added(size_t(r), false);
  for (int64_t a : *axes) {
    if (!normAxis(c, a, r))
      return false;
    added[size_t(a)] = true;
  }
  Shape out;
  size_t next = 0;
  for (int64_t k = 0; k < r; ++k)
    out.push_back(added[size_t(k)] ? 1 : (*s)[next++]);
  return importReshapeTo(c, out);
}

bool importConcat(NodeCtx &c) {
  std::vector<unsigned> ins;
  for (unsigned i = 0; i < c.numInputs(); ++i) {
    std::optional<Shape> s = c.shapeOf(i);
    if (!s)
      return false;
    if (numElements(*s) != 0 || s->size() != 1)
      ins.push_back(i); // empty 1-D shape lists add nothing
  }
  if (ins.empty())
    return c.error("concatenates only empty tensors");
  return moveOp(c, OpKind::Concat, ins,
                attrs({{"axis", c.attrInt("axis", 0)}}));
}

bool importSplit(NodeCtx &c) {
  std::optional<Shape> s = c.shapeOf(0);
  if (!s)
    return false;
  int64_t axis = c.attrInt("axis", 0);
  if (!normAxis(c, axis, int64_t(s->size())))
    return false;
  std::vector<int64_t> split;
  if (c.opset() < 13) {
    split = c.attrInts("split");
  } else if (c.hasInput(1)) {
    std::optional<std::vector<int64_t>> v = c.constInts(1, "split");
    if (!v)
      return false;
    split = *v;
  }
  int64_t n = c.numOutputs(), dim = (*s)[size_t(axis)];
  if (split.empty()) {
    int64_t part = (dim + n - 1) / n; // the last part may be smaller
    for (int64_t k = 0; k < n; ++k)
      split.push_back(std::min(part, dim - k * part));
  }
  return moveOp(c, OpKind::Split, {0},
                attrs({{"axis", axis}, {"split", split}}), unsigned(n));
}

bool importSlice(NodeCtx &c) {
  std::vector<int64_t> starts, ends, axes, steps;
  if (c.opset() < 10) {
    starts = c.attrInts("starts");
    ends = c.attrInts("ends");
    axes = c.attrInts("axes");
  } else {
    auto s = c.constInts(1, "starts"), e = c.constInts(2, "ends");
    if (!s || !e)
      return false;
    starts = *s;
    ends = *e;
    for (unsigned i : {3u, 4u}) {
      if (!c.hasInput(i))
        continue;
      auto v = c.constInts(i, i == 3 ? "axes" : "steps");
      if (!v)
        return false;
      (i == 3 ? axes : steps) = *v;
    }
  }
  Attrs as = attrs({{"starts", starts}, {"ends", ends}});
  if (!axes.empty())
    as.push_back({"axes", axes});
  if (!steps.empty())
    as.push_back({"steps", steps});
  return moveOp(c, OpKind::Slice, {0}, as);
}

bool importPad(NodeCtx &c) {
  std::string mode = c.attrString("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    return c.error("mode '{}' is not supported (constant, reflect, edge)",
                   mode);
  if (ConstRef x = c.constIn(0); x && x->isInt)
    return c.error("pads an integer tensor; only float tensors are padded");
  std::vector<int64_t> pads;
  double value = 0;
  if (c.opset() < 11) {
    pads = c.attrInts(c.opset() < 2 ? "paddings" : "pads");
    value = c.attrFloat("value", 0);
  } else {
    auto p = c.constInts(1, "pads");
    if (!p)
      return false;
    pads = *p;
    if (c.hasInput(2)) {
      auto v = c.constFloats(2, "constant_value");
      if (!v)
        return false;
      value = v->empty() ? 0 : (*v)[0];
    }
    if (c.hasInput(3)) {
      std::optional<Shape> s = c.shapeOf(0);
      auto axes = c.constInts(3, "axes");
      if (!s || !axes)
        return false;
      int64_t r = int64_t(s->size());
      std::vector<int64_t> full(size_t(2 * r), 0);
      for (size_t k = 0; k < axes->size(); ++k) {
        int64_t a = (*axes)[k];
        if (!normAxis(c, a, r))
          return false;
        full[size_t(a)] = pads[k];
        full[size_t(a + r)] = pads[k + axes->size()];
      }
      pads = full;
    }
  }
  return moveOp(c, OpKind::Pad, {0},
                attrs({{"pads", pads}, {"mode", mode}, {"value", value}}));
}

} // namespace

void registerShapeOps(std::unordered_map<std::string, OpHandler> &t) {
  t["Reshape"] = importReshape;
  t["Flatten"] = importFlatten;
  t["Transpose"] = importTranspose;
  t["Squeeze"] = importSqueeze;
  t["Unsqueeze"] = importUnsqueeze;
  t["Concat"] = importConcat;
  t["Split"] = importSplit;
  t["Slice"] = importSlice;
  t["Pad"] = importPad;
  registerConstOps(t);
}

} // namespace cnnc::onnx
