//===- Op.cpp - Tables generated from Ops.def -----------------------------===//
#include "ir/Op.h"

#include <array>
#include <cassert>
#include <fmt/format.h>

namespace cnnc {

bool AttrSpec::allowsChoice(std::string_view s) const {
  std::string_view rest = defaultText;
  while (true) {
    size_t bar = rest.find('|');
    if (rest.substr(0, bar) == s)
      return true;
    if (bar == std::string_view::npos)
      return false;
    rest.remove_prefix(bar + 1);
  }
}

namespace {

// Operand specs, one array per op.
#define IN(n) OperandSpec{#n, OperandRole::Required},
#define OPT(n) OperandSpec{#n, OperandRole::Optional},
#define STAT(n) OperandSpec{#n, OperandRole::Stat},
#define VAR(n) OperandSpec{#n, OperandRole::Variadic},
#define OPERANDS(...) {__VA_ARGS__ OperandSpec{"", OperandRole::Required}}
#define OP(Id, Name, Operands, ...)                                            \
  constexpr OperandSpec Id##_operands[] = Operands;
#include "ir/Ops.def"
#undef IN
#undef OPT
#undef STAT
#undef VAR
#undef OPERANDS

// Attribute declarations, one constexpr array per op (with a sentinel).
struct AttrDecl {
  std::string_view name;
  AttrKind kind;
  std::string_view text;
  bool required;
};
#define INT(n, d) AttrDecl{#n, AttrKind::Int, #d, false},
#define FLOAT(n, d) AttrDecl{#n, AttrKind::Float, #d, false},
#define ENUM(n, choices) AttrDecl{#n, AttrKind::Enum, choices, false},
#define INTS(n) AttrDecl{#n, AttrKind::Ints, "", false},
#define FLOATS(n) AttrDecl{#n, AttrKind::Floats, "", false},
#define REQ_INT(n) AttrDecl{#n, AttrKind::Int, "", true},
#define REQ_INTS(n) AttrDecl{#n, AttrKind::Ints, "", true},
#define ATTRS(...) {__VA_ARGS__ AttrDecl{"", AttrKind::Int, "", false}}
#define OP(Id, Name, Operands, Results, Flags, Attrs)                          \
  constexpr AttrDecl Id##_attrs[] = Attrs;
#include "ir/Ops.def"
#undef INT
#undef FLOAT
#undef ENUM
#undef INTS
#undef FLOATS
#undef REQ_INT
#undef REQ_INTS
#undef ATTRS

template <size_t N>
std::span<const OperandSpec> trimOperands(const OperandSpec (&a)[N]) {
  return std::span<const OperandSpec>(a, N - 1); // drop the sentinel
}

AttrValue parseDefault(const AttrDecl &d) {
  switch (d.kind) {
  case AttrKind::Int:
    return d.required ? int64_t(0) : *parseIntText(d.text);
  case AttrKind::Float:
    return *parseFloatText(d.text);
  case AttrKind::Enum:
    return std::string(d.text.substr(0, d.text.find('|')));
  case AttrKind::Ints:
    return std::vector<int64_t>{};
  case AttrKind::Floats:
    return std::vector<double>{};
  }
  return int64_t(0);
}

template <size_t N> std::vector<AttrSpec> buildAttrs(const AttrDecl (&a)[N]) {
  std::vector<AttrSpec> v;
  for (size_t i = 0; i + 1 < N; ++i)
    v.push_back(AttrSpec{a[i].name, a[i].kind, a[i].text, a[i].required,
                         parseDefault(a[i])});
  return v;
}

/// The generated tables, built once on first use and immutable afterwards.
struct Tables {
  std::array<std::vector<AttrSpec>, kNumOps> attrs{{
#define OP(Id, Name, Operands, Results, Flags, Attrs) buildAttrs(Id##_attrs),
#include "ir/Ops.def"
  }};
  std::array<OpInfo, kNumOps> infos{{
#define OP(Id, Name, Operands, Results, Flags, Attrs)                          \
  OpInfo{OpKind::Id, Name, trimOperands(Id##_operands), Results, Flags,         \
         attrs[unsigned(OpKind::Id)]},
#define RESULTS(n) n
#include "ir/Ops.def"
#undef RESULTS
  }};
};

const Tables &tables() {
  static const Tables t;
  return t;
}

} // namespace

unsigned OpInfo::minOperands() const {
  unsigned n = 0;
  for (const OperandSpec &o : operands)
    if (o.role != OperandRole::Optional)
      ++n;
  return n;
}

unsigned OpInfo::maxOperands() const {
  for (const OperandSpec &o : operands)
    if (o.role == OperandRole::Variadic)
      return ~0u;
  return unsigned(operands.size());
}

const AttrSpec *OpInfo::attr(std::string_view n) const {
  for (const AttrSpec &a : attrs)
    if (a.name == n)
      return &a;
  return nullptr;
}

std::string OpInfo::operandList() const {
  std::string s;
  for (const OperandSpec &o : operands) {
    if (!s.empty())
      s += ", ";
    s += o.name;
    if (o.role == OperandRole::Optional)
      s += "?";
    if (o.role == OperandRole::Variadic)
      s += "...";
  }
  return s;
}

const OpInfo &opInfo(OpKind k) { return tables().infos[unsigned(k)]; }

std::span<const OpInfo> allOps() { return tables().infos; }

std::optional<OpKind> lookupOp(std::string_view name) {
  for (const OpInfo &i : allOps())
    if (i.name == name)
      return i.kind;
  return std::nullopt;
}

} // namespace cnnc
