//===- Types.cpp ----------------------------------------------------------===//
#include "ir/Types.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace cnnc {

namespace {
struct DTypeInfo {
  DType type;
  std::string_view name;
  unsigned size;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::F32, "f32", 4}, {DType::F16, "f16", 2}, {DType::BF16, "bf16", 2},
    {DType::F64, "f64", 8}, {DType::I8, "i8", 1},   {DType::U8, "u8", 1},
    {DType::I32, "i32", 4}, {DType::I64, "i64", 8}, {DType::Bool, "bool", 1},
};
} // namespace

std::string_view dtypeName(DType t) { return kDTypes[unsigned(t)].name; }
unsigned dtypeSize(DType t) { return kDTypes[unsigned(t)].size; }

std::optional<DType> parseDTypeName(std::string_view s) {
  for (const DTypeInfo &d : kDTypes)
    if (d.name == s)
      return d.type;
  return std::nullopt;
}

int64_t numElements(const Shape &s) {
  int64_t n = 1;
  for (int64_t d : s)
    n *= d;
  return n;
}

std::optional<int64_t> checkedNumElements(const Shape &s) {
  int64_t n = 1;
  for (int64_t d : s) {
    if (d < 0)
      return std::nullopt;
    if (d != 0 && n > kMaxElements / d)
      return std::nullopt;
    n *= d;
  }
  if (n > kMaxElements)
    return std::nullopt;
  return n;
}

std::string shapeStr(const Shape &s) {
  return fmt::format("[{}]", fmt::join(s, ","));
}

std::string TensorType::str() const {
  if (!known)
    return "?";
  return fmt::format("{}{}", dtypeName(dtype), shapeStr(shape));
}

} // namespace cnnc
