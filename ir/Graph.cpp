//===- Graph.cpp ----------------------------------------------------------===//
#include "ir/Graph.h"
#include "ir/Safetensors.h"

#include <algorithm>
#include <cassert>
#include <unordered_map>
#include <unordered_set>

namespace cnnc {

Value *Node::operand(std::string_view name) const {
  std::span<const OperandSpec> specs = info().operands;
  for (unsigned i = 0; i < specs.size(); ++i)
    if (specs[i].name == name)
      return i < Operands.size() ? Operands[i] : nullptr;
  assert(false && "op has no operand of that name");
  return nullptr;
}

bool Node::hasAttr(std::string_view name) const {
  for (const auto &[n, v] : AttrList)
    if (n == name)
      return true;
  return false;
}

void Node::setAttr(std::string_view name, AttrValue v) {
  const OpInfo &oi = info();
  assert(oi.attr(name) && "op does not declare this attribute");
  for (auto &[n, old] : AttrList)
    if (n == name) {
      old = std::move(v);
      return;
    }
  // Insert keeping the table's order.
  auto rank = [&](std::string_view n) {
    return oi.attr(n) - oi.attrs.data();
  };
  auto it = std::find_if(AttrList.begin(), AttrList.end(), [&](const auto &p) {
    return rank(p.first) > rank(name);
  });
  AttrList.insert(it, {std::string(name), std::move(v)});
}

void Node::removeAttr(std::string_view name) {
  std::erase_if(AttrList, [&](const auto &p) { return p.first == name; });
}

const AttrValue &Node::get(std::string_view name) const {
  for (const auto &[n, v] : AttrList)
    if (n == name)
      return v;
  const AttrSpec *spec = info().attr(name);
  assert(spec && "op does not declare this attribute");
  return spec->defaultValue;
}

int64_t Node::getInt(std::string_view name) const {
  return std::get<int64_t>(get(name));
}
double Node::getFloat(std::string_view name) const {
  return std::get<double>(get(name));
}
const std::string &Node::getEnum(std::string_view name) const {
  return std::get<std::string>(get(name));
}
const std::vector<int64_t> &Node::getInts(std::string_view name) const {
  return std::get<std::vector<int64_t>>(get(name));
}
const std::vector<double> &Node::getFloats(std::string_view name) const {
  return std::get<std::vector<double>>(get(name));
}

Graph::Graph() = default;
Graph::~Graph() = default;

void Graph::setWeightsFile(std::string path,
                           std::unique_ptr<SafetensorsFile> f) {
  WeightsPath = std::move(path);
  Weights = std::move(f);
}

Value *Graph::newValue(std::string name, TensorType type, SourceLoc loc) {
  Values.push_back(std::make_unique<Value>(std::move(name), std::move(type), loc));
  return Values.back().get();
}

Value *Graph::addInput(std::string name, TensorType type, SourceLoc loc) {
  Value *v = newValue(std::move(name), std::move(type), loc);
  Inputs.push_back(v);
  return v;
}

Node *Graph::addNode(OpKind kind, SourceLoc loc, std::vector<Value *> operands,
                     std::vector<std::string> resultNames) {
  auto n = std::make_unique<Node>(kind, loc);
  n->Operands = std::move(operands);
  for (unsigned i = 0; i < resultNames.size(); ++i) {
    Value *v = newValue(std::move(resultNames[i]), TensorType(), loc);
    v->Def = n.get();
    v->ResultIndex = i;
    n->Results.push_back(v);
  }
  Nodes.push_back(std::move(n));
  return Nodes.back().get();
}

void Graph::replaceAllUses(Value *from, Value *to) {
  for (auto &n : Nodes)
    for (Value *&op : n->Operands)
      if (op == from)
        op = to;
  for (Value *&o : Outputs)
    if (o == from)
      o = to;
}

bool Graph::isOutput(const Value *v) const {
  return std::find(Outputs.begin(), Outputs.end(), v) != Outputs.end();
}

unsigned Graph::numUses(const Value *v) const {
  unsigned n = unsigned(std::count(Outputs.begin(), Outputs.end(), v));
  for (const auto &node : Nodes)
    n += unsigned(
        std::count(node->Operands.begin(), node->Operands.end(), v));
  return n;
}

void Graph::reorderNodes(const std::vector<Node *> &order) {
  assert(order.size() == Nodes.size() && "not a permutation of the nodes");
  std::unordered_map<const Node *, size_t> at;
  for (size_t i = 0; i < Nodes.size(); ++i)
    at[Nodes[i].get()] = i;
  std::vector<std::unique_ptr<Node>> sorted;
  sorted.reserve(Nodes.size());
  for (Node *n : order) {
    auto it = at.find(n);
    assert(it != at.end() && Nodes[it->second] && "node listed twice");
    sorted.push_back(std::move(Nodes[it->second]));
  }
  Nodes = std::move(sorted);
}

unsigned Graph::removeDeadNodes() {
  std::unordered_set<const Value *> live(Outputs.begin(), Outputs.end());
  std::vector<bool> keep(Nodes.size(), false);
  for (size_t i = Nodes.size(); i-- > 0;) {
    const Node &n = *Nodes[i];
    bool used = std::any_of(n.Results.begin(), n.Results.end(),
                            [&](Value *r) { return live.count(r) != 0; });
    if (!used)
      continue;
    keep[i] = true;
    live.insert(n.Operands.begin(), n.Operands.end());
  }
  unsigned removed = 0;
  size_t j = 0;
  for (size_t i = 0; i < Nodes.size(); ++i) {
    if (keep[i])
      Nodes[j++] = std::move(Nodes[i]);
    else
      ++removed;
  }
  Nodes.resize(j);
  return removed;
}

} // namespace cnnc
