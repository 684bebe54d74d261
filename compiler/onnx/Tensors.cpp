//===- Tensors.cpp - ONNX TensorProtos as constants -----------------------===//
//
// Reads initializers and Constant values: every floating type becomes f32,
// every integer type and bool becomes i64. Data may be in raw_data (little
// endian) or in the typed repeated fields; sizes are checked against the
// dimensions, so a malformed tensor is an error, never a bad read.
//
//===----------------------------------------------------------------------===//
#include "compiler/onnx/ImporterImpl.h"
#include "compiler/onnx/TensorProto.h"

#include <bit>
#include <cmath>
#include <cstring>

namespace cnnc::onnx {

using ::onnx::TensorProto;

ConstData ConstData::ints(Shape s, std::vector<int64_t> v) {
  ConstData c;
  c.isInt = true;
  c.shape = std::move(s);
  c.i = std::move(v);
  return c;
}

ConstData ConstData::floats(Shape s, std::vector<float> v) {
  ConstData c;
  c.shape = s;
  c.f = std::make_shared<Tensor>(std::move(s), std::move(v));
  return c;
}

std::string sanitiseName(std::string_view s) {
  std::string out;
  for (char c : s)
    out += std::isalnum(uint8_t(c)) || c == '_' || c == '.' ? c : '_';
  return out.empty() ? "v" : out;
}

namespace {

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h >> 15) << 31;
  int32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  if (exp == 0x1f) // inf or nan
    return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));
  if (exp == 0) { // zero or subnormal
    float v = std::ldexp(float(mant), -24);
    return sign ? -v : v;
  }
  return std::bit_cast<float>(sign | (uint32_t(exp + 112) << 23) |
                              (mant << 13));
}

float bf16ToFloat(uint16_t h) {
  return std::bit_cast<float>(uint32_t(h) << 16);
}

/// Element size in bytes of the types read; 0 for unsupported types.
unsigned elemSize(int type) {
  switch (type) {
  case TensorProto::FLOAT:
  case TensorProto::INT32:
  case TensorProto::UINT32:
    return 4;
  case TensorProto::DOUBLE:
  case TensorProto::INT64:
  case TensorProto::UINT64:
    return 8;
  case TensorProto::FLOAT16:
  case TensorProto::BFLOAT16:
  case TensorProto::INT16:
  case TensorProto::UINT16:
    return 2;
  case TensorProto::INT8:
  case TensorProto::UINT8:
  case TensorProto::BOOL:
    return 1;
  default:
    return 0;
  }
}

bool isFloatType(int type) {
  return type == TensorProto::FLOAT || type == TensorProto::DOUBLE ||
         type == TensorProto::FLOAT16 || type == TensorProto::BFLOAT16;
}

