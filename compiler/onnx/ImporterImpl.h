//===- ImporterImpl.h - The ONNX importer's internals -----------*- C++ -*-===//
//
// What the importer's files share: constants known at import time
// (ConstData), the importer state (the graph being built and the ONNX value
// names bound so far) and NodeCtx, the view one op mapping gets of its ONNX
// node: attributes, inputs as IR values or as constants, and `emit`, which
// appends an IR node, infers its shape at once and folds it when every
// operand is a constant.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_ONNX_IMPORTERIMPL_H
#define CNNC_COMPILER_ONNX_IMPORTERIMPL_H

#include "compiler/onnx/Importer.h"
#include "compiler/onnx/ModelFile.h"

#include <onnx/onnx_pb.h>

#include <functional>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>

namespace cnnc::onnx {

/// A tensor known at import time: f32 data (every floating type is read as
/// f32) or i64 data (every integer type and bool).
struct ConstData {
  bool isInt = false;
  Shape shape;
  std::shared_ptr<const Tensor> f; // !isInt
  std::vector<int64_t> i;          // isInt

  int64_t size() const { return numElements(shape); }
  /// Element `k` as a double / as an integer (floats truncate, saturating
  /// at the int64 range, NaN to its minimum, so that callers' range checks
  /// refuse them; converting an out-of-range float is undefined).
  double at(int64_t k) const {
    return isInt ? double(i[size_t(k)]) : double(f->data[size_t(k)]);
  }
  int64_t intAt(int64_t k) const {
    if (isInt)
      return i[size_t(k)];
    float v = f->data[size_t(k)];
    if (!(v >= -9.2e18f))
      return INT64_MIN;
    return v >= 9.2e18f ? INT64_MAX : int64_t(v);
  }
  static ConstData ints(Shape s, std::vector<int64_t> v);
  static ConstData floats(Shape s, std::vector<float> v);
};
using ConstRef = std::shared_ptr<const ConstData>;

/// What an ONNX value name is bound to: an IR value, a constant, or both
/// (a constant materialised as a const node).
struct Binding {
  Value *ir = nullptr;
  ConstRef cst;
};

class Importer;

/// The version of `op`'s definition a model of `opset` uses: the newest at
/// or below it (OpVersions.inc); 0 for an op ONNX does not define.
int opVersion(const std::string &op, int64_t opset);

/// One ONNX node being mapped.
class NodeCtx {
public:
  NodeCtx(Importer &imp, const ::onnx::NodeProto &node, int64_t opset)
      : Imp(imp), N(node), Opset(opset) {}

  const ::onnx::NodeProto &proto() const { return N; }
  int64_t opset() const { return Opset; }
  const std::string &opType() const { return N.op_type(); }
  /// The node's name, or its first output's when unnamed.
  std::string nodeName() const;

  //===--- Attributes -----------------------------------------------------===//
  const ::onnx::AttributeProto *attr(std::string_view name) const;
  bool hasAttr(std::string_view name) const { return attr(name) != nullptr; }
  int64_t attrInt(std::string_view name, int64_t def) const;
  double attrFloat(std::string_view name, double def) const;
  std::string attrString(std::string_view name, std::string def) const;
  std::vector<int64_t> attrInts(std::string_view name) const;
  std::vector<double> attrFloats(std::string_view name) const;

  //===--- Inputs ---------------------------------------------------------===//
  unsigned numInputs() const { return unsigned(N.input_size()); }
  /// Whether input `i` is given (present and not the empty name).
  bool hasInput(unsigned i) const {
    return i < numInputs() && !N.input(int(i)).empty();
  }
  /// Input `i` as an IR value (materialising a float constant); nullptr
  /// after reporting when it is an integer constant or undefined.
  Value *in(unsigned i);
  /// Input `i`'s data when it is known at import time, else nullptr.
  ConstRef constIn(unsigned i) const;
  /// Input `i`'s data as integers; reports (naming `what`) when unknown.
  std::optional<std::vector<int64_t>> constInts(unsigned i,
                                                std::string_view what);
  /// Input `i`'s data as doubles; reports when unknown.
  std::optional<std::vector<double>> constFloats(unsigned i,
                                                 std::string_view what);
  /// Input `i`'s data, or nullptr after reporting (naming `what`) that it
  /// must be known at import time.
  ConstRef requireConst(unsigned i, std::string_view what);
  /// Input `i`'s static shape; nullopt after reporting when undefined.
  std::optional<Shape> shapeOf(unsigned i);

  //===--- Results --------------------------------------------------------===//
  unsigned numOutputs() const { return unsigned(N.output_size()); }
  /// Name for IR values made for output `i` (sanitised, unique); `suffix`
  /// marks intermediate values of a composite mapping.
  std::string resultName(unsigned i = 0, std::string_view suffix = "");
  /// Binds output `i`.
  void bind(unsigned i, Value *v);
  void bindConst(unsigned i, ConstData c);

