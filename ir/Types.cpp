//===- Types.cpp ----------------------------------------------------------===//
#include "ir/Types.h"
#include "ir/Attr.h"

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
  std::string s = fmt::format("{}{}", dtypeName(dtype), shapeStr(shape));
  return blocked() ? s + "@" + layoutName(rank(), block) : s;
}

namespace {
/// The spatial axes' letters of a rank-r layout name.
std::string_view spatialLetters(int64_t rank) {
  switch (rank) {
  case 3:
    return "w";
  case 4:
    return "hw";
  case 5:
    return "dhw";
  }
  return "";
}
} // namespace

std::string layoutName(int64_t rank, int64_t block) {
  std::string s = fmt::format("nc{}", spatialLetters(rank));
  return block > 1 ? fmt::format("{}{}c", s, block) : s;
}

std::optional<int64_t> parseLayoutName(std::string_view s, int64_t rank) {
  std::string plain = layoutName(rank, 0);
  if (rank < 3 || rank > 5 || s.substr(0, plain.size()) != plain)
    return std::nullopt;
  s.remove_prefix(plain.size());
  if (s.empty())
    return 0;
  if (s.back() != 'c')
    return std::nullopt;
  std::optional<int64_t> b = parseIntText(s.substr(0, s.size() - 1));
  if (!b || *b < 2 || *b > 64 || s[0] == '+' || s[0] == '-')
    return std::nullopt;
  return b;
}

} // namespace cnnc
