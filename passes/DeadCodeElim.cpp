//===- DeadCodeElim.cpp - Dead-code elimination ---------------------------===//
//
// Removes every node none of whose results is used by another node or is a
// graph output, repeatedly, so whole dead chains and the consts (weights)
// only they read disappear. Requires: a verified graph (it declares
// inferred shapes, as every optimisation pass, but reads none). Guarantees:
// every remaining node contributes to an output; graph inputs, outputs and the
// types of kept values are unchanged.
//
//===----------------------------------------------------------------------===//
#include "passes/Pass.h"

namespace cnnc {

namespace {
class DeadCodeElimPass final : public Pass {
public:
  std::string_view name() const override { return "dce"; }
  bool run(Graph &g, PassContext &) override {
    g.removeDeadNodes();
    return true;
  }
};
} // namespace

std::unique_ptr<Pass> createDeadCodeElimPass() {
  return std::make_unique<DeadCodeElimPass>();
}

} // namespace cnnc