  /// Appends node `kind` with these operands and attributes, infers its
  /// result shapes; when every operand is a constant, evaluates it with
  /// the reference interpreter and returns consts instead. Returns the
  /// results, or an empty vector after reporting.
  std::vector<Value *> emitMulti(OpKind kind, std::vector<Value *> operands,
                                 const Attrs &attrs,
                                 std::vector<std::string> names);
  Value *emit(OpKind kind, std::vector<Value *> operands, const Attrs &attrs,
              std::string name);
  /// emit() for output 0 named after it, then bind; false on error.
  bool emitOut(OpKind kind, std::vector<Value *> operands,
               const Attrs &attrs = {});

  /// Reports an error naming this node.
  template <typename... Args>
  bool error(fmt::format_string<Args...> f, Args &&...args) {
    report(fmt::format(f, std::forward<Args>(args)...));
    return false;
  }
  void report(const std::string &msg);

  Importer &importer() { return Imp; }

private:
  Importer &Imp;
  const ::onnx::NodeProto &N;
  int64_t Opset;
};

/// Maps one ONNX node; returns false after reporting.
using OpHandler = std::function<bool(NodeCtx &)>;

/// The importer's state while building one graph.
class Importer {
public:
  Importer(Graph &g, DiagEngine &diag, SourceLoc loc)
      : G(g), Diag(diag), Loc(loc) {}

  Graph &graph() { return G; }
  DiagEngine &diag() { return Diag; }
  SourceLoc loc() const { return Loc; }

  /// Binding of an ONNX value name, or nullptr.
  Binding *lookup(const std::string &name);
  void bind(const std::string &name, Binding b) { Names[name] = std::move(b); }
  /// The IR value of a binding, materialising a float constant as a const
  /// node named after `name`; nullptr for integer constants.
  Value *materialise(const std::string &name, Binding &b);
  /// A const node holding `c` (f32), registered as known data.
  Value *makeConst(const ConstData &c, const std::string &name);
  /// Known data of an IR value (a const made by makeConst), or nullptr.
  ConstRef dataOf(const Value *v) const;

  /// A unique IR value name from an ONNX name.
  std::string uniqueName(std::string_view onnxName);

  /// Infers the result types of `n` (the last node added); reports errors
  /// (not warnings: the pipeline's own shape inference prints those).
  bool inferNode(Node &n, std::string_view where);

private:
  Graph &G;
  DiagEngine &Diag;
  SourceLoc Loc;
  std::unordered_map<std::string, Binding> Names;
  std::unordered_map<const Value *, ConstRef> Data;
  std::set<std::string> UsedNames;
};

/// Sanitises an ONNX name into an IR value name ([A-Za-z0-9_.]+).
std::string sanitiseName(std::string_view s);

/// Reads a TensorProto; reports (naming `what`) and returns nullopt on an
/// unsupported type, external data or inconsistent sizes.
std::optional<ConstData> readTensor(const ::onnx::TensorProto &t,
                                    const std::string &what,
                                    std::string &error);
/// The same with the raw data given apart (`raw`, nullopt for none: the
/// bytes a lean parse left in the file, ModelFile.h); the pages of `pages`
/// it copies from are handed back as they are copied.
std::optional<ConstData> readTensor(const ::onnx::TensorProto &t,
                                    const std::string &what,
                                    std::optional<std::string_view> raw,
                                    const MappedFile *pages,
                                    std::string &error);

/// The handlers of each op family, registered by ONNX op type.
void registerConvOps(std::unordered_map<std::string, OpHandler> &table);
void registerActivationOps(std::unordered_map<std::string, OpHandler> &table);
void registerMathOps(std::unordered_map<std::string, OpHandler> &table);
void registerShapeOps(std::unordered_map<std::string, OpHandler> &table);
void registerConstOps(std::unordered_map<std::string, OpHandler> &table);
void registerResizeOps(std::unordered_map<std::string, OpHandler> &table);

/// Replaces every LayerNorm spelled out in ReduceMean, Sub, Pow, Add,
/// Sqrt, Div, Mul and Add (exporters before opset 17) by one
/// LayerNormalization node (compiler/onnx/Patterns.cpp); returns how many.
int fuseLayerNormDecompositions(::onnx::GraphProto &g, int64_t opset);

/// Reads the bytes of every tensor stored as external data (in files
/// beside `modelPath`) into its raw_data (compiler/onnx/ExternalData.cpp);
/// reports each tensor it cannot read at `loc` and returns false.
bool loadExternalData(::onnx::ModelProto &model, const std::string &modelPath,
                      DiagEngine &diag, const SourceLoc &loc);

/// Attribute helpers.
Attrs attrs(std::initializer_list<std::pair<std::string, AttrValue>> l);

} // namespace cnnc::onnx

#endif
