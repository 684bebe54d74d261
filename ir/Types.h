//===- Types.h - Element types, shapes and tensor types ---------*- C++ -*-===//
#ifndef CNNC_IR_TYPES_H
#define CNNC_IR_TYPES_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cnnc {

/// Element types. Only f32 is computed today; the others exist so weights
/// files and imported graphs can be read and rejected with a clear message.
enum class DType : uint8_t { F32, F16, BF16, F64, I8, U8, I32, I64, Bool };

/// Text name as written in the IR ("f32", "i64", ...).
std::string_view dtypeName(DType t);
/// Parses an IR dtype name.
std::optional<DType> parseDTypeName(std::string_view s);
/// Size of one element in bytes.
unsigned dtypeSize(DType t);

using Shape = std::vector<int64_t>;

/// Largest element count cnnc accepts for one tensor (2^40): far beyond any
/// real network, small enough that byte sizes never overflow int64.
constexpr int64_t kMaxElements = int64_t(1) << 40;

/// Number of elements; 1 for a scalar. Assumes a valid shape.
int64_t numElements(const Shape &s);
/// Checked product of the dimensions: nullopt if a dimension is negative or
/// the product exceeds kMaxElements.
std::optional<int64_t> checkedNumElements(const Shape &s);
/// "[1,3,224,224]".
std::string shapeStr(const Shape &s);

/// The type of a value: element type and static shape. A value whose type
/// has not been inferred yet has `known == false`.
struct TensorType {
  DType dtype = DType::F32;
  Shape shape;
  bool known = false;

  TensorType() = default;
  TensorType(DType t, Shape s) : dtype(t), shape(std::move(s)), known(true) {}

  int64_t rank() const { return int64_t(shape.size()); }
  int64_t numElements() const { return cnnc::numElements(shape); }
  int64_t sizeInBytes() const { return numElements() * dtypeSize(dtype); }
  /// "f32[1,3,224,224]", or "?" when unknown.
  std::string str() const;

  bool operator==(const TensorType &o) const {
    return known == o.known && dtype == o.dtype && shape == o.shape;
  }
};

} // namespace cnnc

#endif
