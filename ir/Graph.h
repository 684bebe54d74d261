//===- Graph.h - Values, nodes and graphs -----------------------*- C++ -*-===//
//
// A Graph is a list of nodes in SSA form and program order. Each Value is
// defined once: by a graph input or by one result of a node. Constants
// (weights) are `const` nodes whose data comes from a ConstSource. Nodes
// keep their source location through every rewrite.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_IR_GRAPH_H
#define CNNC_IR_GRAPH_H

#include "ir/Attr.h"
#include "ir/Diagnostics.h"
#include "ir/Op.h"
#include "ir/Tensor.h"
#include "ir/Types.h"

#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace cnnc {

class Node;
class SafetensorsFile;

class Value {
public:
  Value(std::string name, TensorType type, SourceLoc loc)
      : Name(std::move(name)), Type(std::move(type)), Loc(loc) {}

  const std::string &name() const { return Name; }
  void setName(std::string n) { Name = std::move(n); }
  const TensorType &type() const { return Type; }
  void setType(TensorType t) { Type = std::move(t); }
  SourceLoc loc() const { return Loc; }

  /// The defining node, or nullptr for a graph input.
  Node *def() const { return Def; }
  unsigned resultIndex() const { return ResultIndex; }
  bool isGraphInput() const { return Def == nullptr; }

private:
  friend class Graph;
  std::string Name;
  TensorType Type;
  SourceLoc Loc;
  Node *Def = nullptr;
  unsigned ResultIndex = 0;
};

/// Deterministic pseudo-random weights: element i is a pure function of
/// (seed, i), uniform in [lo, hi]. Without a range, [-b, b] with
/// b = 1/sqrt(fan_in), fan_in = product of all but the first dimension
/// (1 for rank <= 1), as PyTorch's default initialisers.
struct RandomInit {
  uint64_t seed = 0;
  bool hasRange = false;
  double lo = 0, hi = 0;
};
/// Small literal data written inline, row-major.
struct InlineData {
  std::vector<double> values;
};
/// A tensor of the graph's weights file, by name.
struct FileRef {
  std::string key;
};
/// Data held in memory: imported (ONNX initializers) or computed by the
/// compiler (folded constants). Printed as `file("key")`; writing the IR to
/// a file writes these tensors to its weights file under `key`
/// (writeGraphFiles in ir/GraphFiles.h).
struct HeldData {
  std::shared_ptr<const Tensor> tensor;
  std::string key;
};
using ConstSource = std::variant<RandomInit, InlineData, FileRef, HeldData>;

using Attrs = std::vector<std::pair<std::string, AttrValue>>;

class Node {
public:
  Node(OpKind kind, SourceLoc loc) : Kind(kind), Loc(loc) {}

  OpKind kind() const { return Kind; }
  const OpInfo &info() const { return opInfo(Kind); }
  SourceLoc loc() const { return Loc; }

  const std::vector<Value *> &operands() const { return Operands; }
  Value *operand(unsigned i) const { return Operands[i]; }
  unsigned numOperands() const { return unsigned(Operands.size()); }
  /// The operand with the op table's name `name`, or nullptr when that
  /// optional operand is absent.
  Value *operand(std::string_view name) const;
  void setOperand(unsigned i, Value *v) { Operands[i] = v; }
  void addOperand(Value *v) { Operands.push_back(v); }

  const std::vector<Value *> &results() const { return Results; }
  Value *result(unsigned i = 0) const { return Results[i]; }
  unsigned numResults() const { return unsigned(Results.size()); }
  /// The node's name in summaries and kernel names: its first result's.
  const std::string &name() const { return Results[0]->name(); }

  /// Attributes explicitly set, in the op table's order.
  const Attrs &attrs() const { return AttrList; }
  bool hasAttr(std::string_view name) const;
  /// Sets (or replaces) an attribute; keeps table order.
  void setAttr(std::string_view name, AttrValue v);
  void removeAttr(std::string_view name);

  /// Typed access with the op table's default. Asking for an attribute the
  /// op does not declare, or with the wrong type, is a compiler bug.
  int64_t getInt(std::string_view name) const;
  double getFloat(std::string_view name) const;
  const std::string &getEnum(std::string_view name) const;
  const std::vector<int64_t> &getInts(std::string_view name) const;
  const std::vector<double> &getFloats(std::string_view name) const;

