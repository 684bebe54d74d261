//===- Printer.cpp --------------------------------------------------------===//
#include "ir/Printer.h"

#include <fmt/format.h>

namespace cnnc {

namespace {
std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string typeList(const std::vector<Value *> &vals) {
  std::string s;
  for (const Value *v : vals) {
    if (!v->type().known)
      return "";
    s += (s.empty() ? " : " : ", ") + v->type().str();
  }
  return s;
}
} // namespace

std::string constSourceStr(const ConstSource &src) {
  if (auto *r = std::get_if<RandomInit>(&src)) {
    if (r->hasRange)
      return fmt::format("random({}, {}, {})", r->seed, floatText(r->lo),
                         floatText(r->hi));
    return fmt::format("random({})", r->seed);
  }
  if (auto *d = std::get_if<InlineData>(&src)) {
    std::string s = "[";
    for (size_t i = 0; i < d->values.size(); ++i)
      s += (i ? ", " : "") + floatText(d->values[i]);
    return s + "]";
  }
  if (auto *h = std::get_if<HeldData>(&src))
    return "file(" + quote(h->key) + ")";
  return "file(" + quote(std::get<FileRef>(src).key) + ")";
}

std::string printNode(const Node &n) {
  std::string s;
  for (unsigned i = 0; i < n.numResults(); ++i)
    s += (i ? ", %" : "%") + n.result(i)->name();
  s += " = ";
  s += n.info().name;
  if (n.kind() == OpKind::Const) {
    s += " " + constSourceStr(n.constSource());
  } else {
    s += "(";
    for (unsigned i = 0; i < n.numOperands(); ++i)
      s += (i ? ", %" : "%") + n.operand(i)->name();
    s += ")";
    if (!n.attrs().empty()) {
      s += " {";
      bool first = true;
      for (const auto &[name, v] : n.attrs()) {
        s += (first ? "" : ", ") + name + "=" + attrValueStr(v);
        first = false;
      }
      s += "}";
    }
  }
  return s + typeList(n.results());
}

std::string printGraph(const Graph &g) {
  std::string s = fmt::format("graph {} {{\n", g.name());
  if (!g.weightsPath().empty())
    s += "  weights " + quote(g.weightsPath()) + "\n";
  for (const Value *in : g.inputs())
    s += fmt::format("  input %{} : {}\n", in->name(), in->type().str());
  for (const auto &n : g.nodes())
    s += "  " + printNode(*n) + "\n";
  if (!g.outputs().empty()) {
    s += "  output ";
    for (size_t i = 0; i < g.outputs().size(); ++i)
      s += (i ? ", %" : "%") + g.outputs()[i]->name();
    s += "\n";
  }
  return s + "}\n";
}

} // namespace cnnc
