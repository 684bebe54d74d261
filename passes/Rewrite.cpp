//===- Rewrite.cpp --------------------------------------------------------===//
#include "passes/Rewrite.h"

#include <unordered_map>

namespace cnnc {

bool checkShapesKnown(const Graph &g, std::string_view pass, DiagEngine &diag) {
  for (const auto &n : g.nodes())
    for (const Value *r : n->results())
      if (!r->type().known) {
        diag.error(n->loc(),
                   "pass '{}' needs inferred shapes; run "
                   "infer-shapes first",
                   pass);
        return false;
      }
  return true;
}

ConstMaker::ConstMaker(Graph &g) : G(g) {
  for (const Value *v : g.inputs())
    Names.insert(v->name());
  for (const auto &n : g.nodes()) {
    for (const Value *r : n->results())
      Names.insert(r->name());
    if (n->kind() != OpKind::Const)
      continue;
    if (auto *f = std::get_if<FileRef>(&n->constSource()))
      Keys.insert(f->key);
    else if (auto *h = std::get_if<HeldData>(&n->constSource()))
      Keys.insert(h->key);
  }
}

std::string ConstMaker::fresh(std::unordered_set<std::string> &taken,
                              const std::string &base) {
  std::string name = base;
  for (unsigned i = 1; taken.count(name); ++i)
    name = base + "." + std::to_string(i);
  taken.insert(name);
  return name;
}

Value *ConstMaker::make(const std::string &name, const std::string &key,
                        Tensor t, SourceLoc loc) {
  Node *c = G.addNode(OpKind::Const, loc, {}, {fresh(Names, name)});
  c->result()->setType(TensorType(DType::F32, t.shape));
  c->setConstSource(
      HeldData{std::make_shared<const Tensor>(std::move(t)), fresh(Keys, key)});
  return c->result();
}

namespace {
/// The stable topological order of g's nodes.
std::vector<Node *> stableOrder(const Graph &g) {
  std::unordered_map<const Node *, bool> placed;
  std::vector<Node *> order;
  // Iterative DFS: place a node once all its operands' definitions are.
  std::vector<std::pair<Node *, unsigned>> stack;
  for (const auto &root : g.nodes()) {
    if (placed[root.get()])
      continue;
    stack.push_back({root.get(), 0});
    while (!stack.empty()) {
      auto &[n, next] = stack.back();
      if (next < n->numOperands()) {
        Node *d = n->operand(next++)->def();
        if (d && !placed[d])
          stack.push_back({d, 0});
        continue;
      }
      if (!placed[n]) {
        placed[n] = true;
        order.push_back(n);
      }
      stack.pop_back();
    }
  }
  return order;
}

/// Appends a copy of `n` whose operands are mapped through `map`.
Node *cloneNode(Graph &g, const Node &n,
                const std::unordered_map<Value *, Value *> &map) {
  std::vector<Value *> ops;
  for (Value *v : n.operands()) {
    auto it = map.find(v);
    ops.push_back(it == map.end() ? v : it->second);
  }
  std::vector<std::string> names;
  for (const Value *r : n.results())
    names.push_back(r->name());
  Node *c = g.addNode(n.kind(), n.loc(), std::move(ops), std::move(names));
  for (const auto &[name, value] : n.attrs())
    c->setAttr(name, value);
  c->setConstSource(n.constSource());
  for (unsigned i = 0; i < n.numResults(); ++i)
    c->result(i)->setType(n.result(i)->type());
  return c;
}
} // namespace

void finishRewrite(Graph &g) {
  std::vector<Node *> order = stableOrder(g);
  size_t first = 0;
  while (first < order.size() && order[first] == g.nodes()[first].get())
    ++first;
  if (first == order.size()) {
    g.removeDeadNodes();
    return;
  }
  // Clone the reordered tail after the originals, then drop the originals,
  // which nothing uses any more.
  std::unordered_map<Value *, Value *> map;
  for (size_t i = first; i < order.size(); ++i) {
    Node *c = cloneNode(g, *order[i], map);
    for (unsigned r = 0; r < c->numResults(); ++r)
      map[order[i]->result(r)] = c->result(r);
  }
  std::vector<Value *> outs = g.outputs();
  for (Value *&o : outs)
    if (auto it = map.find(o); it != map.end())
      o = it->second;
  g.setOutputs(std::move(outs));
  g.removeDeadNodes();
}

} // namespace cnnc
