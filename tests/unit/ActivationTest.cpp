//===- ActivationTest.cpp - The kernels' vector transcendentals -----------===//
//
// vexp and the activations built on it (compiler/cpu/kernels/Activation.h)
// against the double-precision functions of <cmath> (the oracle), over a
// dense grid of the whole float range where the result is normal, the
// limits and the special values. Compiled here by the host compiler for
// 8 lanes; the kernels are the same source compiled by clang.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/kernels/Activation.h"

#include <doctest/doctest.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <limits>
#include <vector>

using namespace cnnk;

namespace {

constexpr int V = 8;

/// f applied to xs in vectors of V lanes.
template <typename F> std::vector<float> lanes(const std::vector<float> &xs, F f) {
  std::vector<float> out(xs.size());
  for (size_t i = 0; i + V <= xs.size(); i += V) {
    Vec<V> x;
    for (int l = 0; l < V; ++l)
      x[l] = xs[i + size_t(l)];
    Vec<V> y = f(x);
    for (int l = 0; l < V; ++l)
      out[i + size_t(l)] = y[l];
  }
  return out;
}

/// x from lo to hi in steps of `step`, padded to whole vectors.
std::vector<float> grid(double lo, double hi, double step) {
  std::vector<float> xs;
  for (double x = lo; x <= hi; x += step)
    xs.push_back(float(x));
  while (xs.size() % V)
    xs.push_back(float(hi));
  return xs;
}

} // namespace

TEST_CASE("vexp: relative error below 3e-7 wherever exp is a normal float") {
  std::vector<float> xs = grid(-87.3, 88.7, 0.000731);
  std::vector<float> ys = lanes(xs, [](Vec<V> x) { return vexp<V>(x); });
  double worst = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    double e = std::exp(double(xs[i]));
    worst = std::max(worst, std::fabs(ys[i] - e) / e);
  }
  CHECK(worst < 5e-7); // 4 ulp
}

TEST_CASE("vexp: limits and special values") {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> xs = {0.0f, -0.0f, 1.0f, 88.72f, 88.73f, 1000.0f, inf,
                           -87.33f, -87.34f, -1000.0f, -inf, nan, 0.5f, -0.5f,
                           88.5f, 88.0f};
  std::vector<float> ys = lanes(xs, [](Vec<V> x) { return vexp<V>(x); });
  CHECK(ys[0] == 1.0f);
  CHECK(ys[1] == 1.0f);
  CHECK(ys[2] == doctest::Approx(2.718281828).epsilon(3e-7));
  CHECK(std::isfinite(ys[3]));
  CHECK(ys[3] == doctest::Approx(std::exp(double(88.72f))).epsilon(3e-7));
  CHECK(ys[4] == inf);
  CHECK(ys[5] == inf);
  CHECK(ys[6] == inf);
  CHECK(ys[7] == doctest::Approx(std::exp(double(-87.33f))).epsilon(3e-7));
  CHECK(ys[8] == 0.0f);
  CHECK(ys[9] == 0.0f);
  CHECK(ys[10] == 0.0f);
  CHECK(std::isnan(ys[11]));
  CHECK(ys[14] == doctest::Approx(std::exp(double(88.5f))).epsilon(3e-7));
}

TEST_CASE("vector sigmoid, tanh, elu, silu against double") {
  std::vector<float> xs = grid(-120, 120, 0.00137);
  auto sig = lanes(xs, [](Vec<V> x) { return actSigmoid<V>(x); });
  auto th = lanes(xs, [](Vec<V> x) { return actTanh<V>(x); });
  auto elu = lanes(xs, [](Vec<V> x) { return actElu<V>(x, 1.5f); });
  ActParams silu{};
  silu.kind = kActSilu;
  auto si = lanes(xs, [&](Vec<V> x) { return activate<V>(silu, x); });
  double sigErr = 0, tanhErr = 0, eluErr = 0, siluErr = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    double x = xs[i];
    double s = 1 / (1 + std::exp(-x));
    // Relative where the result is large, absolute near zero.
    sigErr = std::max(sigErr, std::fabs(sig[i] - s) / std::max(s, 1e-3));
    tanhErr = std::max(tanhErr, std::fabs(th[i] - std::tanh(x)));
    double e = x > 0 ? x : 1.5 * std::expm1(x);
    eluErr = std::max(eluErr, std::fabs(elu[i] - e) / std::max(std::fabs(e), 1.0));
    siluErr = std::max(siluErr,
                       std::fabs(si[i] - x * s) / std::max(std::fabs(x * s), 1.0));
  }
  CHECK(sigErr < 5e-7);
  CHECK(tanhErr < 5e-7);
  CHECK(eluErr < 5e-7);
  CHECK(siluErr < 5e-7);
  // Saturation is exact, and NaN propagates.
  std::vector<float> big = {200.0f, -200.0f, 0.0f, std::nanf(""), 30.0f,
                            -30.0f, 1e-30f, -1e-30f};
  auto s2 = lanes(big, [](Vec<V> x) { return actSigmoid<V>(x); });
  auto t2 = lanes(big, [](Vec<V> x) { return actTanh<V>(x); });
  CHECK(s2[0] == 1.0f);
  CHECK(s2[1] == 0.0f);
  CHECK(s2[2] == 0.5f);
  CHECK(std::isnan(s2[3]));
  CHECK(t2[4] == 1.0f);
  CHECK(t2[5] == -1.0f);
  CHECK(t2[2] == 0.0f);
  CHECK(std::isnan(t2[3]));
}

