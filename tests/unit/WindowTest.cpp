//===- WindowTest.cpp - Output-size arithmetic of convs and pools ---------===//
//
// The classic worked examples, checked through the parser and shape
// inference as a user meets them. Expected values are hand computed with
// out = floor((n + pb + pe - d*(k-1) - 1)/s) + 1.
//
//===----------------------------------------------------------------------===//
#include "TestUtil.h"
#include "ir/Summary.h"

#include <doctest/doctest.h>

using namespace cnnc;
using namespace cnnc::test;

namespace {
/// Builds a one-conv graph and returns its output shape (empty on error).
Shape convShape(const std::string &input, const std::string &weight,
                const std::string &attrs, DiagEngine &diag,
                int64_t *params = nullptr) {
  std::string text = "graph g {\n  input %x : f32" + input +
                     "\n  %w = const random(1) : f32" + weight +
                     "\n  %y = conv(%x, %w) " + attrs + "\n  output %y\n}\n";
  std::unique_ptr<Graph> g = build(text, diag);
  if (!g)
    return {};
  if (params)
    *params = computeStats(*g).params;
  return g->outputs()[0]->type().shape;
}
} // namespace

TEST_CASE("32x32x3 input, ten 5x5 filters, stride 1, pad 2: 32x32x10 and "
          "760 parameters") {
  DiagEngine diag;
  std::string text = R"(graph g {
  input %x : f32[1,3,32,32]
  %w = const random(1) : f32[10,3,5,5]
  %b = const random(2) : f32[10]
  %y = conv(%x, %w, %b) {stride=[1,1], pads=[2,2,2,2]}
  output %y
})";
  std::unique_ptr<Graph> g = build(text, diag);
  REQUIRE_MESSAGE(g, messages(diag));
  CHECK(g->outputs()[0]->type().shape == Shape{1, 10, 32, 32});
  CHECK(computeStats(*g).params == 760); // 10*3*5*5 + 10
}

TEST_CASE("AlexNet conv1 on 227x227x3 gives 55x55x96 (34,944 parameters), "
          "pool1 27x27x96") {
  DiagEngine diag;
  std::string text = R"(graph g {
  input %x : f32[1,3,227,227]
  %w = const random(1) : f32[96,3,11,11]
  %b = const random(2) : f32[96]
  %c = conv(%x, %w, %b) {stride=[4,4]}
  %p = max_pool(%c) {kernel=[3,3], stride=[2,2]}
  output %c, %p
})";
  std::unique_ptr<Graph> g = build(text, diag);
  REQUIRE_MESSAGE(g, messages(diag));
  CHECK(g->outputs()[0]->type().shape == Shape{1, 96, 55, 55});
  CHECK(g->outputs()[1]->type().shape == Shape{1, 96, 27, 27});
  CHECK(computeStats(*g).params == 34944); // 96*3*11*11 + 96
}

TEST_CASE("11x11 input, 3x3 kernel, pad 1, stride 2, dilation 2 gives 5x5 "
          "(not the 4x4 of the d*k-1 formula)") {
  DiagEngine diag;
  Shape s = convShape("[1,1,11,11]", "[1,1,3,3]",
                      "{stride=[2,2], pads=[1,1,1,1], dilation=[2,2]}", diag);
  CHECK_MESSAGE((s == Shape{1, 1, 5, 5}), messages(diag));
}

TEST_CASE("5x5x3 input, five 3x3 filters, pad 1, stride 2 gives 3x3x5") {
  DiagEngine diag;
  Shape s = convShape("[1,3,5,5]", "[5,3,3,3]",
                      "{stride=[2,2], pads=[1,1,1,1]}", diag);
  CHECK_MESSAGE((s == Shape{1, 5, 3, 3}), messages(diag));
}

TEST_CASE("7x7 input, 3x3 kernel, stride 3 gives 2x2 with a warning") {
  DiagEngine diag;
  Shape s = convShape("[1,1,7,7]", "[1,1,3,3]", "{stride=[3,3]}", diag);
  CHECK_MESSAGE((s == Shape{1, 1, 2, 2}), messages(diag));
  CHECK(!diag.hasErrors());
  REQUIRE(diag.diagnostics().size() >= 1);
  CHECK(diag.diagnostics()[0].severity == Severity::Warning);
  CHECK(contains(messages(diag), "unused"));
  CHECK(contains(messages(diag), "test.ir:4:"));
}

