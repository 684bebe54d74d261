//===- FoldPad.cpp - Pads folded into the convs and pools after them ------===//
//
// A `pad` that pads only spatial axes (rank 3 to 5, nothing on N or C, no
// negative pads) and whose result is used only as the input x of convs and
// pools is folded into every one of them: each consumer reads the pad's
// input and takes the padding as its own, and the pad goes. What each
// consumer can take:
//   conv      constant 0: added to its pads (resolved, so auto_pad becomes
//             explicit pads), padding_mode zeros — when the conv pads with
//             zeros or has no pads of its own;
//             reflect: padding_mode reflect, when the conv has no pads;
//             edge: padding_mode replicate, when the conv has no pads or
//             replicates too (edge of edge is a wider edge).
//   max_pool  constant -inf (max_pool's padding never wins: -inf).
//   avg_pool  constant 0, when count_include_pad=1 (the divisor counts
//             every window position inside [-pb, n + pe) either way), or
//             when count_include_pad=0 and the pool has no pads (the
//             padded positions counted before are exactly the new pads;
//             the pool becomes count_include_pad=1).
// Every consumer must also give the same output size over the unpadded
// input (ceil_mode drops a last window that starts in the end padding,
// which the folded padding may change): checked by resolving the window.
// A pad with any other use (a graph output, an add, a conv's residual)
// stays whole. Each consumer absorbs the pad (Node::absorb).
// Requires: inferred shapes. Guarantees: the same function, bit for bit in
// the interpreter; types unchanged; fewer nodes.
//
//===----------------------------------------------------------------------===//
#include "ir/ops/SlidingWindow.h"
#include "passes/Pass.h"
#include "passes/Rewrite.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace cnnc {