template <typename T> T load(const char *p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

/// Element `k` of little-endian raw data of `type` as a double.
double rawAt(std::string_view raw, int type, int64_t k) {
  const char *p = raw.data() + k * elemSize(type);
  switch (type) {
  case TensorProto::FLOAT:
    return load<float>(p);
  case TensorProto::DOUBLE:
    return load<double>(p);
  case TensorProto::FLOAT16:
    return halfToFloat(load<uint16_t>(p));
  case TensorProto::BFLOAT16:
    return bf16ToFloat(load<uint16_t>(p));
  case TensorProto::INT32:
    return load<int32_t>(p);
  case TensorProto::UINT32:
    return load<uint32_t>(p);
  case TensorProto::INT16:
    return load<int16_t>(p);
  case TensorProto::UINT16:
    return load<uint16_t>(p);
  case TensorProto::INT8:
    return load<int8_t>(p);
  case TensorProto::UINT8:
  case TensorProto::BOOL:
    return load<uint8_t>(p);
  default:
    return 0;
  }
}

/// Number of elements in the typed field for `type`.
int64_t typedCount(const TensorProto &t, int type) {
  switch (type) {
  case TensorProto::FLOAT:
    return t.float_data_size();
  case TensorProto::DOUBLE:
    return t.double_data_size();
  case TensorProto::INT64:
    return t.int64_data_size();
  case TensorProto::UINT32:
  case TensorProto::UINT64:
    return t.uint64_data_size();
  default:
    return t.int32_data_size();
  }
}

/// Element `k` of the typed field as a double (non-i64 types).
double typedAt(const TensorProto &t, int type, int k) {
  switch (type) {
  case TensorProto::FLOAT:
    return t.float_data(k);
  case TensorProto::DOUBLE:
    return t.double_data(k);
  case TensorProto::UINT32:
  case TensorProto::UINT64:
    return double(t.uint64_data(k));
  case TensorProto::FLOAT16:
    return halfToFloat(uint16_t(t.int32_data(k)));
  case TensorProto::BFLOAT16:
    return bf16ToFloat(uint16_t(t.int32_data(k)));
  default:
    return t.int32_data(k);
  }
}

/// Element `k` as an integer (exact for i64 and u64 up to 2^63).
/// `raw` is the tensor's raw data, or nullopt where it has none.
int64_t intAt(const TensorProto &t, int type,
              std::optional<std::string_view> raw, int64_t k) {
  if (type == TensorProto::INT64)
    return raw ? load<int64_t>(raw->data() + k * 8) : t.int64_data(int(k));
  if (type == TensorProto::UINT64)
    return raw ? int64_t(load<uint64_t>(raw->data() + k * 8))
               : int64_t(t.uint64_data(int(k)));
  return int64_t(raw ? rawAt(*raw, type, k) : typedAt(t, type, int(k)));
}

/// The raw data of `t`, or nullopt where it has none.
std::optional<std::string_view> rawOf(const TensorProto &t) {
  if (!t.has_raw_data())
    return std::nullopt;
  return std::string_view(t.raw_data());
}

/// Checks that `t` can be read (stored in the model, a supported type, a
/// valid shape whose element count matches the data); returns that count.
std::optional<int64_t> checkTensor(const TensorProto &t,
                                   const std::string &what,
                                   std::optional<std::string_view> raw,
                                   std::string &error) {
  int type = t.data_type();
  if (t.data_location() == TensorProto::EXTERNAL) {
    // importOnnxFile has read the external data of a model file; this is
    // a tensor of a model given in memory, or one not in the graph.
    error = fmt::format("tensor '{}' keeps its data in an external file, "
                        "which cnnc reads only for a model given as a file",
                        what);
    return std::nullopt;
  }
  if (elemSize(type) == 0) {
    error = fmt::format("tensor '{}' is {}; cnnc reads float, integer and "
                        "bool tensors only",
                        what, TensorProto::DataType_Name(type));
    return std::nullopt;
  }
  Shape shape(t.dims().begin(), t.dims().end());
  std::optional<int64_t> count = checkedNumElements(shape);
  if (!count) {
    error =
        fmt::format("tensor '{}' has a bad shape {}", what, shapeStr(shape));
    return std::nullopt;
  }
  int64_t found =
      raw ? int64_t(raw->size()) / elemSize(type) : typedCount(t, type);
  if (found != *count ||
      (raw && int64_t(raw->size()) != *count * elemSize(type))) {
    error = fmt::format("tensor '{}' of shape {} holds {} elements, expected "
                        "{}",
                        what, shapeStr(shape), found, *count);
    return std::nullopt;
  }
  return count;
}

} // namespace

std::optional<std::vector<double>>
tensorProtoValues(const TensorProto &t, const std::string &what,
                  std::string &error) {
  std::optional<std::string_view> raw = rawOf(t);
  std::optional<int64_t> count = checkTensor(t, what, raw, error);
  if (!count)
    return std::nullopt;
  int type = t.data_type();
  std::vector<double> v(static_cast<size_t>(*count));
  for (int64_t k = 0; k < *count; ++k)
    v[size_t(k)] = isFloatType(type)
                       ? (raw ? rawAt(*raw, type, k)
                              : typedAt(t, type, int(k)))
                       : double(intAt(t, type, raw, k));
  return v;
}

std::optional<ConstData>
readTensor(const TensorProto &t, const std::string &what, std::string &error) {
  return readTensor(t, what, rawOf(t), nullptr, error);
}

std::optional<ConstData> readTensor(const TensorProto &t,
                                    const std::string &what,
                                    std::optional<std::string_view> raw,
                                    const MappedFile *pages,
                                    std::string &error) {
  std::optional<int64_t> count = checkTensor(t, what, raw, error);
  if (!count)
    return std::nullopt;
  int type = t.data_type();
  Shape shape(t.dims().begin(), t.dims().end());
  if (!isFloatType(type)) {
    std::vector<int64_t> v(static_cast<size_t>(*count));
    for (int64_t k = 0; k < *count; ++k)
      v[size_t(k)] = intAt(t, type, raw, k);
    if (raw && pages)
      pages->release(*raw);
    return ConstData::ints(shape, std::move(v));
  }
  std::vector<float> v(static_cast<size_t>(*count));
  if (raw && type == TensorProto::FLOAT) {
    // Copied a few megabytes at a time, each handed back to the system
    // once copied when the bytes are a mapped file's: a 400 MB weight is
    // never resident twice.
    constexpr size_t kChunk = size_t(4) << 20;
    char *dst = reinterpret_cast<char *>(v.data());
    for (size_t at = 0; at < raw->size(); at += kChunk) {
      std::string_view part = raw->substr(at, kChunk);
      std::memcpy(dst + at, part.data(), part.size());
      if (pages)
        pages->release(part);
    }
  } else {
    for (int64_t k = 0; k < *count; ++k)
      v[size_t(k)] =
          float(raw ? rawAt(*raw, type, k) : typedAt(t, type, int(k)));
    if (raw && pages)
      pages->release(*raw);
  }
  return ConstData::floats(shape, std::move(v));
}

} // namespace cnnc::onnx
