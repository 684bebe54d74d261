//===- CommonSubexpr.cpp - Common-subexpression elimination ---------------===//
//
// Two nodes of the same op with the same operands and the same attributes
// compute the same thing, as do two consts of the same type with the same
// source (seed and range, literal, weights-file key, or held data equal
// element for element): every use of the later one's results is redirected
// to the first one's, and the later one is removed (unless one of its
// results is a graph output, whose name must stay). Walking in program
// order merges whole duplicated chains. Requires: inferred shapes.
// Guarantees: the graph computes the same function; no two nodes are
// equivalent in that sense; types and graph output names are unchanged.
//
//===----------------------------------------------------------------------===//
#include "passes/Pass.h"
#include "passes/Rewrite.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>

namespace cnnc {

namespace {

bool sameSource(const ConstSource &a, const ConstSource &b) {
  if (a.index() != b.index())
    return false;
  if (auto *r = std::get_if<RandomInit>(&a)) {
    auto &s = std::get<RandomInit>(b);
    return r->seed == s.seed && r->hasRange == s.hasRange &&
           (!r->hasRange || (r->lo == s.lo && r->hi == s.hi));
  }
  if (auto *d = std::get_if<InlineData>(&a))
    return d->values == std::get<InlineData>(b).values;
  if (auto *f = std::get_if<FileRef>(&a))
    return f->key == std::get<FileRef>(b).key;
  const Tensor &x = *std::get<HeldData>(a).tensor,
               &y = *std::get<HeldData>(b).tensor;
  // Bitwise, so that -0 and 0 or two NaNs with different payloads differ.
  return x.shape == y.shape &&
         std::memcmp(x.ptr(), y.ptr(), x.data.size() * sizeof(float)) == 0;
}

/// The value of attribute `spec` of `n`, the table's default when unset.
const AttrValue &effective(const Node &n, const AttrSpec &spec) {
  for (const auto &[name, value] : n.attrs())
    if (name == spec.name)
      return value;
  return spec.defaultValue;
}

bool equivalent(const Node &a, const Node &b) {
  if (a.kind() != b.kind() || a.operands() != b.operands() ||
      a.numResults() != b.numResults())
    return false;
  for (unsigned i = 0; i < a.numResults(); ++i)
    if (!(a.result(i)->type() == b.result(i)->type()))
      return false;
  // Defaults filled in, so {groups=1} equals no groups at all.
  for (const AttrSpec &spec : a.info().attrs)
    if (effective(a, spec) != effective(b, spec))
      return false;
  return a.kind() != OpKind::Const ||
         sameSource(a.constSource(), b.constSource());
}

/// A cheap key that equivalent nodes share: the op and the operands (and a
/// const's source kind, seed or key).
std::string bucketKey(const Node &n) {
  std::string key = fmt::format("{}", unsigned(n.kind()));
  for (const Value *v : n.operands())
    key += fmt::format(",{}", static_cast<const void *>(v));
  if (n.kind() != OpKind::Const)
    return key;
  const ConstSource &src = n.constSource();
  key += fmt::format(";{}", src.index());
  if (auto *r = std::get_if<RandomInit>(&src))
    key += fmt::format(":{}", r->seed);
  else if (auto *f = std::get_if<FileRef>(&src))
    key += ":" + f->key;
  return key;
}

/// Whether a result of `n` is a graph output (merging would rename it).
bool isOutput(const Graph &g, const Node &n) {
  return std::any_of(n.results().begin(), n.results().end(),
                     [&](Value *r) { return g.isOutput(r); });
}

class CommonSubexprPass final : public Pass {
public:
  std::string_view name() const override { return "cse"; }
  bool run(Graph &g, PassContext &ctx) override {
    if (!checkShapesKnown(g, name(), ctx.diag))
      return false;
    std::unordered_map<std::string, std::vector<Node *>> seen;
    bool changed = false;
    for (const auto &np : g.nodes()) {
      Node &n = *np;
      // Operands were already redirected to the first of their class.
      std::vector<Node *> &bucket = seen[bucketKey(n)];
      auto first = std::find_if(bucket.begin(), bucket.end(),
                                [&](Node *m) { return equivalent(*m, n); });
      if (first == bucket.end()) {
        bucket.push_back(&n);
        continue;
      }
      if (isOutput(g, n))
        continue;
      for (unsigned i = 0; i < n.numResults(); ++i)
        g.replaceAllUses(n.result(i), (*first)->result(i));
      changed = true;
    }
    if (changed)
      g.removeDeadNodes();
    return true;
  }
};

} // namespace

std::unique_ptr<Pass> createCommonSubexprPass() {
  return std::make_unique<CommonSubexprPass>();
}

} // namespace cnnc
