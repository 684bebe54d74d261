//===- Rewrite.h - Helpers shared by the graph rewrites ---------*- C++ -*-===//
//
// What several passes need and Graph does not offer yet: a check that
// shapes were inferred, new constants holding computed data (HeldData) with
// fresh names and weight keys, and restoring program order after nodes were
// appended (Graph::addNode appends).
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_PASSES_REWRITE_H
#define CNNC_PASSES_REWRITE_H

#include "ir/Diagnostics.h"
#include "ir/Graph.h"
#include "ir/Tensor.h"

#include <string>
#include <string_view>
#include <unordered_set>

namespace cnnc {

/// Reports (naming `pass`) and returns false when some value's type is
/// unknown.
bool checkShapesKnown(const Graph &g, std::string_view pass, DiagEngine &diag);

/// Makes const nodes holding computed tensors, with value names and weight
/// keys that clash with nothing in the graph.
class ConstMaker {
public:
  explicit ConstMaker(Graph &g);
  /// Appends `%name = const file("key")` holding `t`, typed f32 of t's
  /// shape, at `loc`; `name` and `key` get a ".1", ".2", ... suffix when
  /// taken. The node is appended: call finishRewrite before the pass
  /// returns.
  Value *make(const std::string &name, const std::string &key, Tensor t,
              SourceLoc loc);
  /// Makes `name` available again (its value is about to be removed).
  void release(const std::string &name) { Names.erase(name); }

private:
  static std::string fresh(std::unordered_set<std::string> &taken,
                           const std::string &base);

  Graph &G;
  std::unordered_set<std::string> Names, Keys;
};

/// Value names that clash with nothing in the graph (suffixes ".1", ...).
class NameMaker {
public:
  explicit NameMaker(const Graph &g) {
    for (const Value *v : g.inputs())
      Taken.insert(v->name());
    for (const auto &n : g.nodes())
      for (const Value *r : n->results())
        Taken.insert(r->name());
  }
  std::string fresh(const std::string &base) {
    std::string name = base;
    for (unsigned i = 1; Taken.count(name); ++i)
      name = base + "." + std::to_string(i);
    Taken.insert(name);
    return name;
  }
  /// Renames `v` (about to be replaced) to a fresh "<name>.replaced" and
  /// returns its old name, for its replacement to take.
  std::string take(Value *v) {
    std::string name = v->name();
    v->setName(fresh(name + ".replaced"));
    return name;
  }

private:
  std::unordered_set<std::string> Taken;
};

/// Appends `%name = reshape(%x) {shape=...}` typed as `shape` (a name the
/// caller made fresh) and returns its result.
Value *appendReshape(Graph &g, Value *x, const Shape &shape, std::string name,
                     SourceLoc loc);

/// The single node using `v` (ignoring the nodes in `dead`), or null when
/// `v` has another use or is a graph output.
Node *soleUser(const Graph &g, const Value *v,
               const std::unordered_set<const Node *> &dead = {});

/// Makes `into` compute what `absorbed` (its single user) computed: records
/// `absorbed` among into's origins, gives into's result absorbed's name when
/// that is a graph output, and redirects every use to into's result.
/// `absorbed` is left unused (finishRewrite removes it).
void absorbUser(Graph &g, Node &into, Node &absorbed);

/// Ends a rewrite that appended nodes and left some unused: reorders the
/// nodes so that every operand is defined before its use, moving as little
/// as possible (a stable topological order: out-of-order definitions are
/// pulled right before their first use), then removes the nodes nothing
/// uses (Graph::removeDeadNodes, which needs program order).
void finishRewrite(Graph &g);

} // namespace cnnc

#endif
