//===- IoTest.cpp - Weights files, .npy files, random init, printing ------===//
#include "TestUtil.h"
#include "ir/GraphFiles.h"
#include "ir/Interpreter.h"
#include "ir/Npy.h"
#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Safetensors.h"
#include "ir/ShapeInference.h"
#include "ir/Weights.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

using namespace cnnc;
using namespace cnnc::test;

namespace {
std::string tempPath(const std::string &name) {
  return (std::filesystem::temp_directory_path() /
          ("cnnc-unit-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

/// A safetensors file with the given header JSON and `dataBytes` zero bytes.
std::string safetensorsBytes(const std::string &json, size_t dataBytes) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i)
    s[size_t(i)] = char((json.size() >> (8 * i)) & 0xff);
  return s + json + std::string(dataBytes, '\0');
}

std::string openError(const std::string &bytes) {
  std::string path = tempPath("bad.safetensors");
  writeBytes(path, bytes);
  DiagEngine diag;
  diag.setPrintImmediately(false);
  auto f = SafetensorsFile::open(path, diag, SourceLoc{});
  std::filesystem::remove(path);
  return f ? std::string() : messages(diag);
}
} // namespace

TEST_CASE("safetensors: write then read gives the same tensors") {
  Tensor a({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b({4}, {-0.5f, 0.25f, 1e-8f, 3e8f});
  std::string path = tempPath("rt.safetensors");
  DiagEngine diag;
  REQUIRE(writeSafetensors(path, {{"a", &a}, {"b.w", &b}}, diag));
  auto f = SafetensorsFile::open(path, diag, SourceLoc{});
  REQUIRE(f);
  CHECK(f->entries().size() == 2);
  std::optional<Tensor> ra = f->read("a", diag, SourceLoc{});
  std::optional<Tensor> rb = f->read("b.w", diag, SourceLoc{});
  REQUIRE(ra);
  REQUIRE(rb);
  CHECK(ra->shape == a.shape);
  CHECK(ra->data == a.data);
  CHECK(rb->data == b.data);
  std::filesystem::remove(path);
}

TEST_CASE("safetensors: bad headers are reported, not crashed on") {
  CHECK(contains(openError("abc"), "file is 3 bytes, expected at least 8"));
  CHECK(contains(openError(safetensorsBytes("{", 0)),
                 "header is not a JSON object"));
  // Header length larger than the file.
  std::string big(8, '\0');
  big[0] = char(0xff);
  big[1] = char(0xff);
  CHECK(contains(openError(big + "{}"), "exceeds the file"));
  CHECK(contains(openError(safetensorsBytes(
                     R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                     4)),
                 "outside the 4 data bytes"));
  CHECK(contains(openError(safetensorsBytes(
                     R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
                     8)),
                 "has 8 data bytes, expected 12"));
  CHECK(contains(openError(safetensorsBytes(
                     R"({"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}})",
                     8)),
                 "unknown dtype 'Q4'"));
  CHECK(contains(openError(safetensorsBytes(
                     R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})",
                     8)),
                 "non-negative"));
  CHECK(contains(
      openError(safetensorsBytes(
          R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
          12)),
      "overlap"));
}

TEST_CASE("npy: write then read; bad files are reported") {
  Tensor t({2, 1, 3}, {0, 1, 2, 3, 4, 5.5f});
  std::string path = tempPath("t.npy");
  DiagEngine diag;
  diag.setPrintImmediately(false);
  REQUIRE(writeNpy(path, t, diag));
  std::optional<Tensor> r = readNpy(path, diag);
  REQUIRE(r);
  CHECK(r->shape == t.shape);
  CHECK(r->data == t.data);
  writeBytes(path, "not numpy at all");
  CHECK(!readNpy(path, diag));
  CHECK(contains(messages(diag), "missing the \\x93NUMPY magic"));
  std::filesystem::remove(path);
}

TEST_CASE("random(seed) is deterministic, in range and seed-dependent") {
  CHECK(randomUniform01(7, 123) == randomUniform01(7, 123));
  CHECK(randomUniform01(7, 123) != randomUniform01(8, 123));
  double sum = 0;
  for (uint64_t i = 0; i < 10000; ++i) {
    float v = randomUniform01(3, i);
    REQUIRE(v >= 0.0f);
    REQUIRE(v < 1.0f);
    sum += v;
  }
  CHECK(std::abs(sum / 10000 - 0.5) < 0.01);
  // Default range: +-1/sqrt(fan_in); fan_in of [8,4,3,3] is 36.
  auto [lo, hi] = randomRange(RandomInit{1, false, 0, 0}, {8, 4, 3, 3});
  CHECK(lo == doctest::Approx(-1.0 / 6));
  CHECK(hi == doctest::Approx(1.0 / 6));
}

