//===- Patterns.cpp - ONNX subgraphs that are one op of the table ---------===//
//
// Before opset 17 ONNX has no LayerNormalization, and exporters spell it out
// (PyTorch 1.13's default opset is 14):
//
//   m = ReduceMean(x, axes=[-k..-1], keepdims=1)   d = Sub(x, m)
//   v = ReduceMean(Pow(d, 2), same axes)            s = Sqrt(Add(v, eps))
//   y = Add(Mul(Div(d, s), scale), bias)            (Mul and Add either way)
//
// Such a chain, whose intermediate values nothing else reads, becomes one
// LayerNormalization(x, scale, bias) {axis=-k, epsilon=eps} node in the
// model before it is imported, which maps it onto layer_norm. ReduceMean
// over the trailing axes has no other mapping: without this, such models
// are refused.
//
//===----------------------------------------------------------------------===//
#include "compiler/onnx/ImporterImpl.h"
#include "compiler/onnx/TensorProto.h"

#include <unordered_map>
#include <unordered_set>

namespace cnnc::onnx {

namespace {

/// The graph's consumer counts and one-element constants.
class GraphIndex {
public:
  GraphIndex(const ::onnx::GraphProto &g, int64_t opset) : Opset(opset) {
    for (int i = 0; i < g.node_size(); ++i) {
      const ::onnx::NodeProto &n = g.node(i);
      for (const std::string &in : n.input())
        ++Uses[in];
      if (n.op_type() == "Constant" && n.output_size() == 1)
        for (const auto &a : n.attribute())
          if (a.name() == "value")
            addScalar(n.output(0), a.t());
    }
    for (const auto &o : g.output())
      ++Uses[o.name()];
    for (const auto &t : g.initializer())
      addScalar(t.name(), t);
  }

  /// The single node reading `v` (by index), or -1.
  int soleUser(const ::onnx::GraphProto &g, const std::string &v) const {
    auto u = Uses.find(v);
    if (u == Uses.end() || u->second != 1)
      return -1;
    for (int i = 0; i < g.node_size(); ++i)
      for (const std::string &in : g.node(i).input())
        if (in == v)
          return i;
    return -1;
  }
  int uses(const std::string &v) const {
    auto u = Uses.find(v);
    return u == Uses.end() ? 0 : u->second;
  }
  std::optional<double> scalar(const std::string &v) const {
    auto s = Scalars.find(v);
    return s == Scalars.end() ? std::nullopt : std::optional(s->second);
  }
  /// The trailing axes [-k..-1] a keepdims ReduceMean reduces, as k; 0 for
  /// any other ReduceMean.
  int64_t trailingAxes(const ::onnx::NodeProto &n) const {
    std::vector<int64_t> axes;
    for (const auto &a : n.attribute()) {
      if (a.name() == "keepdims" && a.i() != 1)
        return 0;
      if (a.name() == "axes")
        axes.assign(a.ints().begin(), a.ints().end());
    }
    if (Opset >= 18 && n.input_size() > 1)
      return 0; // axes as an input: not produced by the exporters here
    int64_t k = int64_t(axes.size());
    for (int64_t i = 0; i < k; ++i)
      if (axes[size_t(i)] != i - k)
        return 0;
    return k;
  }

private:
  void addScalar(const std::string &name, const ::onnx::TensorProto &t) {
    // Only one-element tensors are read: converting every initialiser to
    // doubles held a VGG-16's 528 MB of weights twice more (1.4 GB peak).
    for (int64_t d : t.dims())
      if (d != 1)
        return;
    std::string error;
    std::optional<std::vector<double>> v = tensorProtoValues(t, name, error);
    if (v && v->size() == 1)
      Scalars[name] = (*v)[0];
  }