TEST_CASE("vector softplus, log_sigmoid, mish, gelu against double") {
  std::vector<float> xs = grid(-100, 100, 0.00113);
  auto sp = lanes(xs, [](Vec<V> x) { return actSoftplus<V>(x); });
  auto ls = lanes(xs, [](Vec<V> x) { return actLogSigmoid<V>(x); });
  auto mi = lanes(xs, [](Vec<V> x) { return actMish<V>(x); });
  auto ge = lanes(xs, [](Vec<V> x) { return actGelu<V>(x); });
  double spErr = 0, lsErr = 0, miErr = 0, geErr = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    double x = xs[i];
    double s = std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x)));
    double l = std::min(x, 0.0) - std::log1p(std::exp(-std::fabs(x)));
    double m = x * std::tanh(s);
    double g = 0.5 * x * std::erfc(-x / std::sqrt(2.0));
    // Relative wherever the result is a normal float, the tails included
    // (softplus ~ exp(x), mish ~ x exp(x), gelu ~ x Phi(x) for x << 0).
    auto rel = [](double got, double want) {
      if (std::fabs(want) < 1e-35) // near the denormals: absolute
        return std::fabs(got - want) < 1e-35 ? 0.0 : 1.0;
      return std::fabs(got - want) / std::fabs(want);
    };
    spErr = std::max(spErr, rel(sp[i], s));
    lsErr = std::max(lsErr, rel(ls[i], l));
    miErr = std::max(miErr, rel(mi[i], m));
    if (x > -12) // below, x Phi(x) nears the denormals
      geErr = std::max(geErr, rel(ge[i], g));
  }
  INFO("worst relative errors: softplus ", spErr, ", log_sigmoid ", lsErr,
       ", mish ", miErr, ", gelu ", geErr);
  CHECK(spErr < 1e-6);
  CHECK(lsErr < 1e-6);
  CHECK(miErr < 1e-6);
  CHECK(geErr < 1e-6);
  // Limits and NaN.
  std::vector<float> sp2 = {0.0f, 200.0f, -200.0f, std::nanf(""), 20.0f,
                            25.0f, -1e-30f, 1e-30f};
  auto m2 = lanes(sp2, [](Vec<V> x) { return actMish<V>(x); });
  auto s2 = lanes(sp2, [](Vec<V> x) { return actSoftplus<V>(x); });
  auto g2 = lanes(sp2, [](Vec<V> x) { return actGelu<V>(x); });
  CHECK(m2[0] == 0.0f);
  CHECK(m2[1] == 200.0f);
  CHECK(m2[2] == 0.0f);
  CHECK(std::isnan(m2[3]));
  CHECK(m2[5] == 25.0f);
  CHECK(s2[0] == doctest::Approx(std::log(2.0)).epsilon(1e-6));
  CHECK(s2[1] == 200.0f);
  CHECK(s2[2] == 0.0f);
  CHECK(std::isnan(s2[3]));
  CHECK(g2[0] == 0.0f);
  CHECK(g2[1] == 200.0f);
  CHECK(std::isnan(g2[3]));
}

