//===- Catalogue.cpp - The CPU backend's kernel catalogue -----------------===//
#include "compiler/cpu/Catalogue.h"

#include "compiler/cpu/lower/LowerBlocked.h"
#include "compiler/cpu/lower/LowerConv.h"

#include <fmt/format.h>

namespace cnnc::cpu {

//===--- Instruction sets -------------------------------------------------===//

namespace {

constexpr IsaEntry isaOf(const char *name, const char *feature, int v,
                         int registers) {
  return IsaEntry{name,
                  feature,
                  v,
                  registers,
                  cnnk::gemmMR(v),
                  cnnk::gemmNR(v),
                  cnnk::blockedMR(v),
                  cnnk::blockedNB(v)};
}

/// Best first. The kernels are templates over the vector width: an
/// instruction set of a width listed here needs no new kernel code, one of
/// a new width needs the kernels' constants for it (kernels/ParamsConv.h,
/// ParamsBlocked.h) and their instantiation (kernels/Kernel.h).
constexpr IsaEntry kIsas[] = {
    isaOf("avx512", "avx512f", 16, 32),
    isaOf("avx", "avx", 8, 16),
    isaOf("sse", "", 4, 16),
};

// The register tiles fit the registers: MR x NRV accumulators, NRV vectors
// of B and a broadcast (gemm); MR x NB accumulators, NB weight vectors and
// a broadcast (conv_blocked).
constexpr bool tilesFit(const IsaEntry &e) {
  int nrv = e.gemmNR / e.vectorWidth;
  return e.gemmMR * nrv + nrv + 1 <= e.vectorRegisters &&
         e.blockedMR * e.blockedNB + e.blockedNB + 1 <= e.vectorRegisters;
}
static_assert(tilesFit(kIsas[0]) && tilesFit(kIsas[1]) && tilesFit(kIsas[2]),
              "a register tile needs more vector registers than its "
              "instruction set has");

} // namespace

std::span<const IsaEntry> isaEntries() { return kIsas; }

const IsaEntry &isaOfWidth(int v) {
  for (const IsaEntry &e : kIsas)
    if (e.vectorWidth == v)
      return e;
  return kIsas[std::size(kIsas) - 1];
}

//===--- Conv kernels -----------------------------------------------------===//

namespace {

/// What the conv entries read of a conv node.
struct ConvFacts {
  const Node &n;
  const TensorType &x, &w, &y;
  int64_t c, m, groups;
  cnnk::ConvGeom geom;
  bool depthwise() const { return groups == c && c == m && c > 1; }
};

ConvFacts convFacts(const Node &n) {
  const TensorType &x = n.operand(0)->type(), &w = n.operand(1)->type();
  ConvFacts f{n,          x,
              w,          n.result()->type(),
              x.shape[1], w.shape[0],
              n.getInt("groups"), {}};
  f.geom = convGeom(n);
  return f;
}

/// Whether `t` is of rank 3 to 5 with channels in whole blocks of v.
bool wholeBlocks(const TensorType &t, int64_t v) {
  return t.rank() >= 3 && t.rank() <= 5 && t.shape[1] > 0 &&
         t.shape[1] % v == 0;
}

/// A conv's form: x, weights, bias and residual as given, the result.
BlockedForm convForm(const Node &n, SlotLayout x, SlotLayout res,
                     SlotLayout result) {
  BlockedForm f;
  f.result = result;
  for (unsigned i = 0; i < n.numOperands(); ++i)
    f.operands.push_back(i == 0   ? x
                         : i == 3 ? res
                                  : SlotLayout::Plain);
  return f;
}

using FormFn = std::optional<BlockedForm> (*)(const ConvFacts &, int64_t,
                                              std::string &);
using TakesFn = bool (*)(const ConvFacts &, const TargetInfo &);

/// A conv kernel. `blocked`: it computes convs with blocked values (those
/// assign-layout gave the blocked layout), else plain ones. `form`: how it
/// takes the conv's values in blocks of v (blocked entries; none for an
/// entry that runs within another's form). `takes`: whether it computes
/// the conv in the layouts the conv has, given the entries before it did
/// not take it.
struct ConvEntry {
  ConvAlgo algo;
  const char *kernel;
  bool blocked;
  FormFn form;
  TakesFn takes;
};

//--- plain --------------------------------------------------------------===//

bool takesAsGemm(const ConvFacts &f, const TargetInfo &) {
  return isPointwiseConv(f.n);
}

/// conv_depthwise: one input channel per output channel, one depth plane,
/// a tile of output columns that fits its stack buffer.
bool takesDepthwise(const ConvFacts &f, const TargetInfo &t) {
  return f.c == f.groups && depthwiseColumns(f.geom, t.vectorWidth) > 0;
}

bool takesAny(const ConvFacts &, const TargetInfo &) { return true; }

//--- blocked ------------------------------------------------------------===//

/// conv_blocked into whole blocks of scratch: x in whole blocks, groups 1,
/// output channels that are not whole blocks (MobileNet's 24), their real
/// channels copied to a plain result; the bias is padded at compile time.
std::optional<BlockedForm> paddedForm(const ConvFacts &f, int64_t v,
                                      std::string &why) {
  if (f.m % v == 0 || f.groups != 1 || !wholeBlocks(f.x, v) ||
      f.y.rank() < 3 || f.y.rank() > 5) {
    why = "not a conv from whole blocks to a partial one";
    return std::nullopt;
  }
  const Value *b = f.n.operand("b");
  if (b && !isConst(b)) {
    why = fmt::format("output channels {} are not whole blocks of {} and "
                      "the bias is computed at run time",
                      f.m, v);
    return std::nullopt;
  }
  return convForm(f.n, SlotLayout::Blocked, SlotLayout::Plain,
                  SlotLayout::Plain);
}

bool takesPadded(const ConvFacts &f, const TargetInfo &) {
  return !f.y.blocked();
}

/// conv_depthwise_blocked: groups == C == M, x blocked.
std::optional<BlockedForm> depthwiseBlockedForm(const ConvFacts &f, int64_t v,
                                                std::string &why) {
  if (!f.depthwise() || !wholeBlocks(f.x, v) || f.m % v != 0) {
    why = "not a depthwise conv of whole blocks";
    return std::nullopt;
  }
  return convForm(f.n, SlotLayout::Blocked, SlotLayout::Blocked,
                  SlotLayout::Blocked);
}

bool takesDepthwiseBlocked(const ConvFacts &f, const TargetInfo &) {
  return f.depthwise();
}

/// conv_blocked: groups 1, output channels in whole blocks, x plain (the
/// first conv of a network, 3 channels) or, in whole blocks, blocked.
std::optional<BlockedForm> directForm(const ConvFacts &f, int64_t v,
                                      std::string &why) {
  if (f.groups != 1) {
    why = fmt::format("groups {}", f.groups);
    return std::nullopt;
  }
  if (f.m % v != 0 || f.m == 0) {
    why = fmt::format("output channels {} not a multiple of {}", f.m, v);
    return std::nullopt;
  }
  return convForm(f.n,
                  wholeBlocks(f.x, v) ? SlotLayout::Either : SlotLayout::Plain,
                  SlotLayout::Blocked, SlotLayout::Blocked);
}

/// conv_winograd F(4x4, 3x3) takes a 2D 3x3 conv, stride and dilation 1,
/// of a blocked input (within conv_blocked's form).
bool winogradApplies(const ConvFacts &f) {
  const cnnk::ConvGeom &g = f.geom;
  if (!f.x.blocked() || f.x.rank() != 4)
    return false;
  for (int i = 1; i < 3; ++i)
    if (g.kernel[i] != 3 || g.stride[i] != 1 || g.dilation[i] != 1)
      return false;
  return g.in[0] == 1 && g.kernel[0] == 1;
}

/// Whether Winograd is the faster way for a conv of c to m channels by the
/// cost model, in flops of the FMA units: the direct conv's 2 x 9 x m x c
/// per pixel against 2 x 36 x m x c per 4x4 tile (tiles covering the
/// plane), plus the transforms (about 3 vector operations per input and
/// output value and channel, each as dear as an FMA), plus streaming the
/// transformed weights (36 / 9 = 4x the direct ones) from beyond L2 once
/// per block of tiles when they do not fit half of it: L3 delivers about
/// two floats a cycle, the FMA units 4 V flops, so a streamed float costs
/// 2 V flops. Both compute in the same register tiles.
bool winogradPays(const ConvFacts &f, const TargetInfo &t) {
  const cnnk::ConvGeom &g = f.geom;
  WinogradTiles tiles = winogradTiles(g, f.c, f.y.block, t);
  double pixels = double(g.out[1] * g.out[2]);
  double direct = 2.0 * pixels * 9.0 * double(f.m * f.c);
  double gemm = 2.0 * double(tiles.tileCount) * 36.0 * double(f.m * f.c);
  double transforms =
      2.0 * double(tiles.tileCount) * 36.0 * double(f.c + f.m) * 3.0;
  double weightFloats = 36.0 * double(f.m * f.c);
  double streamed = weightFloats * 4.0 > double(t.l2Bytes) / 2
                        ? weightFloats * double(tiles.tileBlocks)
                        : 0.0;
  double wino = gemm + transforms + streamed * 2.0 * t.vectorWidth;
  return wino < 0.8 * direct;
}

/// Winograd where it applies and the conv's `algo` asks for it (auto: the
/// cost model); the direct kernel otherwise.
bool takesWinograd(const ConvFacts &f, const TargetInfo &t) {
  std::string algo = f.n.getEnum("algo");
  if (algo == "direct" || !winogradApplies(f))
    return false;
  return algo == "winograd" || winogradPays(f, t);
}

/// In order of preference within each layout.
constexpr ConvEntry kConvKernels[] = {
    {ConvAlgo::AsGemm, "gemm", false, nullptr, takesAsGemm},
    {ConvAlgo::Depthwise, "conv_depthwise", false, nullptr, takesDepthwise},
    {ConvAlgo::ImplicitGemm, "conv_gemm", false, nullptr, takesAny},
    {ConvAlgo::BlockedPadded, "conv_blocked", true, paddedForm, takesPadded},
    {ConvAlgo::DepthwiseBlocked, "conv_depthwise_blocked", true,
     depthwiseBlockedForm, takesDepthwiseBlocked},
    {ConvAlgo::Winograd, "conv_winograd", true, nullptr, takesWinograd},
    {ConvAlgo::Blocked, "conv_blocked", true, directForm, takesAny},
};

/// The blocked form of conv `n`: the first blocked entry's that has one.
std::optional<BlockedForm> convBlockedForm(const Node &n, int64_t v,
                                           std::string &why) {
  const TensorType &x = n.operand(0)->type();
  if (n.getEnum("padding_mode") != "zeros") {
    why = "padding_mode " + n.getEnum("padding_mode");
    return std::nullopt;
  }
  if (!isConst(n.operand(1))) {
    why = fmt::format("weights %{} computed at run time (the blocked "
                      "kernels' weights are laid out at compile time)",
                      n.operand(1)->name());
    return std::nullopt;
  }
  if (x.rank() < 3 || x.rank() > 5) {
    why = fmt::format("rank {}", x.rank());
    return std::nullopt;
  }
  ConvFacts f = convFacts(n);
  for (const ConvEntry &e : kConvKernels)
    if (e.form)
      if (std::optional<BlockedForm> form = e.form(f, v, why))
        return form;
  return std::nullopt;
}

//===--- Blocked forms of the other ops -----------------------------------===//

/// The form of a non-conv node: pool_blocked, global_pool_blocked,
/// batch_norm's channel kernel, and the layout-blind kernels (elementwise,
/// concat on the channels, broadcasting ops whose operands are the result's
/// shape or a channel vector of it), all on whole blocks.
std::optional<BlockedForm> opBlockedForm(const Node &n, int64_t v,
                                         std::string &why) {
  auto fail = [&](const char *reason) {
    why = reason;
    return std::nullopt;
  };
  if (n.numResults() != 1 || n.numOperands() == 0)
    return fail("no blocked kernel");
  const TensorType &y = n.result()->type();
  OpKind k = n.kind();
  BlockedForm f;
  f.operands.assign(n.numOperands(), SlotLayout::Blocked);
  if (k == OpKind::BatchNorm) {
    if (!wholeBlocks(n.operand(0)->type(), v) || !wholeBlocks(y, v))
      return fail("channels not in whole blocks");
    for (size_t i = 1; i < f.operands.size(); ++i)
      f.operands[i] = SlotLayout::Plain;
    return f;
  }
  if (k == OpKind::MaxPool || k == OpKind::AvgPool ||
      k == OpKind::GlobalAvgPool || k == OpKind::GlobalMaxPool) {
    if (!wholeBlocks(n.operand(0)->type(), v))
      return fail("channels not in whole blocks");
    // A global pool's [N,C,1,1] is the same bytes in both layouts.
    if (k == OpKind::GlobalAvgPool || k == OpKind::GlobalMaxPool)
      f.result = SlotLayout::Either;
    return f;
  }
  if (k == OpKind::Concat) {
    int64_t axis = n.getInt("axis");
    if (axis != 1 && axis != 1 - y.rank())
      return fail("concat on an axis other than the channels");
  } else if (n.info().flags & kBroadcast) {
    for (unsigned i = 0; i < n.numOperands(); ++i) {
      const Shape &s = n.operand(i)->type().shape;
      if (isChannelVector(s, y.shape))
        f.operands[i] = SlotLayout::Either;
      else if (s != y.shape)
        return fail("operands of different shapes");
    }
  } else if (!(n.info().flags & kElementwise)) {
    return fail("no blocked kernel");
  }
  for (const Value *x : n.operands())
    if (!wholeBlocks(x->type(), v))
      return fail("channels not in whole blocks");
  if (!wholeBlocks(y, v))
    return fail("channels not in whole blocks");
  return f;
}

std::optional<BlockedForm> formOf(const Node &n, int64_t v, std::string &why) {
  if (n.kind() == OpKind::Conv)
    return convBlockedForm(n, v, why);
  return opBlockedForm(n, v, why);
}

bool fits(SlotLayout l, int64_t block, int64_t v) {
  switch (l) {
  case SlotLayout::Plain:
    return block == 0;
  case SlotLayout::Blocked:
    return block == v;
  case SlotLayout::Either:
    return block == 0 || block == v;
  }
  return false;
}

std::string layoutText(int64_t block) {
  return block ? fmt::format("blocked by {}", block) : "plain";
}

std::string expectedText(SlotLayout l, int64_t v) {
  switch (l) {
  case SlotLayout::Plain:
    return "plain";
  case SlotLayout::Blocked:
    return fmt::format("blocked by {}", v);
  case SlotLayout::Either:
    return fmt::format("plain or blocked by {}", v);
  }
  return "?";
}

} // namespace

std::string blockedLayoutProblem(const Node &n, int64_t block) {
  std::string why;
  std::optional<BlockedForm> f = formOf(n, block, why);
  if (!f)
    return why;
  auto check = [&](const Value *v, SlotLayout l) -> std::string {
    int64_t b = v->type().block;
    if (fits(l, b, block))
      return "";
    return fmt::format("mixed layouts: %{} is {} where the kernel takes it "
                       "{}",
                       v->name(), layoutText(b), expectedText(l, block));
  };
  for (unsigned i = 0; i < n.numOperands(); ++i)
    if (std::string p = check(n.operand(i), f->operands[i]); !p.empty())
      return p;
  return check(n.result(), f->result);
}

//===--- The catalogue ----------------------------------------------------===//

Catalogue::Catalogue(const TargetInfo &t)
    : Target(t), Isa(&isaOfWidth(t.vectorWidth)) {}

std::string Catalogue::name() const {
  return std::string("cpu ") + Isa->name;
}

ConvAlgo Catalogue::convAlgorithm(const Node &n) const {
  bool blocked = isBlockedNode(n);
  ConvFacts f = convFacts(n);
  for (const ConvEntry &e : kConvKernels)
    if (e.blocked == blocked && e.takes(f, Target))
      return e.algo;
  return blocked ? ConvAlgo::Blocked : ConvAlgo::ImplicitGemm;
}

std::optional<BlockedForm> Catalogue::blockedForm(const Node &n, int64_t block,
                                                  std::string &why) const {
  if (n.kind() == OpKind::Relayout) {
    why = "relayout converts layouts";
    return std::nullopt;
  }
  return formOf(n, block, why);
}

std::optional<RegisterTile> Catalogue::registerTile() const {
  return RegisterTile{Isa->gemmMR, Isa->gemmNR, cnnk::kBPanelFloats};
}

std::shared_ptr<const KernelCatalogue> catalogueFor(const TargetInfo &t) {
  return std::make_shared<Catalogue>(t);
}

PassTarget passTarget(const TargetInfo &t) {
  PassTarget p;
  p.vectorWidth = t.vectorWidth;
  p.vectorRegisters = t.vectorRegisters;
  p.l1Bytes = t.l1Bytes;
  p.l2Bytes = t.l2Bytes;
  p.kernels = catalogueFor(t);
  return p;
}

} // namespace cnnc::cpu