TEST_CASE("printing a parsed graph and parsing it again is the identity") {
  std::string text = R"(# a comment
graph g {
  input %x : f32[1,2,5,5]
  %w = const random(3, -0.5, 0.25) : f32[4,2,3,3]
  %b = const [1, -2.5, 0.125, 1e-07] : f32[4]
  %c = conv(%x, %w, %b) {stride=[2,2], pads=[1,1,1,1]}
  output %c
})";
  DiagEngine diag;
  std::unique_ptr<Graph> g = build(text, diag);
  REQUIRE_MESSAGE(g, messages(diag));
  std::string once = printGraph(*g);
  CHECK(contains(once, "%c = conv(%x, %w, %b) {stride=[2,2], "
                       "pads=[1,1,1,1]} : f32[1,4,3,3]"));
  std::unique_ptr<Graph> g2 = build(once, diag);
  REQUIRE_MESSAGE(g2, messages(diag));
  CHECK(printGraph(*g2) == once);
}

TEST_CASE("interpreter: the classic cross-correlation example") {
  // [[1,2,3],[4,5,6],[7,8,9]] (*) [[10,20],[30,40]] = [[370,470],[670,770]]
  std::string text = R"(graph g {
  input %x : f32[1,1,3,3]
  %w = const [10, 20, 30, 40] : f32[1,1,2,2]
  %y = conv(%x, %w)
  output %y
})";
  DiagEngine diag;
  std::unique_ptr<Graph> g = build(text, diag);
  REQUIRE_MESSAGE(g, messages(diag));
  Tensor x({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  std::optional<std::vector<Tensor>> out = interpret(*g, {&x, 1}, diag);
  REQUIRE(out);
  CHECK((*out)[0].shape == Shape{1, 1, 2, 2});
  CHECK((*out)[0].data == std::vector<float>{370, 470, 670, 770});
}

TEST_CASE("interpreter: 2x2/2 max and average pooling") {
  std::string text = R"(graph g {
  input %x : f32[1,1,4,4]
  %m = max_pool(%x) {kernel=[2,2], stride=[2,2]}
  %a = avg_pool(%x) {kernel=[2,2], stride=[2,2]}
  output %m, %a
})";
  DiagEngine diag;
  std::unique_ptr<Graph> g = build(text, diag);
  REQUIRE_MESSAGE(g, messages(diag));
  Tensor x({1, 1, 4, 4}, {1, 2, 1, 0, 5, 0, 0, 3, 8, 0, 0, 5, 0, 2, 2, 0});
  std::optional<std::vector<Tensor>> out = interpret(*g, {&x, 1}, diag);
  REQUIRE(out);
  CHECK((*out)[0].data == std::vector<float>{5, 3, 8, 5});
  // The last is (0+5+2+0)/4 = 1.75 (some course notes print 1.4).
  CHECK((*out)[1].data == std::vector<float>{2, 1, 2.5, 1.75});
}

TEST_CASE("interpreter: wrong input count and shape are reported") {
  std::string text = R"(graph g {
  input %x : f32[2,2]
  %y = relu(%x)
  output %y
})";
  DiagEngine diag;
  std::unique_ptr<Graph> g = build(text, diag);
  REQUIRE(g);
  CHECK(!interpret(*g, {}, diag));
  CHECK(contains(messages(diag), "has 1 input, given 0"));
  Tensor bad({3});
  CHECK(!interpret(*g, {&bad, 1}, diag));
  CHECK(contains(messages(diag), "input '%x' expects shape [2,2], given [3]"));
}

TEST_CASE("a graph with in-memory weights is written as IR plus safetensors") {
  // y = x * w with w held in memory (as an importer makes it), then the
  // whole graph written and read back: the same IR, the same output.
  DiagEngine diag;
  std::unique_ptr<Graph> g = parseGraph(
      "graph held {\n  input %x : f32[2,2]\n  %w = const [0, 0, 0, 0] : "
      "f32[2,2]\n  %y = mul(%x, %w)\n  output %y\n}\n",
      "held.ir", diag);
  REQUIRE(g);
  Node *w = g->nodes()[0].get();
  auto data = std::make_shared<Tensor>(Shape{2, 2},
                                       std::vector<float>{1.5f, -2, 3, 0.25f});
  w->setConstSource(HeldData{data, "w.weight"});
  CHECK(hasHeldData(*g));
  std::string ir = tempPath("held.ir");
  std::string st = tempPath("held.safetensors");
  REQUIRE(writeGraphFiles(*g, ir, diag));
  CHECK_FALSE(hasHeldData(*g));
  std::unique_ptr<Graph> back = parseGraphFile(ir, diag);
  REQUIRE(back);
  std::string weightsLine = "weights \"" +
                            std::filesystem::path(st).filename().string() +
                            "\"";
  CHECK(printGraph(*back).find(weightsLine) != std::string::npos);
  CHECK(printGraph(*back).find("file(\"w.weight\")") != std::string::npos);
  REQUIRE(inferShapes(*back, diag));
  std::vector<Tensor> x = {Tensor({2, 2}, {2, 2, 2, 2})};
  std::optional<std::vector<Tensor>> y = interpret(*back, x, diag);
  REQUIRE(y);
  CHECK((*y)[0].data == std::vector<float>{3, -4, 6, 0.5f});
  std::filesystem::remove(ir);
  std::filesystem::remove(st);
}