namespace {

/// What a pad fills the border with.
enum class Fill { Zero, NegInf, Reflect, Edge, Other };

/// A pad node's spatial padding.
struct SpatialPad {
  std::vector<int64_t> begin, end; // per spatial axis
  Fill fill = Fill::Other;
  bool none = true; // pads nothing
};

/// The spatial padding of `pad`, or nullopt when it pads N or C, crops or
/// is not of rank 3 to 5.
std::optional<SpatialPad> spatialPad(const Node &pad) {
  const TensorType &in = pad.operand(0u)->type();
  size_t r = in.shape.size();
  const std::vector<int64_t> &pads = pad.getInts("pads");
  if (r < 3 || r > 5 || pads.size() != 2 * r ||
      in.block != pad.result()->type().block)
    return std::nullopt;
  SpatialPad p;
  for (size_t d = 0; d < r; ++d) {
    int64_t b = pads[d], e = pads[d + r];
    if (b < 0 || e < 0 || (d < 2 && (b || e)))
      return std::nullopt;
    if (d < 2)
      continue;
    p.begin.push_back(b);
    p.end.push_back(e);
    p.none = p.none && !b && !e;
  }
  const std::string &mode = pad.getEnum("mode");
  double value = pad.getFloat("value");
  if (mode == "reflect")
    p.fill = Fill::Reflect;
  else if (mode == "edge")
    p.fill = Fill::Edge;
  else if (value == 0)
    p.fill = Fill::Zero;
  else if (std::isinf(value) && value < 0)
    p.fill = Fill::NegInf;
  return p;
}

/// The window options and kernel sizes of a conv or pool, as shape
/// inference resolves them.
WindowOptions windowOptions(const Node &n) {
  if (n.kind() == OpKind::Conv)
    return WindowOptions{};
  return poolWindowOptions(n);
}

Shape kernelOf(const Node &n) {
  if (n.kind() == OpKind::Conv)
    return spatialDims(n.operand(1u)->type().shape);
  return n.getInts("kernel");
}

/// How one consumer takes the padding: its new attributes.
struct FoldPlan {
  Node *user = nullptr;
  std::vector<int64_t> pads;    // [begin..., end...] over spatial axes
  std::string paddingMode;      // conv only
  bool countIncludePad = false; // avg_pool: set count_include_pad=1
};

/// The padding mode a conv takes `p` with, or "" when it cannot.
std::string convMode(const Node &conv, const SpatialPad &p, bool ownZero) {
  const std::string &mode = conv.getEnum("padding_mode");
  if (p.none)
    return mode;
  switch (p.fill) {
  case Fill::Zero:
    return mode == "zeros" || ownZero ? "zeros" : "";
  case Fill::Reflect:
    return ownZero ? "reflect" : "";
  case Fill::Edge:
    return mode == "replicate" || ownZero ? "replicate" : "";
  case Fill::NegInf:
  case Fill::Other:
    return "";
  }
  return "";
}

/// Sets the attributes of `plan` on `n`.
void applyPlan(Node &n, const FoldPlan &plan) {
  n.removeAttr("auto_pad");
  bool any = std::any_of(plan.pads.begin(), plan.pads.end(),
                         [](int64_t v) { return v != 0; });
  if (any)
    n.setAttr("pads", plan.pads);
  else
    n.removeAttr("pads");
  if (n.kind() == OpKind::Conv) {
    if (plan.paddingMode == "zeros")
      n.removeAttr("padding_mode");
    else
      n.setAttr("padding_mode", plan.paddingMode);
  }
  if (plan.countIncludePad)
    n.removeAttr("count_include_pad"); // the default, 1
}

/// Whether `plan` gives `user` the same output sizes over `unpadded`.
bool sameOutput(const Node &user, const FoldPlan &plan, const Shape &unpadded,
                const std::vector<WindowAxis> &before) {
  Node trial(user.kind(), user.loc());
  for (const auto &[name, value] : user.attrs())
    trial.setAttr(name, value);
  applyPlan(trial, plan);
  std::vector<WindowAxis> after;
  std::string error;
  if (!resolveWindow(trial, unpadded, kernelOf(user), windowOptions(user),
                     after, error))
    return false;
  for (size_t i = 0; i < after.size(); ++i) {
    if (after[i].out != before[i].out)
      return false;
    if (plan.paddingMode == "reflect" &&
        (after[i].padBegin >= after[i].in || after[i].padEnd >= after[i].in))
      return false;
  }
  return true;
}

/// How `user` (reading the pad's result as operand `index`) can take `p`,
/// or nullopt.
std::optional<FoldPlan> planFold(Node &user, unsigned index, const Node &pad,
                                 const SpatialPad &p) {
  OpKind k = user.kind();
  if (index != 0 ||
      (k != OpKind::Conv && k != OpKind::MaxPool && k != OpKind::AvgPool))
    return std::nullopt;
  Shape padded = spatialDims(pad.result()->type().shape);
  Shape unpadded = spatialDims(pad.operand(0u)->type().shape);
  std::vector<WindowAxis> axes;
  std::string error;
  if (!resolveWindow(user, padded, kernelOf(user), windowOptions(user), axes,
                     error))
    return std::nullopt;
  bool ownZero = std::all_of(axes.begin(), axes.end(), [](const WindowAxis &a) {
    return a.padBegin == 0 && a.padEnd == 0;
  });
  FoldPlan plan;
  plan.user = &user;
  if (k == OpKind::Conv) {
    plan.paddingMode = convMode(user, p, ownZero);
    if (plan.paddingMode.empty())
      return std::nullopt;
  } else if (k == OpKind::MaxPool) {
    if (!p.none && p.fill != Fill::NegInf)
      return std::nullopt;
  } else if (!p.none) {
    if (p.fill != Fill::Zero)
      return std::nullopt;
    if (user.getInt("count_include_pad") == 0) {
      if (!ownZero)
        return std::nullopt;
      plan.countIncludePad = true;
    }
  }
  size_t r = axes.size();
  plan.pads.assign(2 * r, 0);
  for (size_t i = 0; i < r; ++i) {
    plan.pads[i] = axes[i].padBegin + p.begin[i];
    plan.pads[i + r] = axes[i].padEnd + p.end[i];
  }
  if (!sameOutput(user, plan, unpadded, axes))
    return std::nullopt;
  return plan;
}

/// Every consumer's plan, or nothing when some use cannot take the pad.
std::vector<FoldPlan> planAll(const Graph &g, const Node &pad,
                              const SpatialPad &p) {
  const Value *y = pad.result();
  std::vector<FoldPlan> plans;
  unsigned uses = 0;
  for (const auto &n : g.nodes())
    for (unsigned i = 0; i < n->numOperands(); ++i) {
      if (n->operand(i) != y)
        continue;
      ++uses;
      std::optional<FoldPlan> plan = planFold(*n, i, pad, p);
      if (!plan)
        return {};
      plans.push_back(std::move(*plan));
    }
  // A graph output needs the padded tensor itself.
  if (uses != g.numUses(y))
    return {};
  return plans;
}

class FoldPadPass final : public Pass {
public:
  std::string_view name() const override { return "fold-pad"; }
  bool run(Graph &g, PassContext &ctx) override {
    if (!checkShapesKnown(g, name(), ctx.diag))
      return false;
    bool changed = false;
    for (const auto &n : g.nodes()) {
      if (n->kind() != OpKind::Pad)
        continue;
      std::optional<SpatialPad> p = spatialPad(*n);
      if (!p)
        continue;
      std::vector<FoldPlan> plans = planAll(g, *n, *p);
      for (const FoldPlan &plan : plans) {
        applyPlan(*plan.user, plan);
        plan.user->setOperand(0, n->operand(0u));
        plan.user->absorb(*n);
      }
      changed = changed || !plans.empty();
    }
    if (changed)
      g.removeDeadNodes();
    return true;
  }
};

} // namespace

std::unique_ptr<Pass> createFoldPadPass() {
  return std::make_unique<FoldPadPass>();
}

} // namespace cnnc
