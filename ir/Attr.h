//===- Attr.h - Node attributes ---------------------------------*- C++ -*-===//
#ifndef CNNC_IR_ATTR_H
#define CNNC_IR_ATTR_H

#include <cstdint>
#include <optional>
#include <string_view>
#include <string>
#include <variant>
#include <vector>

namespace cnnc {

enum class AttrKind : uint8_t { Int, Float, Enum, Ints, Floats };

std::string_view attrKindName(AttrKind k);

/// An attribute value. Enums hold the identifier text.
using AttrValue = std::variant<int64_t, double, std::string,
                               std::vector<int64_t>, std::vector<double>>;

/// Prints a value as IR text ("3", "0.5", "same_upper", "[1,2]").
std::string attrValueStr(const AttrValue &v);

/// Parses a whole string as a decimal integer (optional sign).
std::optional<int64_t> parseIntText(std::string_view s);
/// Parses a whole string as a float; accepts "inf", "-inf" and "nan".
std::optional<double> parseFloatText(std::string_view s);
/// Shortest text that parses back to exactly `v` ("0.1", "1e-05", "inf").
std::string floatText(double v);

} // namespace cnnc

#endif
