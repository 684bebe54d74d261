//===- Summary.cpp --------------------------------------------------------===//
#include "ir/Summary.h"

#include <fmt/format.h>

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
  case OpKind::Gemm: {
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
  case OpKind::Prelu:
  case OpKind::Maxout:
  case OpKind::BatchNorm:
  case OpKind::Lrn:
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

std::string formatSummary(const Graph &g, const GraphStats &s) {
  size_t nameW = 5, shapeW = 12;
  for (const LayerStats &l : s.layers) {
    nameW = std::max(nameW, l.node->name().size() + l.node->info().name.size() + 3);
    for (const Value *r : l.node->results())
      shapeW = std::max(shapeW, shapeStr(r->type().shape).size());
  }
  std::string out;
  std::string rule(nameW + shapeW + 34, '=');
  out += fmt::format("Model: {}\n{}\n", g.name(), rule);
  out += fmt::format("{:<{}}  {:<{}}  {:>13}  {:>15}\n", "Layer (op)", nameW,
                     "Output shape", shapeW, "Params", "MACs");
  out += std::string(rule.size(), '-') + "\n";
  for (const LayerStats &l : s.layers) {
    std::string label =
        fmt::format("{} ({})", l.node->name(), l.node->info().name);
    out += fmt::format("{:<{}}  {:<{}}  {:>13}  {:>15}\n", label, nameW,
                       shapeStr(l.node->result()->type().shape), shapeW,
                       grouped(l.params), grouped(l.macs));
    for (unsigned i = 1; i < l.node->numResults(); ++i)
      out += fmt::format("{:<{}}  {:<{}}\n", "", nameW,
                         shapeStr(l.node->result(i)->type().shape), shapeW);
  }
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
  return out;
}

} // namespace cnnc
