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

} // namespace

void finishRewrite(Graph &g) {
  g.reorderNodes(stableOrder(g));
  g.removeDeadNodes();
}

Value *appendReshape(Graph &g, Value *x, const Shape &shape, std::string name,
                     SourceLoc loc) {
  Node *r = g.addNode(OpKind::Reshape, loc, {x}, {std::move(name)});
  r->setAttr("shape", std::vector<int64_t>(shape.begin(), shape.end()));
  r->result()->setType(TensorType(x->type().dtype, shape));
  return r->result();
}

Node *soleUser(const Graph &g, const Value *v,
               const std::unordered_set<const Node *> &dead) {
  if (g.isOutput(v))
    return nullptr;
  Node *user = nullptr;
  for (const auto &n : g.nodes()) {
    if (dead.count(n.get()))
      continue;
    for (const Value *o : n->operands()) {
      if (o != v)
        continue;
      if (user)
        return nullptr;
      user = n.get();
    }
  }
  return user;
}

void absorbUser(Graph &g, Node &into, Node &absorbed) {
  into.absorb(absorbed);
  Value *from = absorbed.result();
  if (g.isOutput(from))
    into.result()->setName(from->name());
  g.replaceAllUses(from, into.result());
}

} // namespace cnnc