  int64_t Opset;
  std::unordered_map<std::string, int> Uses;
  std::unordered_map<std::string, double> Scalars;
};

/// The node at `i` when it has op type `op`, at least `inputs` inputs and
/// one output; null otherwise (or for -1).
const ::onnx::NodeProto *nodeIf(const ::onnx::GraphProto &g, int i,
                                std::string_view op, int inputs) {
  if (i < 0)
    return nullptr;
  const ::onnx::NodeProto &n = g.node(i);
  return n.op_type() == op && n.input_size() >= inputs && n.output_size() == 1
             ? &n
             : nullptr;
}

/// The other input of two-input `n` when one of them is `v`.
const std::string *otherInput(const ::onnx::NodeProto *n,
                              const std::string &v) {
  if (!n || n->input_size() != 2)
    return nullptr;
  if (n->input(0) == v)
    return &n->input(1);
  return n->input(1) == v ? &n->input(0) : nullptr;
}

/// The LayerNormalization replacing the chain from ReduceMean node `r1`, and
/// the chain's nodes; nullopt when `r1` starts no such chain.
std::optional<::onnx::NodeProto> matchLayerNorm(const ::onnx::GraphProto &g,
                                                const GraphIndex &ix, int r1,
                                                std::vector<int> &chain) {
  const ::onnx::NodeProto &mean = g.node(r1);
  int64_t k = ix.trailingAxes(mean);
  if (k == 0 || mean.input_size() < 1 || mean.output_size() != 1)
    return std::nullopt;
  const std::string &x = mean.input(0);
  int si = ix.soleUser(g, mean.output(0));
  const ::onnx::NodeProto *sub = nodeIf(g, si, "Sub", 2);
  if (!sub || sub->input(0) != x || sub->input(1) != mean.output(0))
    return std::nullopt;
  const std::string &d = sub->output(0);
  if (ix.uses(d) != 2)
    return std::nullopt;
  int pi = -1, vi = -1;
  for (int i = 0; i < g.node_size(); ++i)
    for (const std::string &in : g.node(i).input())
      if (in == d)
        (g.node(i).op_type() == "Pow" ? pi : vi) = i;
  const ::onnx::NodeProto *pow = nodeIf(g, pi, "Pow", 2);
  const ::onnx::NodeProto *div = nodeIf(g, vi, "Div", 2);
  if (!pow || !div || pow->input(0) != d || div->input(0) != d ||
      ix.scalar(pow->input(1)) != 2.0)
    return std::nullopt;
  int r2i = ix.soleUser(g, pow->output(0));
  const ::onnx::NodeProto *var = nodeIf(g, r2i, "ReduceMean", 1);
  if (!var || ix.trailingAxes(*var) != k)
    return std::nullopt;
  int ai = ix.soleUser(g, var->output(0));
  const ::onnx::NodeProto *add = nodeIf(g, ai, "Add", 2);
  const std::string *epsName = otherInput(add, var->output(0));
  std::optional<double> eps = epsName ? ix.scalar(*epsName) : std::nullopt;
  if (!eps)
    return std::nullopt;
  int qi = ix.soleUser(g, add->output(0));
  const ::onnx::NodeProto *sqrt = nodeIf(g, qi, "Sqrt", 1);
  if (!sqrt || div->input(1) != sqrt->output(0) ||
      ix.uses(sqrt->output(0)) != 1)
    return std::nullopt;
  int mi = ix.soleUser(g, div->output(0));
  const ::onnx::NodeProto *mul = nodeIf(g, mi, "Mul", 2);
  const std::string *scale = otherInput(mul, div->output(0));
  if (!scale)
    return std::nullopt;
  int bi = ix.soleUser(g, mul->output(0));
  const ::onnx::NodeProto *shift = nodeIf(g, bi, "Add", 2);
  const std::string *bias = otherInput(shift, mul->output(0));
  if (!bias)
    return std::nullopt;
  chain = {r1, si, pi, r2i, ai, qi, vi, mi, bi};
  ::onnx::NodeProto ln;
  ln.set_op_type("LayerNormalization");
  ln.set_name(shift->name().empty() ? shift->output(0)
                                    : shift->name() + ".layer_norm");
  ln.add_input(x);
  ln.add_input(*scale);
  ln.add_input(*bias);
  ln.add_output(shift->output(0));
  ::onnx::AttributeProto *axis = ln.add_attribute();
  axis->set_name("axis");
  axis->set_type(::onnx::AttributeProto::INT);
  axis->set_i(-k);
  ::onnx::AttributeProto *epsilon = ln.add_attribute();
  epsilon->set_name("epsilon");
  epsilon->set_type(::onnx::AttributeProto::FLOAT);
  epsilon->set_f(float(*eps));
  return ln;
}

} // namespace

int fuseLayerNormDecompositions(::onnx::GraphProto &g, int64_t opset) {
  GraphIndex ix(g, opset);
  std::unordered_set<int> removed;
  std::unordered_map<int, ::onnx::NodeProto> replacement; // at the last node
  for (int i = 0; i < g.node_size(); ++i) {
    if (g.node(i).op_type() != "ReduceMean" || removed.count(i))
      continue;
    std::vector<int> chain;
    std::optional<::onnx::NodeProto> ln = matchLayerNorm(g, ix, i, chain);
    if (!ln)
      continue;
    bool taken = false;
    for (int c : chain)
      taken = taken || removed.count(c);
    if (taken)
      continue;
    removed.insert(chain.begin(), chain.end());
    replacement[chain.back()] = std::move(*ln);
  }
  if (removed.empty())
    return 0;
  ::google::protobuf::RepeatedPtrField<::onnx::NodeProto> nodes;
  for (int i = 0; i < g.node_size(); ++i) {
    if (auto r = replacement.find(i); r != replacement.end())
      *nodes.Add() = std::move(r->second);
    else if (!removed.count(i))
      *nodes.Add() = std::move(*g.mutable_node(i));
  }
  g.mutable_node()->Swap(&nodes);
  return int(replacement.size());
}

} // namespace cnnc::onnx
