//===- InferShapes.cpp - The shape-inference pass -------------------------===//
//
// Runs each op's shape function in program order (ir/ShapeInference.h):
// every result gets its dtype and static shape, every operand constraint is
// checked, and a result type written in the IR must match the inferred one.
// Requires: a verified graph. Guarantees: every value's type is known.
//
//===----------------------------------------------------------------------===//
#include "ir/ShapeInference.h"
#include "passes/Pass.h"

namespace cnnc {

namespace {
class InferShapesPass final : public Pass {
public:
  std::string_view name() const override { return "infer-shapes"; }
  bool requiresShapes() const override { return false; }
  bool run(Graph &g, PassContext &ctx) override {
    return inferShapes(g, ctx.diag);
  }
};
} // namespace

std::unique_ptr<Pass> createInferShapesPass() {
  return std::make_unique<InferShapesPass>();
}

} // namespace cnnc
