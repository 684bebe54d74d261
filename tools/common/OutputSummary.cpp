//===- OutputSummary.cpp - How the tools print an output tensor -----------===//
#include "tools/common/OutputSummary.h"
#include "ir/Attr.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <numeric>

namespace cnnc {

namespace {

/// The top-5 line of a classifier's output ([1, K] or [K], K >= 5), or "".
std::string topFive(const Tensor &t) {
  int64_t k = t.rank() == 2 && t.dim(0) == 1 ? t.dim(1)
              : t.rank() == 1                ? t.dim(0)
                                             : 0;
  if (k < 5)
    return "";
  std::vector<int64_t> idx(static_cast<size_t>(k));
  std::iota(idx.begin(), idx.end(), 0);
  std::partial_sort(idx.begin(), idx.begin() + 5, idx.end(),
                    [&](int64_t a, int64_t b) {
                      return t.data[size_t(a)] > t.data[size_t(b)];
                    });
  std::string s = "  top-5:";
  for (int i = 0; i < 5; ++i)
    s +=
        fmt::format(" {} ({})", idx[size_t(i)], t.data[size_t(idx[size_t(i)])]);
  return s + "\n";
}

} // namespace

std::string describeTensor(std::string_view name, const Tensor &t,
                           bool values) {
  std::string s =
      fmt::format("%{} {}", name, TensorType(DType::F32, t.shape).str());
  if (t.size() > 0) {
    auto [mn, mx] = std::minmax_element(t.data.begin(), t.data.end());
    double sum = std::accumulate(t.data.begin(), t.data.end(), 0.0);
    size_t nonFinite =
        size_t(std::count_if(t.data.begin(), t.data.end(),
                             [](float x) { return !std::isfinite(x); }));
    s += fmt::format(": min {} max {} mean {}", floatText(*mn), floatText(*mx),
                     floatText(sum / double(t.size())));
    if (nonFinite)
      s += fmt::format(" ({} non-finite)", nonFinite);
  }
  s += "\n" + topFive(t);
  if (values) {
    s += "  values: [";
    for (int64_t i = 0; i < t.size(); ++i)
      s += (i ? ", " : "") + floatText(double(t.data[size_t(i)]));
    s += "]\n";
  }
  return s;
}

} // namespace cnnc
