//===- ModelFileTest.cpp - The lean parse of ONNX model files -------------===//
//
// parseLean (compiler/onnx/ModelFile.h) against protobuf's own parse of the
// same bytes: the model it returns plus the raw_data it left in the bytes
// is the model protobuf reads, and every input it does not fully
// understand is handed back to the plain parse.
//
//===----------------------------------------------------------------------===//
#include "compiler/onnx/ModelFile.h"

#include <doctest/doctest.h>

#include <string>

using cnnc::onnx::LeanModel;
using cnnc::onnx::parseLean;

namespace {

/// A model with three initialisers: large raw data, small raw data and
/// float_data, then a node and an output after the graph's initialisers.
::onnx::ModelProto sampleModel(size_t largeBytes) {
  ::onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  m.set_producer_name("test");
  ::onnx::GraphProto *g = m.mutable_graph();
  g->set_name("g");
  ::onnx::TensorProto *big = g->add_initializer();
  big->set_name("big");
  big->set_data_type(::onnx::TensorProto::FLOAT);
  big->add_dims(int64_t(largeBytes / 4));
  std::string bytes(largeBytes, '\0');
  for (size_t i = 0; i < largeBytes; ++i)
    bytes[i] = char(i * 7 + 3);
  big->set_raw_data(bytes);
  ::onnx::TensorProto *small = g->add_initializer();
  small->set_name("small");
  small->set_data_type(::onnx::TensorProto::FLOAT);
  small->add_dims(2);
  small->set_raw_data(std::string("\0\0\x80\x3f\0\0\0\x40", 8));
  ::onnx::TensorProto *typed = g->add_initializer();
  typed->set_name("typed");
  typed->set_data_type(::onnx::TensorProto::FLOAT);
  typed->add_dims(1);
  typed->add_float_data(2.5f);
  ::onnx::NodeProto *n = g->add_node();
  n->set_op_type("Relu");
  n->add_input("big");
  n->add_output("y");
  g->add_output()->set_name("y");
  m.set_doc_string("after the graph");
  return m;
}

/// A length-delimited field `number` holding `payload` (lengths < 2^14).
std::string field(int number, const std::string &payload) {
  std::string out(1, char(number << 3 | 2));
  size_t n = payload.size();
  REQUIRE(n < (1u << 14));
  if (n < 0x80) {
    out += char(n);
  } else {
    out += char((n & 0x7f) | 0x80);
    out += char(n >> 7);
  }
  return out + payload;
}

} // namespace

TEST_CASE("a lean parse leaves large raw data in the bytes, the rest parsed") {
  ::onnx::ModelProto original = sampleModel(200000);
  std::string wire = original.SerializeAsString();
  ::onnx::ModelProto lean;
  LeanModel raws;
  REQUIRE(parseLean(wire, lean, raws, 64 * 1024));
  REQUIRE(raws.raw.size() == 3);
  // The large tensor's bytes are a range of the input, equal to its data.
  CHECK(raws.raw[0].size() == 200000);
  CHECK(raws.raw[0].data() >= wire.data());
  CHECK(raws.raw[0].data() + raws.raw[0].size() <= wire.data() + wire.size());
  CHECK(raws.raw[0] == original.graph().initializer(0).raw_data());
  CHECK_FALSE(lean.graph().initializer(0).has_raw_data());
  CHECK(raws.raw[1].empty());
  CHECK(raws.raw[2].empty());
  // Putting the bytes back gives protobuf's own parse of the input.
  lean.mutable_graph()->mutable_initializer(0)->set_raw_data(
      std::string(raws.raw[0]));
  CHECK(lean.SerializeAsString() == wire);
}

TEST_CASE("a lean parse with nothing large is protobuf's parse") {
  ::onnx::ModelProto original = sampleModel(64);
  std::string wire = original.SerializeAsString();
  ::onnx::ModelProto lean;
  LeanModel raws;
  REQUIRE(parseLean(wire, lean, raws, 64 * 1024));
  CHECK(raws.raw.size() == 3);
  for (std::string_view r : raws.raw)
    CHECK(r.empty());
  CHECK(lean.SerializeAsString() == wire);
}

TEST_CASE("what a lean parse does not fully understand goes to protobuf") {
  std::string wire = sampleModel(100000).SerializeAsString();
  ::onnx::ModelProto m;
  LeanModel raws;
  SUBCASE("a second graph field, which protobuf merges into the first") {
    ::onnx::ModelProto extra;
    extra.mutable_graph()->set_doc_string("merged");
    std::string twice = wire + extra.SerializeAsString();
    CHECK_FALSE(parseLean(twice, m, raws, 1024));
    ::onnx::ModelProto plain;
    REQUIRE(plain.ParseFromString(twice));
    CHECK(plain.graph().doc_string() == "merged");
    CHECK(plain.graph().initializer_size() == 3);
  }
  SUBCASE("truncated bytes") {
    for (size_t cut : {size_t(1), size_t(7), size_t(50), wire.size() / 2,
                       wire.size() - 1})
      CHECK_FALSE(parseLean(std::string_view(wire).substr(0, cut), m, raws,
                            1024));
  }
  SUBCASE("a group, a deprecated wire type") {
    std::string grouped = wire + std::string("\x0b\x0c", 2); // field 1 group
    CHECK_FALSE(parseLean(grouped, m, raws, 1024));
  }
  SUBCASE("a raw_data field given twice, where the last wins") {
    ::onnx::TensorProto first, second;
    first.set_raw_data(std::string(4000, 'a'));
    second.set_raw_data(std::string(4000, 'b'));
    std::string tensor = first.SerializeAsString() + second.SerializeAsString();
    std::string twice =
        field(7, field(5, tensor)); // ModelProto.graph.initializer
    REQUIRE(m.ParseFromString(twice));
    CHECK(m.graph().initializer(0).raw_data() == std::string(4000, 'b'));
    CHECK_FALSE(parseLean(twice, m, raws, 1024));
  }
  SUBCASE("external data named beside raw bytes") {
    ::onnx::ModelProto both = sampleModel(100000);
    both.mutable_graph()->mutable_initializer(0)->set_data_location(
        ::onnx::TensorProto::EXTERNAL);
    CHECK_FALSE(parseLean(both.SerializeAsString(), m, raws, 1024));
  }
}
