//===- Weights.cpp --------------------------------------------------------===//
#include "ir/Weights.h"
#include "ir/Safetensors.h"

#include <cassert>
#include <cmath>

namespace cnnc {

float randomUniform01(uint64_t seed, uint64_t index) {
  uint64_t z = (seed << 32) + index + 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return float(z >> 40) * (1.0f / 16777216.0f);
}

std::pair<double, double> randomRange(const RandomInit &r, const Shape &shape) {
  if (r.hasRange)
    return {r.lo, r.hi};
  int64_t fanIn = 1;
  for (size_t i = 1; i < shape.size(); ++i)
    fanIn *= shape[i];
  double b = 1.0 / std::sqrt(double(std::max<int64_t>(fanIn, 1)));
  return {-b, b};
}

std::optional<Tensor> materializeConst(const Graph &g, const Node &n,
                                       DiagEngine &diag) {
  assert(n.kind() == OpKind::Const);
  const TensorType &type = n.result()->type();
  const ConstSource &src = n.constSource();
  if (auto *r = std::get_if<RandomInit>(&src)) {
    Tensor t(type.shape);
    auto [lo, hi] = randomRange(*r, type.shape);
    for (int64_t i = 0; i < t.size(); ++i)
      t.data[size_t(i)] =
          float(lo + (hi - lo) * double(randomUniform01(r->seed, uint64_t(i))));
    return t;
  }
  if (auto *d = std::get_if<InlineData>(&src)) {
    Tensor t(type.shape);
    for (int64_t i = 0; i < t.size(); ++i)
      t.data[size_t(i)] = float(d->values[size_t(i)]);
    return t;
  }
  if (auto *h = std::get_if<HeldData>(&src))
    return *h->tensor;
  const FileRef &ref = std::get<FileRef>(src);
  if (!g.weightsFile()) {
    diag.error(n.loc(), "weight '{}' needs a weights file", ref.key);
    return std::nullopt;
  }
  return g.weightsFile()->read(ref.key, diag, n.loc());
}

} // namespace cnnc