  /// The source nodes a rewrite folded or fused into this one (besides
  /// the node itself, whose op, name and location are its own): what
  /// summaries, kernel dumps and manifests attribute the node's code to.
  /// Kept in memory only; the printed IR does not carry it.
  struct Origin {
    std::string op;   // "relu"
    std::string name; // its first result's name
    SourceLoc loc;
  };
  const std::vector<Origin> &origins() const { return Origins; }
  /// Records that `other` (with its own origins) now runs as part of this
  /// node.
  void absorb(const Node &other) {
    Origins.push_back(
        {std::string(other.info().name), other.name(), other.loc()});
    Origins.insert(Origins.end(), other.Origins.begin(), other.Origins.end());
  }

  /// For const nodes.
  const ConstSource &constSource() const { return Source; }
  void setConstSource(ConstSource s) { Source = std::move(s); }

private:
  friend class Graph;
  const AttrValue &get(std::string_view name) const;

  OpKind Kind;
  SourceLoc Loc;
  std::vector<Value *> Operands;
  std::vector<Value *> Results;
  Attrs AttrList;
  ConstSource Source;
  std::vector<Origin> Origins;
};

/// gemm, or gemm on a layer-normalised a (layer_norm_gemm): the ops the
/// gemm-shaped passes (tiles, transposes into trans_a) treat alike.
inline bool isGemmKind(OpKind k) {
  return k == OpKind::Gemm || k == OpKind::LayerNormGemm;
}

/// Whether `v` is present and the result of a `const` node.
inline bool isConst(const Value *v) {
  return v && v->def() && v->def()->kind() == OpKind::Const;
}

/// Whether `v` is absent or in the plain layout (not channel-blocked).
inline bool isPlain(const Value *v) { return !v || v->type().block == 0; }

class Graph {
public:
  Graph();
  ~Graph();
  Graph(const Graph &) = delete;
  Graph &operator=(const Graph &) = delete;

  const std::string &name() const { return Name; }
  void setName(std::string n) { Name = std::move(n); }
  SourceLoc loc() const { return Loc; }
  void setLoc(SourceLoc l) { Loc = l; }

  /// The weights file referenced by `weights "..."`, if any.
  const std::string &weightsPath() const { return WeightsPath; }
  const SafetensorsFile *weightsFile() const { return Weights.get(); }
  void setWeightsFile(std::string path, std::unique_ptr<SafetensorsFile> f);

  Value *addInput(std::string name, TensorType type, SourceLoc loc);
  /// Appends a node with fresh result values (types unknown unless given).
  Node *addNode(OpKind kind, SourceLoc loc, std::vector<Value *> operands,
                std::vector<std::string> resultNames);
  void addOutput(Value *v) { Outputs.push_back(v); }
  void setOutputs(std::vector<Value *> o) { Outputs = std::move(o); }

  const std::vector<Value *> &inputs() const { return Inputs; }
  const std::vector<Value *> &outputs() const { return Outputs; }
  /// Nodes in program order.
  const std::vector<std::unique_ptr<Node>> &nodes() const { return Nodes; }

  /// Replaces every use of `from` (operands and graph outputs) by `to`.
  void replaceAllUses(Value *from, Value *to);
  /// Puts the nodes in `order`, which must hold each of them exactly once
  /// (e.g. a topological order after a rewrite appended definitions).
  void reorderNodes(const std::vector<Node *> &order);
  /// Removes nodes whose results are unused and not outputs, repeatedly.
  /// Returns the number removed.
  unsigned removeDeadNodes();
  /// Number of uses of `v` as an operand or a graph output.
  unsigned numUses(const Value *v) const;
  /// Whether `v` is one of the graph's outputs.
  bool isOutput(const Value *v) const;

private:
  Value *newValue(std::string name, TensorType type, SourceLoc loc);

  std::string Name;
  SourceLoc Loc;
  std::string WeightsPath;
  std::unique_ptr<SafetensorsFile> Weights;
  std::vector<std::unique_ptr<Value>> Values;
  std::vector<Value *> Inputs;
  std::vector<Value *> Outputs;
  std::vector<std::unique_ptr<Node>> Nodes;
};

} // namespace cnnc

#endif