TEST_CASE("a stride that uses every input gives no warning") {
  DiagEngine diag;
  Shape s = convShape("[1,1,7,7]", "[1,1,3,3]", "{stride=[2,2]}", diag);
  CHECK(s == Shape{1, 1, 3, 3});
  CHECK(diag.diagnostics().empty());
}

TEST_CASE("asymmetric pads, auto_pad and 1D/3D windows") {
  DiagEngine diag;
  // (10 + 1 + 2 - 3)/1 + 1 = 11 rows; (10 + 0 + 0 - 3)/1 + 1 = 8 columns.
  CHECK(convShape("[1,1,10,10]", "[1,1,3,3]", "{pads=[1,0,2,0]}", diag) ==
        Shape{1, 1, 11, 8});
  // same_upper keeps ceil(n/s): ceil(10/3) = 4.
  CHECK(convShape("[1,1,10,10]", "[1,1,3,3]",
                  "{stride=[3,3], auto_pad=same_upper}", diag) ==
        Shape{1, 1, 4, 4});
  // valid: (10 - 3)/3 + 1 = 3.
  CHECK(convShape("[1,1,10,10]", "[1,1,3,3]", "{stride=[3,3], auto_pad=valid}",
                  diag) == Shape{1, 1, 3, 3});
  // 1D: (100 + 0 - 2*(5-1) - 1)/2 + 1 = 46.
  CHECK(convShape("[1,2,100]", "[4,2,5]", "{stride=[2], dilation=[2]}",
                  diag) == Shape{1, 4, 46});
  // 3D with asymmetric pads per axis.
  CHECK(convShape("[1,1,8,9,10]", "[2,1,3,3,3]", "{pads=[0,1,2,0,1,2]}",
                  diag) == Shape{1, 2, 6, 9, 12});
  CHECK_MESSAGE(!diag.hasErrors(), messages(diag));
}

TEST_CASE("ceil_mode adds a window only when it starts inside the input or "
          "the left pad") {
  DiagEngine diag;
  auto pool = [&](int64_t n, const std::string &attrs) -> int64_t {
    std::string text = "graph g {\n  input %x : f32[1,1," + std::to_string(n) +
                       "]\n  %y = max_pool(%x) " + attrs +
                       "\n  output %y\n}\n";
    std::unique_ptr<Graph> g = build(text, diag);
    return g ? g->outputs()[0]->type().shape[2] : -1;
  };
  // floor((5-2)/2)+1 = 2; ceil gives 3 (the last window starts at 4 < 5).
  CHECK(pool(5, "{kernel=[2], stride=[2]}") == 2);
  CHECK(pool(5, "{kernel=[2], stride=[2], ceil_mode=1}") == 3);
  // n=4, k=2, s=2, pad 1 both sides: floor(4/2)+1 = 3; ceil((6-2)/2)+1 = 3.
  CHECK(pool(4, "{kernel=[2], stride=[2], pads=[1,1], ceil_mode=1}") == 3);
  // n=6, k=3, s=2, pad 1,1: span 5, ceil(5/2)+1 = 4, but the 4th window
  // would start at 6 >= n + pb = 7? no: starts at 6 < 7, kept.
  CHECK(pool(6, "{kernel=[3], stride=[2], pads=[1,1], ceil_mode=1}") == 4);
  // n=5, k=2, s=3, pad 0,1: span 4, ceil(4/3)+1 = 3, the 3rd window starts
  // at 6 >= n + pb = 5: dropped, so 2.
  CHECK(pool(5, "{kernel=[2], stride=[3], pads=[0,1], ceil_mode=1}") == 2);
  CHECK_MESSAGE(!diag.hasErrors(), messages(diag));
}

TEST_CASE("a window larger than the padded input is an error at the node") {
  DiagEngine diag;
  Shape s = convShape("[1,1,4,4]", "[1,1,5,5]", "", diag);
  CHECK(s.empty());
  CHECK(contains(messages(diag), "test.ir:4:8: error: conv window "
                                 "(effective size 5) is larger than the "
                                 "padded input (4)"));
}
