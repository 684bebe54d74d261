//===- TensorProtos.cpp - ONNX TensorProto files as cnnc tensors ----------===//
#include "tests/onnx/TensorProtos.h"

#include "compiler/onnx/TensorProto.h"

#include <algorithm>
#include <fstream>

using namespace cnnc;
using namespace cnnc::nodetest;
using TP = ::onnx::TensorProto;

bool cnnc::nodetest::readTensorProto(const std::string &path, TP &t) {
  std::ifstream in(path, std::ios::binary);
  return in && t.ParseFromIstream(&in);
}

bool cnnc::nodetest::readModelProto(const std::string &path,
                                    ::onnx::ModelProto &m) {
  std::ifstream in(path, std::ios::binary);
  return in && m.ParseFromIstream(&in);
}

std::optional<std::vector<double>>
cnnc::nodetest::tensorValues(const TP &t, std::string &error) {
  return onnx::tensorProtoValues(t, t.name(), error);
}

std::optional<Tensor> cnnc::nodetest::toTensor(const TP &t,
                                               std::string &error) {
  std::optional<std::vector<double>> v = tensorValues(t, error);
  if (!v)
    return std::nullopt;
  constexpr double kLimit = double(int64_t(1) << 40);
  bool integral = t.data_type() != TP::FLOAT && t.data_type() != TP::DOUBLE;
  Tensor out(Shape(t.dims().begin(), t.dims().end()));
  for (size_t i = 0; i < v->size(); ++i) {
    double x = (*v)[i];
    out.data[i] = float(integral ? std::clamp(x, -kLimit, kLimit) : x);
  }
  return out;
}
