//===- NetworksTest.cpp - Whole samples against torchvision ---------------===//
//
// Oracle: torchvision's model in float64 with the very weights the sample's
// random(seed) consts generate, on randomInputs(seed 0)
// (tests/networks/gen_networks.py writes the expected output). This checks the reference interpreter and
// that each sample is the network it claims to be, layer for layer.
//
//===----------------------------------------------------------------------===//
#include "TestUtil.h"
#include "ir/Interpreter.h"
#include "ir/Npy.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

using namespace cnnc;
using namespace cnnc::test;

namespace {
void checkNetwork(const std::string &name) {
  DiagEngine diag;
  diag.setPrintImmediately(false);
  std::string text;
  std::string path = std::string(CNNC_SAMPLES_DIR) + "/" + name + ".ir";
  REQUIRE(readFile(path, text, diag));
  std::unique_ptr<Graph> g = build(text, diag, path);
  REQUIRE_MESSAGE(g, messages(diag));
  std::string base = std::string(CNNC_NETWORKS_DIR) + "/" + name;
  std::optional<Tensor> expected = readNpy(base + ".expected.npy", diag);
  REQUIRE_MESSAGE(expected, messages(diag));
  // The generator computed the expectation on these very inputs.
  std::vector<Tensor> inputs = randomInputs(*g, 0);
  std::optional<std::vector<Tensor>> out = interpret(*g, inputs, diag);
  REQUIRE_MESSAGE(out, messages(diag));
  const Tensor &y = (*out)[0];
  REQUIRE(y.shape == expected->shape);
  // Tolerance relative to the output's scale: both sides use the same f32
  // weights; the interpreter rounds each layer's result to f32.
  float scale = 0;
  for (float e : expected->data)
    scale = std::max(scale, std::abs(e));
  double tol = 1e-4 * double(scale) + 1e-6;
  int64_t bad = 0, worst = -1;
  double worstErr = 0;
  for (int64_t i = 0; i < y.size(); ++i) {
    double err = std::abs(double(y.data[size_t(i)]) -
                          double(expected->data[size_t(i)]));
    if (!(err <= tol))
      ++bad;
    if (!(err <= worstErr)) {
      worstErr = err;
      worst = i;
    }
  }
  INFO(name, ": worst index ", worst, " actual ",
       worst >= 0 ? y.data[size_t(worst)] : 0.0f, " expected ",
       worst >= 0 ? expected->data[size_t(worst)] : 0.0f, " (tolerance ", tol,
       ")");
  CHECK(bad == 0);
}
} // namespace

TEST_CASE("alexnet matches torchvision") { checkNetwork("alexnet"); }
TEST_CASE("resnet18 matches torchvision") { checkNetwork("resnet18"); }
TEST_CASE("mobilenet_v2 matches torchvision") { checkNetwork("mobilenet_v2"); }
TEST_CASE("vgg16 matches torchvision") { checkNetwork("vgg16"); }
