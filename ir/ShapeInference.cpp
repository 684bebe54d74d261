//===- ShapeInference.cpp - Driver of the per-op shape functions ----------===//
#include "ir/ShapeInference.h"
#include "ir/Epilogue.h"

#include <fmt/ranges.h>

namespace cnnc {

std::string_view ShapeCtx::inName(unsigned i) const {
  std::span<const OperandSpec> specs = N.info().operands;
  if (i < specs.size())
    return specs[i].name;
  return specs.back().name; // variadic tail
}

bool ShapeCtx::expectRank(unsigned i, int64_t r) {
  if (rank(i) == r)
    return true;
  return error("{} expects {} of rank {}, found {} {}", op(), inName(i), r,
               rank(i), shapeStr(in(i)));
}

bool ShapeCtx::expectRankIn(unsigned i, int64_t lo, int64_t hi) {
  if (rank(i) >= lo && rank(i) <= hi)
    return true;
  return error("{} expects {} of rank {} to {}, found {} {}", op(), inName(i),
               lo, hi, rank(i), shapeStr(in(i)));
}

bool ShapeCtx::expectShape(unsigned i, const Shape &s) {
  if (in(i) == s)
    return true;
  return error("{} expects {} of shape {}, found {}", op(), inName(i),
               shapeStr(s), shapeStr(in(i)));
}

bool ShapeCtx::normaliseAxis(int64_t &axis, int64_t r, std::string_view attr) {
  if (axis < -r || axis >= r)
    return error("{} expects '{}' in [{}, {}), found {}", op(), attr, -r,
                 std::max<int64_t>(r, 0), axis);
  if (axis < 0)
    axis += r;
  return true;
}

namespace {

/// The epilogue and tile attributes of a kFusable op (ir/Epilogue.h).
bool checkFusable(ShapeCtx &ctx) {
  const Node &n = ctx.node();
  Epilogue e;
  std::string error;
  if (!readEpilogue(n, e, error))
    return ctx.error("{} epilogue: {}", ctx.op(), error);
  unsigned ri = residualOperandIndex(n.kind());
  if (e.res && !ctx.expectShape(ri, ctx.outs()[0]))
    return false;
  const std::vector<int64_t> &tile = n.getInts("tile");
  if (!tile.empty() && tile.size() != 3)
    return ctx.error("{} expects 'tile' = [rows, columns, depth], found {} "
                     "values",
                     ctx.op(), tile.size());
  for (int64_t t : tile)
    if (t < 1)
      return ctx.error("{} expects tile sizes >= 1, found {}", ctx.op(),
                       shapeStr(tile));
  return true;
}

bool dispatch(ShapeCtx &ctx) {
  switch (ctx.node().kind()) {
#define OP(Id, ...)                                                            \
  case OpKind::Id:                                                             \
    return infer##Id(ctx);
#include "ir/Ops.def"
  }
  return false;
}
} // namespace

bool inferShapes(Graph &g, DiagEngine &diag) {
  bool ok = true;
  for (const auto &np : g.nodes()) {
    Node &n = *np;
    bool operandsOk = true;
    for (unsigned i = 0; i < n.numOperands(); ++i) {
      const TensorType &t = n.operand(i)->type();
      if (!t.known) {
        operandsOk = false; // an earlier error; do not cascade
        break;
      }
      if (t.dtype != DType::F32) {
        diag.error(n.loc(), "{} supports f32 only; operand '%{}' is {}",
                   n.info().name, n.operand(i)->name(), t.str());
        operandsOk = false;
      }
    }
    if (!operandsOk) {
      ok = false;
      continue;
    }
    ShapeCtx ctx(n, diag);
    ctx.Outs.assign(n.numResults(), Shape{});
    if (!dispatch(ctx)) {
      // Results stay unknown (or as declared), so their users are skipped
      // or checked against the declared type.
      ok = false;
      continue;
    }
    if (n.kind() == OpKind::Const)
      continue; // its type is declared
    if (n.info().has(kFusable) && !checkFusable(ctx)) {
      ok = false;
      continue;
    }
    for (unsigned i = 0; i < n.numResults(); ++i) {
      Value *r = n.result(i);
      std::optional<int64_t> count = checkedNumElements(ctx.Outs[i]);
      if (!count) {
        diag.error(n.loc(),
                   "{} result '%{}' of shape {} is negative or has "
                   "more than 2^40 elements",
                   n.info().name, r->name(), shapeStr(ctx.Outs[i]));
        ok = false;
        r->setType(TensorType());
        continue;
      }
      TensorType inferred(DType::F32, ctx.Outs[i]);
      inferred.block = r->type().block; // the layout is the layout pass's
      if (r->type().known && !(r->type() == inferred)) {
        diag.error(n.loc(), "result '%{}' of {} is declared {} but inferred {}",
                   r->name(), n.info().name, r->type().str(), inferred.str());
        ok = false;
      }
      r->setType(inferred);
    }
  }
  return ok;
}

} // namespace cnnc
