//===- SamplesTest.cpp - The bundled sample networks ----------------------===//
//
// Every network under samples/ parses, verifies and infers shapes, and has
// the parameter count its source publishes (torchvision's
// sum(p.numel() for p in model.parameters()), or the count in the file's
// header for the networks that are not in torchvision) and the expected
// output shape. The small samples and AlexNet-2012 also run in the
// reference interpreter (the torchvision ones run in NetworksTest.cpp).
//
//===----------------------------------------------------------------------===//
#include "ir/Graph.h"
#include "ir/Interpreter.h"
#include "ir/Parser.h"
#include "ir/ShapeInference.h"
#include "ir/Summary.h"
#include "ir/Verifier.h"

#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <string>
#include <string_view>

using namespace cnnc;

namespace {

/// The diagnostics reported so far, one per line.
std::string diagnosticsText(const DiagEngine &diag) {
  std::string s;
  for (const Diagnostic &d : diag.diagnostics())
    s += DiagEngine::format(d) + "\n";
  return s;
}

/// A sample loaded, verified and shape-inferred. The diagnostics engine
/// owns the file names the graph's locations point to, so it lives as long
/// as the graph. Diagnostics are shown only when a check fails.
struct Sample {
  DiagEngine diag;
  std::unique_ptr<Graph> graph;
  GraphStats stats;

  explicit Sample(std::string_view name) {
    std::string path =
        std::string(CNNC_SAMPLES_DIR "/") + std::string(name) + ".ir";
    diag.setPrintImmediately(false);
    INFO("sample: ", path);
    INFO(diagnosticsText(diag));
    graph = parseGraphFile(path, diag);
    REQUIRE(graph);
    REQUIRE(verifyGraph(*graph, diag));
    REQUIRE(inferShapes(*graph, diag));
    CHECK(diag.errorCount() == 0);
    stats = computeStats(*graph);
  }

  /// The value named `name` (a graph input or a node result).
  const Value *value(std::string_view name) const {
    for (const Value *in : graph->inputs())
      if (in->name() == name)
        return in;
    for (const auto &n : graph->nodes())
      for (const Value *r : n->results())
        if (r->name() == name)
          return r;
    FAIL("no value %", std::string(name));
    return nullptr;
  }

  Shape shape(std::string_view name) const { return value(name)->type().shape; }

  /// The statistics of the node whose first result is `name`.
  const LayerStats &layer(std::string_view name) const {
    for (const LayerStats &l : stats.layers)
      if (l.node->name() == name)
        return l;
    FAIL("no layer %", std::string(name));
    return stats.layers.front();
  }

  Shape outputShape() const {
    REQUIRE(graph->outputs().size() == 1);
    return graph->outputs()[0]->type().shape;
  }

  /// Runs the reference interpreter on seeded random inputs and checks the
  /// output is finite and not constant (random weights at sane scales).
  void checkInterpretedOutput() {
    INFO(diagnosticsText(diag));
    auto outs = interpret(*graph, randomInputs(*graph, 0), diag);
    REQUIRE(outs);
    REQUIRE(outs->size() == 1);
    const Tensor &y = (*outs)[0];
    CHECK(y.shape == outputShape());
    bool finite = true, varies = false;
    for (float v : y.data) {
      finite = finite && std::isfinite(v);
      varies = varies || v != y.data[0];
    }
    CHECK(finite);
    CHECK(varies);
  }
};

} // namespace

TEST_CASE("sample lenet5") {
  Sample s("lenet5");
  CHECK(s.stats.params == 61'706);
  CHECK(s.stats.buffers == 0);
  CHECK(s.shape("conv1") == Shape{1, 6, 28, 28});
  CHECK(s.shape("pool2") == Shape{1, 16, 5, 5});
  CHECK(s.outputShape() == Shape{1, 10});
  s.checkInterpretedOutput();
}

TEST_CASE("sample alexnet (torchvision)") {
  Sample s("alexnet");
  CHECK(s.stats.params == 61'100'840);
  CHECK(s.shape("features.0") == Shape{1, 64, 55, 55});
  CHECK(s.shape("features.12") == Shape{1, 256, 6, 6});
  CHECK(s.outputShape() == Shape{1, 1000});
}

TEST_CASE("sample alexnet2012 (the paper's single-tower form)") {
  Sample s("alexnet2012");
  CHECK(s.stats.params == 62'378'344);
  CHECK(s.shape("x") == Shape{1, 3, 227, 227});
  CHECK(s.shape("conv1") == Shape{1, 96, 55, 55});
  CHECK(s.layer("conv1").params == 34'944);
  CHECK(s.shape("pool1") == Shape{1, 96, 27, 27});
  CHECK(s.shape("pool2") == Shape{1, 256, 13, 13});
  CHECK(s.shape("pool5") == Shape{1, 256, 6, 6});
  CHECK(s.outputShape() == Shape{1, 1000});
}

TEST_CASE("sample vgg16") {
  Sample s("vgg16");
  CHECK(s.stats.params == 138'357'544);
  CHECK(s.shape("features.30") == Shape{1, 512, 7, 7});
  CHECK(s.outputShape() == Shape{1, 1000});
}

TEST_CASE("sample resnet18") {
  Sample s("resnet18");
  CHECK(s.stats.params == 11'689'512);
  CHECK(s.stats.buffers == 9'600); // batch-norm running mean and variance
  CHECK(s.shape("maxpool") == Shape{1, 64, 56, 56});
  CHECK(s.shape("layer2.0.downsample.1") == Shape{1, 128, 28, 28});
  CHECK(s.shape("layer4.1") == Shape{1, 512, 7, 7});
  CHECK(s.outputShape() == Shape{1, 1000});
}

TEST_CASE("sample mobilenet_v2") {
  Sample s("mobilenet_v2");
  CHECK(s.stats.params == 3'504'872);
  CHECK(s.stats.buffers == 34'112); // batch-norm running mean and variance
  CHECK(s.shape("features.0.2") == Shape{1, 32, 112, 112});
  CHECK(s.shape("features.18.2") == Shape{1, 1280, 7, 7});
  // A depthwise conv: one 3x3 filter per channel.
  CHECK(s.layer("features.2.conv.1.0").params == 96 * 3 * 3);
  CHECK(s.outputShape() == Shape{1, 1000});
}

TEST_CASE("sample signal1d") {
  Sample s("signal1d");
  CHECK(s.stats.params == 9'578);
  CHECK(s.stats.buffers == 64);
  CHECK(s.shape("conv2") == Shape{1, 32, 128});
  CHECK(s.shape("pool") == Shape{1, 64, 1});
  CHECK(s.outputShape() == Shape{1, 10});
  s.checkInterpretedOutput();
}

TEST_CASE("sample volume3d") {
  Sample s("volume3d");
  CHECK(s.stats.params == 8'666);
  CHECK(s.shape("pool2") == Shape{1, 16, 4, 8, 8});
  CHECK(s.shape("conv3") == Shape{1, 32, 4, 4, 4});
  CHECK(s.outputShape() == Shape{1, 10});
  s.checkInterpretedOutput();
}

// AlexNet-2012 has no torchvision twin, so only its output's sanity is
// checked here; alexnet, resnet18, mobilenet_v2 and vgg16 run in
// NetworksTest.cpp against torchvision's own output.
TEST_CASE("interpret alexnet2012") {
  Sample("alexnet2012").checkInterpretedOutput();
}