TEST_CASE("vector erf against double") {
  std::vector<float> xs = grid(-8, 8, 0.000113);
  auto er = lanes(xs, [](Vec<V> x) { return actErf<V>(x); });
  double worst = 0, worstAbs = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    double want = std::erf(double(xs[i]));
    if (want == 0) {
      CHECK(er[i] == 0.0f);
      continue;
    }
    worst = std::max(worst, std::fabs(er[i] - want) / std::fabs(want));
    worstAbs = std::max(worstAbs, std::fabs(er[i] - want));
  }
  INFO("worst relative error ", worst, ", absolute ", worstAbs);
  // Relative everywhere, near 0 included (the series: no 1 - erfc there).
  CHECK(worst < 5e-7); // 4 ulp
  std::vector<float> special = {0.0f,  1e-30f, -1e-30f, std::nanf(""),
                                1e30f, -1e30f, 5.0f,    -0.4999f};
  auto s = lanes(special, [](Vec<V> x) { return actErf<V>(x); });
  CHECK(s[0] == 0.0f);
  CHECK(s[1] == doctest::Approx(1.1283791670955126e-30).epsilon(1e-6));
  CHECK(s[2] == doctest::Approx(-1.1283791670955126e-30).epsilon(1e-6));
  CHECK(std::isnan(s[3]));
  CHECK(s[4] == 1.0f);
  CHECK(s[5] == -1.0f);
  CHECK(s[6] == 1.0f);
  CHECK(s[7] == doctest::Approx(std::erf(-0.4999)).epsilon(1e-7));
}

//===--- One list of activations ------------------------------------------===//
// compiler/Activations.def numbers the activations; every backend's kernels
// must compute each. Their dispatching switches take an integer kind, so
// the compilers cannot flag a missing case: this reads the sources.

namespace {

const std::vector<std::string> &allKinds() {
  static const std::vector<std::string> kinds = {
#define CNNC_ACTIVATION(Id) "kAct" #Id,
#include "compiler/Activations.def"
  };
  return kinds;
}

std::string readSource(const std::string &relative) {
  std::ifstream in(std::string(CNNC_COMPILER_DIR) + "/" + relative);
  REQUIRE_MESSAGE(in.good(), "cannot read compiler/" << relative);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// The `case kActX:` labels of the first switch after `anchor` in `text`
/// (to its matching closing brace).
std::set<std::string> caseLabels(const std::string &text,
                                 const std::string &anchor) {
  size_t at = text.find(anchor);
  REQUIRE_MESSAGE(at != std::string::npos, "no '" << anchor << "'");
  size_t sw = text.find("switch (", at);
  size_t open = text.find('{', sw);
  REQUIRE(open != std::string::npos);
  int depth = 0;
  size_t end = open;
  for (; end < text.size(); ++end) {
    depth += text[end] == '{' ? 1 : text[end] == '}' ? -1 : 0;
    if (depth == 0)
      break;
  }
  std::set<std::string> labels;
  std::string body = text.substr(open, end - open);
  for (size_t p = body.find("case kAct"); p != std::string::npos;
       p = body.find("case kAct", p + 1)) {
    size_t colon = body.find(':', p);
    labels.insert(body.substr(p + 5, colon - p - 5));
  }
  return labels;
}

std::set<std::string> kindSet() {
  return {allKinds().begin(), allKinds().end()};
}

} // namespace

TEST_CASE("every backend's activation switch has a case for each kind") {
  std::string cpu = readSource("cpu/kernels/Activation.h");
  std::string cuda = readSource("cuda/kernels/prelude.cuh");
  CHECK(caseLabels(cpu, "CNNK_INLINE float activate(const ActParams &a, "
                        "float x)") == kindSet());
  CHECK(caseLabels(cpu, "template <int V> CNNK_INLINE Vec<V> activate(") ==
        kindSet());
  CHECK(caseLabels(cuda, "float activate(int kind, float x") == kindSet());
  // The vector kernels split the kinds: a few instructions, or through
  // vexp; every kind is in exactly one group.
  std::set<std::string> cheap = caseLabels(cpu, "bool actIsCheap(");
  std::set<std::string> viaExp = caseLabels(cpu, "cnnkInlineInClone_actExp(");
  std::set<std::string> both;
  for (const std::string &k : cheap)
    CHECK_MESSAGE(!viaExp.count(k), k << " is cheap and through vexp");
  both.insert(cheap.begin(), cheap.end());
  both.insert(viaExp.begin(), viaExp.end());
  CHECK(both == kindSet());
}

TEST_CASE("the CUDA prelude numbers the activations as Activations.def") {
  std::string cuda = readSource("cuda/kernels/prelude.cuh");
  size_t at = cuda.find("enum ActKind {");
  REQUIRE(at != std::string::npos);
  std::string body = cuda.substr(at, cuda.find("};", at) - at);
  std::vector<std::string> names;
  for (size_t p = body.find("kAct"); p != std::string::npos;
       p = body.find("kAct", p + 1)) {
    size_t e = p;
    while (e < body.size() && (std::isalnum(uint8_t(body[e])) || body[e] == '_'))
      ++e;
    names.push_back(body.substr(p, e - p));
  }
  CHECK(names == allKinds());
  CHECK(body.find("kActNone = 0") != std::string::npos);
  // The numbering the kernels embed is the neutral one.
  CHECK(int64_t(kActErf) == int64_t(allKinds().size()) - 1);
}
