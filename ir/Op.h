//===- Op.h - Op kinds and their declarations -------------------*- C++ -*-===//
//
// The generated view of Ops.def: the OpKind enum and, per op, an OpInfo
// with its text name, operands, result count, flags and attributes.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_IR_OP_H
#define CNNC_IR_OP_H

#include "ir/Attr.h"

#include <optional>
#include <span>
#include <string_view>

namespace cnnc {

enum class OpKind : uint16_t {
#define OP(Id, ...) Id,
#include "ir/Ops.def"
};

/// Number of ops in the table.
constexpr unsigned kNumOps = 0
#define OP(Id, ...) +1
#include "ir/Ops.def"
    ;

enum OpFlags : unsigned {
  kElementwise = 1u << 0,
  kEpilogue = 1u << 1,
  kBroadcast = 1u << 2,
  kCompute = 1u << 3,
  kFusable = 1u << 4,
};

enum class OperandRole : uint8_t { Required, Optional, Stat, Variadic };

struct OperandSpec {
  std::string_view name;
  OperandRole role;
};

struct AttrSpec {
  std::string_view name;
  AttrKind kind;
  /// Default as IR text; for enums the '|'-separated choices, the first
  /// being the default. Empty for list attributes with no default.
  std::string_view defaultText;
  bool required;
  /// The parsed default (empty list for lists; nothing when required).
  AttrValue defaultValue;

  /// For enums: is `s` one of the choices?
  bool allowsChoice(std::string_view s) const;
};

struct OpInfo {
  OpKind kind;
  std::string_view name;
  std::span<const OperandSpec> operands;
  /// Number of results, 0 meaning "one or more".
  unsigned numResults;
  unsigned flags;
  std::span<const AttrSpec> attrs;

  bool has(OpFlags f) const { return (flags & f) != 0; }
  unsigned minOperands() const;
  /// ~0u when variadic.
  unsigned maxOperands() const;
  /// Attribute spec by name, or nullptr.
  const AttrSpec *attr(std::string_view name) const;
  /// "x, w, b?" for messages.
  std::string operandList() const;
};

const OpInfo &opInfo(OpKind k);
inline std::string_view opName(OpKind k) { return opInfo(k).name; }
std::optional<OpKind> lookupOp(std::string_view name);
/// All ops in table order.
std::span<const OpInfo> allOps();

} // namespace cnnc

#endif
