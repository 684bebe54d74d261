//===- ShapeInference.h - Types of every value ------------------*- C++ -*-===//
#ifndef CNNC_IR_SHAPEINFERENCE_H
#define CNNC_IR_SHAPEINFERENCE_H

#include "ir/Diagnostics.h"
#include "ir/Graph.h"

namespace cnnc {

/// Computes the type of every node result from its operands' types and
/// attributes, in program order, with the op's shape function. Checks every
/// constraint an op puts on its operands (channel counts, ranks, attribute
/// values) and any result type written in the IR. Warns where a stride
/// leaves input unused. Requires a verified graph. Returns false after
/// reporting errors.
bool inferShapes(Graph &g, DiagEngine &diag);

/// What a shape function sees: one node, its operands' types, a place for
/// its result types and for diagnostics at the node's location.
class ShapeCtx {
public:
  ShapeCtx(Node &n, DiagEngine &diag) : N(n), Diag(diag) {}

  const Node &node() const { return N; }
  std::string_view op() const { return N.info().name; }
  /// Operands present (optional ones may be absent).
  unsigned numInputs() const { return N.numOperands(); }
  bool has(unsigned i) const { return i < N.numOperands(); }
  const Shape &in(unsigned i) const { return N.operand(i)->type().shape; }
  int64_t rank(unsigned i) const { return int64_t(in(i).size()); }
  /// The operand's name in the op table ("x", "w", ...).
  std::string_view inName(unsigned i) const;

  void setOut(Shape s, unsigned i = 0) { Outs.at(i) = std::move(s); }
  std::vector<Shape> &outs() { return Outs; }

  /// Reports an error at the node; returns false so callers can
  /// `return ctx.error(...)`.
  template <typename... Args>
  bool error(fmt::format_string<Args...> f, Args &&...args) {
    Diag.error(N.loc(), f, std::forward<Args>(args)...);
    return false;
  }
  template <typename... Args>
  void warning(fmt::format_string<Args...> f, Args &&...args) {
    Diag.warning(N.loc(), f, std::forward<Args>(args)...);
  }

  /// Checks an operand's rank; reports "{op} expects {name} of rank R".
  bool expectRank(unsigned i, int64_t r);
  /// Checks an operand's rank is within [lo, hi].
  bool expectRankIn(unsigned i, int64_t lo, int64_t hi);
  /// Checks an operand's shape equals `s`.
  bool expectShape(unsigned i, const Shape &s);
  /// Normalises an axis in [-rank, rank); reports when out of range.
  bool normaliseAxis(int64_t &axis, int64_t rank, std::string_view attr);

private:
  Node &N;
  DiagEngine &Diag;
  std::vector<Shape> Outs;
  friend bool inferShapes(Graph &, DiagEngine &);
};

// One shape function per op, named infer<Id>; the table's X-macro declares
// them and a missing one fails to link.
#define OP(Id, ...) bool infer##Id(ShapeCtx &ctx);
#include "ir/Ops.def"

} // namespace cnnc

#endif
