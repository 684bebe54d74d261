//===- Summary.cpp --------------------------------------------------------===//
#include "ir/Summary.h"

#include "ir/Epilogue.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <unordered_set>

namespace cnnc {

namespace {
int64_t tailProduct(const Shape &s, size_t from) {
  int64_t p = 1;
  for (size_t i = from; i < s.size(); ++i)
    p *= s[i];
  return p;
}

/// 1234567 -> "1,234,567".
std::string grouped(int64_t v) {
  std::string d = std::to_string(v < 0 ? -v : v), out;
  for (size_t i = 0; i < d.size(); ++i) {
    if (i && (d.size() - i) % 3 == 0)
      out += ',';
    out += d[i];
  }
  return v < 0 ? "-" + out : out;
}

std::string humanBytes(int64_t b) {
  if (b >= (int64_t(1) << 20))
    return fmt::format("{:.2f} MiB", double(b) / double(1 << 20));
  if (b >= 1024)
    return fmt::format("{:.2f} KiB", double(b) / 1024.0);
  return fmt::format("{} B", b);
}
} // namespace

int64_t nodeMacs(const Node &n) {
  auto shapeOf = [&](unsigned i) -> const Shape & {
    return n.operand(i)->type().shape;
  };
  int64_t out = n.result()->type().numElements();
  switch (n.kind()) {
  case OpKind::Conv:
    return out * tailProduct(shapeOf(1), 1);
  case OpKind::ConvTranspose:
    return n.operand(0)->type().numElements() * tailProduct(shapeOf(1), 1);
  case OpKind::LocallyConnected:
  case OpKind::TiledConv:
    return out * tailProduct(shapeOf(1), 3);
  case OpKind::DeformConv:
    return out * tailProduct(shapeOf(2), 1);
  case OpKind::Gemm:
  case OpKind::LayerNormGemm: {
    const Shape &a = shapeOf(0);
    int64_t k = n.getInt("trans_a") ? a[0] : a[1];
    return out * k;
  }
  case OpKind::MatMul: {
    const Shape &a = shapeOf(0);
    return out * (a.empty() ? 1 : a.back());
  }
  case OpKind::Const:
  case OpKind::MaxPool:
  case OpKind::AvgPool:
  case OpKind::GlobalAvgPool:
  case OpKind::GlobalMaxPool:
  case OpKind::Relu:
  case OpKind::LeakyRelu:
  case OpKind::Elu:
  case OpKind::Selu:
  case OpKind::Sigmoid:
  case OpKind::Tanh:
  case OpKind::Softplus:
  case OpKind::Softsign:
  case OpKind::Silu:
  case OpKind::Mish:
  case OpKind::HardSigmoid:
  case OpKind::HardSwish:
  case OpKind::Clip:
  case OpKind::Step:
  case OpKind::LogSigmoid:
  case OpKind::Gelu:
  case OpKind::Erf:
  case OpKind::Prelu:
  case OpKind::Maxout:
  case OpKind::BatchNorm:
  case OpKind::Lrn:
  case OpKind::LayerNorm:
  case OpKind::Flatten:
  case OpKind::Reshape:
  case OpKind::Transpose:
  case OpKind::Concat:
  case OpKind::Split:
  case OpKind::Slice:
  case OpKind::Pad:
  case OpKind::Add:
  case OpKind::Sub:
  case OpKind::Mul:
  case OpKind::Div:
  case OpKind::Softmax:
  case OpKind::LogSoftmax:
  case OpKind::Resize:
  case OpKind::DepthToSpace:
  case OpKind::Dropout:
  case OpKind::Identity:
  case OpKind::Relayout:
    return 0;
  }
  return 0;
}

GraphStats computeStats(const Graph &g) {
  GraphStats s;
  std::unordered_set<const Value *> counted;
  std::unordered_set<const Value *> outputs(g.outputs().begin(),
                                            g.outputs().end());
  for (const Value *in : g.inputs())
    s.inputBytes += in->type().sizeInBytes();
  for (const Value *o : g.outputs())
    s.outputBytes += o->type().sizeInBytes();
  for (const auto &n : g.nodes()) {
    if (n->kind() == OpKind::Const) {
      s.weightBytes += n->result()->type().sizeInBytes();
      continue;
    }
    LayerStats l{n.get()};
    std::span<const OperandSpec> specs = n->info().operands;
    for (unsigned i = 0; i < n->numOperands(); ++i) {
      const Value *v = n->operand(i);
      if (!v->def() || v->def()->kind() != OpKind::Const ||
          !counted.insert(v).second)
        continue;
      bool stat = i < specs.size() && specs[i].role == OperandRole::Stat;
      (stat ? l.buffers : l.params) += v->type().numElements();
    }
    l.macs = nodeMacs(*n);
    for (const Value *r : n->results())
      if (!outputs.count(r))
        s.activationBytes += r->type().sizeInBytes();
    s.params += l.params;
    s.buffers += l.buffers;
    s.macs += l.macs;
    s.layers.push_back(l);
  }
  return s;
}

namespace {

/// The logical shape, with the layout when it is blocked:
/// "[1,64,56,56]@nchw8c".
std::string shapeAndLayout(const TensorType &t) {
  std::string s = shapeStr(t.shape);
  return t.blocked() ? s + "@" + layoutName(t.rank(), t.block) : s;
}

/// The `tile` attribute as "rows x columns x depth"; the CUDA `gpu_tile`
/// as "block rows x columns x depth/thread rows x columns"; or "-".
std::string tileStr(const Node &n) {
  if (n.hasAttr("gpu_tile")) {
    std::vector<int64_t> t = n.getInts("gpu_tile");
    if (t.size() == 5)
      return fmt::format("{}x{}x{}/{}x{}", t[0], t[1], t[2], t[3], t[4]);
  }
  if (!n.hasAttr("tile"))
    return "-";
  return fmt::format("{}", fmt::join(n.getInts("tile"), "x"));
}

/// "1,024", "1,024 in place", "view of input", "output".
std::string placementStr(const WorkspaceSummary &ws, const Value *v) {
  auto it = ws.values.find(v);
  if (it == ws.values.end())
    return "-";
  const WorkspaceSummary::Placement &p = it->second;
  if (p.offset < 0)
    return p.how == "view" ? std::string("view of input") : p.how;
  return p.how.empty() ? grouped(p.offset)
                       : fmt::format("{} {}", grouped(p.offset), p.how);
}

/// "relu,+res,relu <- bn1 (batch_norm), r (relu)": the epilogue and the
/// nodes folded or fused into `n`; "" when there are none.
std::string fusedStr(const Node &n) {
  std::string s = epilogueStr(n);
  std::string from;
  for (const Node::Origin &o : n.origins())
    from += fmt::format("{}{} ({})", from.empty() ? "" : ", ", o.name, o.op);
  if (from.empty())
    return s;
  return fmt::format("{}{}<- {}", s, s.empty() ? "" : " ", from);
}

/// One row per result of the layer; the fused ops on a line of their own.
std::string formatLayer(const LayerStats &l, const WorkspaceSummary *ws,
                        size_t nameW, size_t shapeW) {
  const Node &n = *l.node;
  std::string out;
  for (unsigned i = 0; i < n.numResults(); ++i) {
    const Value *r = n.result(i);
    std::string label =
        i ? "" : fmt::format("{} ({})", n.name(), n.info().name);
    std::string row = fmt::format("{:<{}}  {:<{}}", label, nameW,
                                  shapeAndLayout(r->type()), shapeW);
    if (i == 0 || ws)
      row += i ? fmt::format("  {:>13}  {:>15}", "", "")
               : fmt::format("  {:>13}  {:>15}", grouped(l.params),
                             grouped(l.macs));
    if (ws)
      row += fmt::format("  {:<11}  {}", i ? "" : tileStr(n),
                         placementStr(*ws, r));
    while (!row.empty() && row.back() == ' ')
      row.pop_back();
    out += row + "\n";
  }
  if (!ws)
    return out;
  std::string fused = fusedStr(n);
  if (!fused.empty())
    out += fmt::format("    fused: {}\n", fused);
  return out;
}

} // namespace

std::string formatSummary(const Graph &g, const GraphStats &s,
                          const WorkspaceSummary *ws) {
  size_t nameW = 5, shapeW = 12;
  for (const LayerStats &l : s.layers) {
    nameW =
        std::max(nameW, l.node->name().size() + l.node->info().name.size() + 3);
    for (const Value *r : l.node->results())
      shapeW = std::max(shapeW, shapeAndLayout(r->type()).size());
  }
  std::string out;
  std::string rule(nameW + shapeW + 34 + (ws ? 26 : 0), '=');
  out += fmt::format("Model: {}\n{}\n", g.name(), rule);
  std::string head =
      fmt::format("{:<{}}  {:<{}}  {:>13}  {:>15}", "Layer (op)", nameW,
                  "Output shape", shapeW, "Params", "MACs");
  if (ws)
    head += fmt::format("  {:<11}  {}", "Tile", "Workspace");
  out += head + "\n" + std::string(rule.size(), '-') + "\n";
  for (const LayerStats &l : s.layers)
    out += formatLayer(l, ws, nameW, shapeW);
  out += rule + "\n";
  out += fmt::format("Total params: {}\n", grouped(s.params));
  out += fmt::format("Non-trainable (batch-norm statistics): {}\n",
                     grouped(s.buffers));
  out += fmt::format("Total MACs: {} ({})\n", grouped(s.macs),
                     s.macs >= 1000000000
                         ? fmt::format("{:.2f} G", double(s.macs) / 1e9)
                         : fmt::format("{:.2f} M", double(s.macs) / 1e6));
  out += fmt::format("Weights: {}; inputs: {}; outputs: {}; intermediate "
                     "activations: {}\n",
                     humanBytes(s.weightBytes), humanBytes(s.inputBytes),
                     humanBytes(s.outputBytes), humanBytes(s.activationBytes));
  if (ws)
    out += fmt::format("Workspace: {} before planning (each activation in "
                       "its own region), {} after\n",
                       humanBytes(ws->before), humanBytes(ws->after));
  return out;
}

} // namespace cnnc
