//===- Verifier.cpp -------------------------------------------------------===//
#include "ir/Verifier.h"

#include <unordered_map>
#include <unordered_set>

namespace cnnc {

namespace {

bool kindMatches(AttrKind k, const AttrValue &v) {
  switch (k) {
  case AttrKind::Int:
    return std::holds_alternative<int64_t>(v);
  case AttrKind::Float:
    return std::holds_alternative<double>(v);
  case AttrKind::Enum:
    return std::holds_alternative<std::string>(v);
  case AttrKind::Ints:
    return std::holds_alternative<std::vector<int64_t>>(v);
  case AttrKind::Floats:
    return std::holds_alternative<std::vector<double>>(v);
  }
  return false;
}

bool verifyNode(const Node &n, DiagEngine &diag) {
  const OpInfo &info = n.info();
  bool ok = true;
  unsigned lo = info.minOperands(), hi = info.maxOperands();
  unsigned count = n.numOperands();
  if (count < lo || count > hi) {
    std::string want = lo == hi    ? fmt::format("{}", lo)
                       : hi == ~0u ? fmt::format("at least {}", lo)
                                   : fmt::format("{} to {}", lo, hi);
    bool one = lo == 1 && (hi == 1 || hi == ~0u);
    diag.error(n.loc(), "{} expects {} operand{} ({}), found {}", info.name,
               want, one ? "" : "s", info.operandList(), count);
    ok = false;
  }
  if (info.numResults != 0 && n.numResults() != info.numResults) {
    diag.error(n.loc(), "{} defines {} result{}, found {}", info.name,
               info.numResults, info.numResults == 1 ? "" : "s",
               n.numResults());
    ok = false;
  }
  for (const AttrSpec &spec : info.attrs)
    if (spec.required && !n.hasAttr(spec.name)) {
      diag.error(n.loc(), "{} requires attribute '{}' ({})", info.name,
                 spec.name, attrKindName(spec.kind));
      ok = false;
    }
  for (const auto &[name, value] : n.attrs()) {
    const AttrSpec *spec = info.attr(name);
    if (!spec) {
      diag.error(n.loc(), "{} has no attribute '{}'", info.name, name);
      ok = false;
    } else if (!kindMatches(spec->kind, value)) {
      diag.error(n.loc(), "attribute '{}' of {} expects {}, found {}", name,
                 info.name, attrKindName(spec->kind), attrValueStr(value));
      ok = false;
    } else if (spec->kind == AttrKind::Enum &&
               !spec->allowsChoice(std::get<std::string>(value))) {
      diag.error(n.loc(), "attribute '{}' of {} expects one of {}, found '{}'",
                 name, info.name, spec->defaultText,
                 std::get<std::string>(value));
      ok = false;
    }
  }
  if (n.kind() == OpKind::Const && !n.result()->type().known) {
    diag.error(n.loc(), "const '%{}' has no type", n.name());
    ok = false;
  }
  return ok;
}

} // namespace

bool verifyGraph(const Graph &g, DiagEngine &diag) {
  bool ok = true;
  std::unordered_set<const Value *> defined;
  std::unordered_map<std::string, const Value *> names;
  auto define = [&](const Value *v) {
    auto [it, fresh] = names.emplace(v->name(), v);
    if (!fresh) {
      diag.error(v->loc(), "redefinition of value '%{}'", v->name());
      ok = false;
    }
    defined.insert(v);
  };
  for (const Value *in : g.inputs()) {
    if (!in->type().known) {
      diag.error(in->loc(), "input '%{}' has no type", in->name());
      ok = false;
    } else if (in->type().blocked()) {
      // The caller's buffers are plain; the layout pass blocks inside.
      diag.error(in->loc(), "input '%{}' must have the plain layout, found {}",
                 in->name(), in->type().str());
      ok = false;
    }
    define(in);
  }
  for (const auto &n : g.nodes()) {
    ok &= verifyNode(*n, diag);
    for (unsigned i = 0; i < n->numOperands(); ++i)
      if (!n->operand(i) || !defined.count(n->operand(i))) {
        diag.error(n->loc(), "operand {} of {} is not defined before use", i,
                   n->info().name);
        ok = false;
      }
    for (const Value *r : n->results())
      define(r);
  }
  if (g.outputs().empty()) {
    diag.error(g.loc(), "graph '{}' has no outputs", g.name());
    ok = false;
  }
  for (const Value *o : g.outputs())
    if (!defined.count(o)) {
      diag.error(g.loc(), "output '%{}' is not defined in the graph",
                 o->name());
      ok = false;
    } else if (o->type().blocked()) {
      diag.error(g.loc(), "output '%{}' must have the plain layout, found {}",
                 o->name(), o->type().str());
      ok = false;
    }
  return ok;
}

} // namespace cnnc
