//===- Dot.cpp - A graph as graphviz text ---------------------------------===//
#include "ir/Dot.h"

#include "ir/Epilogue.h"

#include <fmt/format.h>

#include <unordered_map>

namespace cnnc {

namespace {

/// Attributes already shown elsewhere (the epilogue has its own line).
bool isEpilogueAttr(std::string_view name) {
  return name == "act" || name == "act_args" || name == "res_act" ||
         name == "res_act_args";
}

/// `s` as the body of a double-quoted dot string.
std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

/// The type of `v` when known: "f32[1,64,56,56]@nchw8c".
std::string typeLabel(const Value *v) {
  return v->type().known ? v->type().str() : "?";
}

class DotWriter {
public:
  explicit DotWriter(const Graph &g) : G(g) {}
  std::string run();

private:
  void writeNode(const Node &n, const std::string &id);
  std::string nodeLabel(const Node &n) const;
  void writeEdges(const Node &n, const std::string &id);

  const Graph &G;
  std::string Out;
  /// The dot id of each value's producer: "in0", "n12".
  std::unordered_map<const Value *, std::string> Producer;
};

std::string DotWriter::nodeLabel(const Node &n) const {
  std::string l = fmt::format("{}\\n{}", n.info().name, escape(n.name()));
  for (const auto &[name, value] : n.attrs())
    if (!isEpilogueAttr(name))
      l += fmt::format("\\n{}={}", name, escape(attrValueStr(value)));
  std::string epi = epilogueStr(n);
  if (!epi.empty())
    l += fmt::format("\\nepilogue: {}", escape(epi));
  for (unsigned i = 0; i < n.numOperands(); ++i) {
    const Value *v = n.operand(i);
    if (!isConst(v))
      continue;
    std::span<const OperandSpec> specs = n.info().operands;
    std::string role = i < specs.size() ? std::string(specs[i].name) : "";
    l += fmt::format("\\n{}: {}", role, escape(typeLabel(v)));
  }
  return l;
}

void DotWriter::writeNode(const Node &n, const std::string &id) {
  bool fused = !n.origins().empty() || !epilogueStr(n).empty();
  if (!fused) {
    Out += fmt::format("  {} [label=\"{}\"];\n", id, nodeLabel(n));
    return;
  }
  Out += fmt::format("  subgraph cluster_{} {{\n", id);
  Out += fmt::format("    label=\"fused: {}\";\n", escape(n.name()));
  Out += "    style=\"rounded,dashed\"; color=\"#3060a0\";\n";
  Out += fmt::format("    {} [label=\"{}\", style=\"rounded,filled\", "
                     "fillcolor=\"#dde8f8\"];\n",
                     id, nodeLabel(n));
  if (!n.origins().empty()) {
    std::string note = "absorbed:";
    for (const Node::Origin &o : n.origins()) {
      std::string loc = o.loc.str();
      note += fmt::format("\\l{} {}{}", o.op, escape(o.name),
                          loc.empty() ? "" : " (" + escape(loc) + ")");
    }
    Out += fmt::format("    {}_fused [label=\"{}\\l\", shape=note, "
                       "fontsize=9];\n",
                       id, note);
    Out += fmt::format("    {{rank=same; {}; {}_fused;}}\n", id, id);
  }
  Out += "  }\n";
}

void DotWriter::writeEdges(const Node &n, const std::string &id) {
  for (const Value *v : n.operands()) {
    auto it = Producer.find(v);
    if (it == Producer.end())
      continue; // a const, drawn in the label
    Out += fmt::format("  {} -> {} [label=\"{}\"];\n", it->second, id,
                       escape(typeLabel(v)));
  }
}

std::string DotWriter::run() {
  Out += fmt::format("digraph \"{}\" {{\n", escape(G.name()));
  Out += "  rankdir=TB;\n";
  Out += "  node [shape=box, style=rounded, fontname=\"Helvetica\", "
         "fontsize=10];\n";
  Out += "  edge [fontname=\"Helvetica\", fontsize=9];\n";
  for (size_t i = 0; i < G.inputs().size(); ++i) {
    const Value *v = G.inputs()[i];
    std::string id = fmt::format("in{}", i);
    Out += fmt::format("  {} [label=\"input {}\", shape=oval];\n", id,
                       escape(v->name()));
    Producer[v] = id;
  }
  size_t index = 0;
  for (const auto &n : G.nodes()) {
    std::string id = fmt::format("n{}", index++);
    if (n->kind() == OpKind::Const)
      continue;
    writeNode(*n, id);
    writeEdges(*n, id);
    for (const Value *r : n->results())
      Producer[r] = id;
  }
  for (size_t i = 0; i < G.outputs().size(); ++i) {
    const Value *v = G.outputs()[i];
    std::string id = fmt::format("out{}", i);
    Out += fmt::format("  {} [label=\"output {}\", shape=oval];\n", id,
                       escape(v->name()));
    auto it = Producer.find(v);
    if (it != Producer.end())
      Out += fmt::format("  {} -> {} [label=\"{}\"];\n", it->second, id,
                         escape(typeLabel(v)));
  }
  Out += "}\n";
  return Out;
}

} // namespace

std::string formatDot(const Graph &g) { return DotWriter(g).run(); }

} // namespace cnnc
