//===- NodeCtx.cpp - What one op mapping sees of its ONNX node ------------===//
//
// Attribute access, inputs as IR values or constants, result binding, and
// emission of IR nodes with immediate shape inference and constant folding
// (a node whose operands are all constants runs in the reference
// interpreter and becomes a const holding its result).
//
//===----------------------------------------------------------------------===//
#include "compiler/onnx/ImporterImpl.h"
#include "ir/Interpreter.h"
#include "ir/ShapeInference.h"

namespace cnnc::onnx {

Attrs attrs(std::initializer_list<std::pair<std::string, AttrValue>> l) {
  return Attrs(l);
}

//===--- Importer
//-----------------------------------------------------------===//

Binding *Importer::lookup(const std::string &name) {
  auto it = Names.find(name);
  return it == Names.end() ? nullptr : &it->second;
}

std::string Importer::uniqueName(std::string_view onnxName) {
  std::string base = sanitiseName(onnxName);
  std::string name = base;
  for (int k = 1; UsedNames.count(name); ++k)
    name = base + "_" + std::to_string(k);
  UsedNames.insert(name);
  return name;
}

Value *Importer::makeConst(const ConstData &c, const std::string &name) {
  assert(!c.isInt && "integer constants are not materialised");
  Node *n = G.addNode(OpKind::Const, Loc, {}, {uniqueName(name)});
  n->setConstSource(HeldData{c.f, n->name()});
  n->result()->setType(TensorType(DType::F32, c.shape));
  Data[n->result()] = std::make_shared<ConstData>(c);
  return n->result();
}

Value *Importer::materialise(const std::string &name, Binding &b) {
  if (b.ir)
    return b.ir;
  if (!b.cst || b.cst->isInt)
    return nullptr;
  b.ir = makeConst(*b.cst, name);
  return b.ir;
}

ConstRef Importer::dataOf(const Value *v) const {
  auto it = Data.find(v);
  return it == Data.end() ? nullptr : it->second;
}

namespace {
bool dispatchShape(ShapeCtx &ctx) {
  switch (ctx.node().kind()) {
#define OP(Id, ...)                                                            \
  case OpKind::Id:                                                             \
    return infer##Id(ctx);
#include "ir/Ops.def"
  }
  return false;
}

} // namespace

bool Importer::inferNode(Node &n, std::string_view where) {
  DiagEngine local;
  local.setPrintImmediately(false);
  ShapeCtx ctx(n, local);
  ctx.outs().assign(n.numResults(), Shape{});
  bool ok = dispatchShape(ctx);
  for (unsigned i = 0; ok && i < n.numResults(); ++i)
    ok = checkedNumElements(ctx.outs()[i]).has_value();
  if (!ok) {
    std::string msg = "cannot import";
    for (const Diagnostic &d : local.diagnostics())
      if (d.severity == Severity::Error)
        msg = d.message;
    Diag.error(Loc, "{}: {}", where, msg);
    return false;
  }
  for (unsigned i = 0; i < n.numResults(); ++i)
    n.result(i)->setType(TensorType(DType::F32, ctx.outs()[i]));
  return true;
}

//===--- NodeCtx: attributes
//------------------------------------------------===//

std::string NodeCtx::nodeName() const {
  if (!N.name().empty() || N.output_size() == 0)
    return N.name();
  return N.output(0);
}

void NodeCtx::report(const std::string &msg) {
  Imp.diag().error(Imp.loc(), "{}-{} node '{}' (opset {}): {}", N.op_type(),
                   opVersion(N.op_type(), Opset), nodeName(), Opset, msg);
}

const ::onnx::AttributeProto *NodeCtx::attr(std::string_view name) const {
  for (const auto &a : N.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t NodeCtx::attrInt(std::string_view name, int64_t def) const {
  const auto *a = attr(name);
  return a ? a->i() : def;
}

double NodeCtx::attrFloat(std::string_view name, double def) const {
  const auto *a = attr(name);
  return a ? double(a->f()) : def;
}

std::string NodeCtx::attrString(std::string_view name, std::string def) const {
  const auto *a = attr(name);
  return a ? a->s() : def;
}

std::vector<int64_t> NodeCtx::attrInts(std::string_view name) const {
  const auto *a = attr(name);
  if (!a)
    return {};
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

std::vector<double> NodeCtx::attrFloats(std::string_view name) const {
  const auto *a = attr(name);
  if (!a)
    return {};
  return std::vector<double>(a->floats().begin(), a->floats().end());
}

//===--- NodeCtx: inputs
//----------------------------------------------------===//

Value *NodeCtx::in(unsigned i) {
  if (!hasInput(i)) {
    error("expects input {}", i);
    return nullptr;
  }
  const std::string &name = N.input(int(i));
  Binding *b = Imp.lookup(name);
  if (!b) {
    error("input '{}' is not defined (or comes from an unsupported output)",
          name);
    return nullptr;
  }
  Value *v = Imp.materialise(name, *b);
  if (!v)
    error("input '{}' is an integer tensor; cnnc computes float tensors only "
          "(integers may only feed shape computations)",
          name);
  return v;
}

ConstRef NodeCtx::constIn(unsigned i) const {
  if (!hasInput(i))
    return nullptr;
  Binding *b = Imp.lookup(N.input(int(i)));
  if (!b)
    return nullptr;
  if (b->cst)
    return b->cst;
  return b->ir ? Imp.dataOf(b->ir) : nullptr;
}

ConstRef NodeCtx::requireConst(unsigned i, std::string_view what) {
  ConstRef c = constIn(i);
  if (!c)
    error("expects its {} (input {}) to be a constant or computable at "
          "import time",
          what, i);
  return c;
}

std::optional<std::vector<int64_t>> NodeCtx::constInts(unsigned i,
                                                       std::string_view what) {
  ConstRef c = requireConst(i, what);
  if (!c)
    return std::nullopt;
  std::vector<int64_t> v(size_t(c->size()));
  for (int64_t k = 0; k < c->size(); ++k)
    v[size_t(k)] = c->intAt(k);
  return v;
}

std::optional<std::vector<double>> NodeCtx::constFloats(unsigned i,
                                                        std::string_view what) {
  ConstRef c = requireConst(i, what);
  if (!c)
    return std::nullopt;
  std::vector<double> v(size_t(c->size()));
  for (int64_t k = 0; k < c->size(); ++k)
    v[size_t(k)] = c->at(k);
  return v;
}

std::optional<Shape> NodeCtx::shapeOf(unsigned i) {
  if (ConstRef c = constIn(i))
    return c->shape;
  Value *v = in(i);
  if (!v)
    return std::nullopt;
  return v->type().shape;
}

//===--- NodeCtx: results
//---------------------------------------------------===//

std::string NodeCtx::resultName(unsigned i, std::string_view suffix) {
  std::string base = i < numOutputs() ? N.output(int(i)) : nodeName();
  return base + std::string(suffix);
}

void NodeCtx::bind(unsigned i, Value *v) {
  if (i < numOutputs() && !N.output(int(i)).empty())
    Imp.bind(N.output(int(i)), Binding{v, Imp.dataOf(v)});
}

void NodeCtx::bindConst(unsigned i, ConstData c) {
  if (i < numOutputs() && !N.output(int(i)).empty())
    Imp.bind(N.output(int(i)),
             Binding{nullptr, std::make_shared<ConstData>(std::move(c))});
}

std::vector<Value *> NodeCtx::emitMulti(OpKind kind,
                                        std::vector<Value *> operands,
                                        const Attrs &as,
                                        std::vector<std::string> names) {
  for (Value *v : operands)
    if (!v)
      return {};
  for (std::string &n : names)
    n = Imp.uniqueName(n);
  Graph &g = Imp.graph();
  Node *n = g.addNode(kind, Imp.loc(), operands, names);
  for (const auto &[name, value] : as)
    n->setAttr(name, value);
  if (!Imp.inferNode(*n, fmt::format("{} node '{}'", N.op_type(), nodeName())))
    return {};
  std::vector<Value *> results = n->results();
  std::vector<const Tensor *> ins;
  for (Value *v : operands) {
    ConstRef c = Imp.dataOf(v);
    if (!c)
      return results;
    ins.push_back(c->f.get());
  }
  // Every operand is known: fold. The node becomes dead and is removed
  // once the graph is built.
  std::vector<Tensor> outs;
  for (Value *r : results)
    outs.emplace_back(r->type().shape);
  KernelCtx kc{*n, ins, {}};
  for (Tensor &t : outs)
    kc.outs.push_back(&t);
  interpretNode(kc);
  for (size_t k = 0; k < results.size(); ++k)
    results[k] =
        Imp.makeConst(ConstData::floats(outs[k].shape, std::move(outs[k].data)),
                      results[k]->name() + ".folded");
  return results;
}

Value *NodeCtx::emit(OpKind kind, std::vector<Value *> operands,
                     const Attrs &as, std::string name) {
  std::vector<Value *> r = emitMulti(kind, std::move(operands), as, {name});
  return r.empty() ? nullptr : r[0];
}

bool NodeCtx::emitOut(OpKind kind, std::vector<Value *> operands,
                      const Attrs &as) {
  Value *v = emit(kind, std::move(operands), as, resultName());
  if (!v)
    return false;
  bind(0, v);
  return true;
}

} // namespace cnnc::onnx
