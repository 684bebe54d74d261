//===- Attr.cpp -----------------------------------------------------------===//
#include "ir/Attr.h"

#include <charconv>
#include <cmath>
#include <fmt/format.h>

namespace cnnc {

std::string_view attrKindName(AttrKind k) {
  switch (k) {
  case AttrKind::Int:
    return "an integer";
  case AttrKind::Float:
    return "a number";
  case AttrKind::Enum:
    return "an identifier";
  case AttrKind::Ints:
    return "a list of integers";
  case AttrKind::Floats:
    return "a list of numbers";
  }
  return "";
}

std::optional<int64_t> parseIntText(std::string_view s) {
  if (!s.empty() && s[0] == '+')
    s.remove_prefix(1);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty())
    return std::nullopt;
  return v;
}

std::optional<double> parseFloatText(std::string_view s) {
  bool neg = false;
  std::string_view body = s;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "inf")
    return neg ? -INFINITY : INFINITY;
  if (body == "nan")
    return NAN;
  if (!s.empty() && s[0] == '+')
    s.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty())
    return std::nullopt;
  return v;
}

std::string floatText(double v) {
  if (std::isnan(v))
    return "nan";
  if (std::isinf(v))
    return v < 0 ? "-inf" : "inf";
  std::string s = fmt::format("{}", v); // shortest round-trip form
  return s;
}

std::string attrValueStr(const AttrValue &v) {
  struct Printer {
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return floatText(d); }
    std::string operator()(const std::string &s) const { return s; }
    std::string operator()(const std::vector<int64_t> &l) const {
      std::string s = "[";
      for (size_t i = 0; i < l.size(); ++i)
        s += (i ? "," : "") + std::to_string(l[i]);
      return s + "]";
    }
    std::string operator()(const std::vector<double> &l) const {
      std::string s = "[";
      for (size_t i = 0; i < l.size(); ++i)
        s += (i ? "," : "") + floatText(l[i]);
      return s + "]";
    }
  };
  return std::visit(Printer{}, v);
}

} // namespace cnnc
