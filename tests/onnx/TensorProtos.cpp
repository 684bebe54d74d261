//===- TensorProtos.cpp - ONNX TensorProto files as cnnc tensors ----------===//
#include "tests/onnx/TensorProtos.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <fstream>

using namespace cnnc;
using namespace cnnc::nodetest;
using TP = ::onnx::TensorProto;

namespace {

/// Decodes little-endian raw_data of element type `T`.
template <typename T> std::vector<double> fromRaw(const std::string &raw) {
  std::vector<double> v(raw.size() / sizeof(T));
  for (size_t i = 0; i < v.size(); ++i) {
    T x;
    std::memcpy(&x, raw.data() + i * sizeof(T), sizeof(T));
    v[i] = double(x);
  }
  return v;
}

template <typename Field> std::vector<double> fromField(const Field &f) {
  return std::vector<double>(f.begin(), f.end());
}

std::optional<std::vector<double>> fromRawData(const TP &t) {
  const std::string &raw = t.raw_data();
  switch (t.data_type()) {
  case TP::FLOAT:
    return fromRaw<float>(raw);
  case TP::DOUBLE:
    return fromRaw<double>(raw);
  case TP::INT64:
    return fromRaw<int64_t>(raw);
  case TP::INT32:
    return fromRaw<int32_t>(raw);
  case TP::INT16:
    return fromRaw<int16_t>(raw);
  case TP::INT8:
    return fromRaw<int8_t>(raw);
  case TP::UINT8:
  case TP::BOOL:
    return fromRaw<uint8_t>(raw);
  case TP::UINT16:
    return fromRaw<uint16_t>(raw);
  case TP::UINT32:
    return fromRaw<uint32_t>(raw);
  case TP::UINT64:
    return fromRaw<uint64_t>(raw);
  default:
    return std::nullopt;
  }
}

std::optional<std::vector<double>> fromTypedData(const TP &t) {
  switch (t.data_type()) {
  case TP::FLOAT:
    return fromField(t.float_data());
  case TP::DOUBLE:
    return fromField(t.double_data());
  case TP::INT64:
    return fromField(t.int64_data());
  case TP::INT32:
  case TP::INT16:
  case TP::INT8:
  case TP::UINT16:
  case TP::UINT8:
  case TP::BOOL:
    return fromField(t.int32_data());
  case TP::UINT32:
  case TP::UINT64:
    return fromField(t.uint64_data());
  default:
    return std::nullopt;
  }
}

} // namespace

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
  if (t.data_location() == TP::EXTERNAL) {
    error = "tensor data in an external file";
    return std::nullopt;
  }
  std::optional<std::vector<double>> v =
      t.has_raw_data() ? fromRawData(t) : fromTypedData(t);
  if (!v) {
    error = fmt::format("cannot read tensor element type {}", t.data_type());
    return std::nullopt;
  }
  int64_t n = 1;
  for (int64_t d : t.dims())
    n *= d;
  if (int64_t(v->size()) != n) {
    error =
        fmt::format("tensor holds {} elements, its dims say {}", v->size(), n);
    return std::nullopt;
  }
  return v;
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
