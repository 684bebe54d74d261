//===- Lowering.cpp - CUDA lowering context and per-node dispatch --------===//
#include "compiler/cuda/Lowering.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace cnnc::cuda {

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

//===--- KernelParams -----------------------------------------------------===//

namespace {

/// A float literal CUDA and the host compiler both read as a constant
/// (CNNK_INF and CNNK_NAN come from the prelude).
std::string floatLiteral(double v) {
  if (std::isnan(v))
    return "CNNK_NAN";
  if (std::isinf(v))
    return v < 0 ? "-CNNK_INF" : "CNNK_INF";
  float f = float(v);
  if (std::isinf(f)) // out of float's range
    return v < 0 ? "-CNNK_INF" : "CNNK_INF";
  std::string s = fmt::format("{:.9g}", f);
  if (s.find_first_of(".e") == std::string::npos)
    s += ".0";
  return s + "f";
}

std::string intLiteral(int64_t v) {
  // INT_MIN has no literal: write it as an expression.
  if (v == std::numeric_limits<int32_t>::min())
    return "(-2147483647 - 1)";
  return std::to_string(v);
}

template <typename T, typename F>
std::string listFunction(std::string_view type, std::string_view name,
                         const std::vector<T> &v, F literal) {
  std::string vals;
  for (size_t k = 0; k < v.size(); ++k)
    vals += (k ? ", " : "") + literal(v[k]);
  if (v.empty())
    vals = literal(T(0)); // no zero-length arrays; never read
  return fmt::format("static __device__ __forceinline__ constexpr {0} "
                     "{1}(int i) {{ constexpr {0} v[{2}] = {{{3}}}; "
                     "return v[i]; }}",
                     type, name, std::max<size_t>(v.size(), 1), vals);
}

} // namespace

KernelParams &KernelParams::add(std::string_view name, std::string decl) {
  for (auto &d : Decls)
    if (d.first == name) {
      d.second = std::move(decl);
      return *this;
    }
  Decls.emplace_back(std::string(name), std::move(decl));
  return *this;
}

KernelParams &KernelParams::i(std::string_view name, int64_t v) {
  return add(name, fmt::format("static constexpr int {} = {};", name,
                               intLiteral(v)));
}

KernelParams &KernelParams::f(std::string_view name, double v) {
  return add(name, fmt::format("static constexpr float {} = {};", name,
                               floatLiteral(v)));
}

KernelParams &KernelParams::ints(std::string_view name,
                                 const std::vector<int64_t> &v) {
  i(std::string(name) + "_n", int64_t(v.size()));
  return add(name, listFunction("int", name, v, intLiteral));
}

KernelParams &KernelParams::floats(std::string_view name,
                                   const std::vector<double> &v) {
  i(std::string(name) + "_n", int64_t(v.size()));
  return add(name, listFunction("float", name, v, floatLiteral));
}

KernelParams &KernelParams::act(std::string_view prefix,
                                const Activation &a) {
  std::string p(prefix);
  i(p, a.kind);
  f(p + "_a", a.alpha);
  f(p + "_b", a.beta);
  return f(p + "_g", a.gamma);
}

KernelParams &KernelParams::epilogue(const FusedEpilogue &e) {
  act("act", e.act);
  i("has_res", e.hasResidual ? 1 : 0);
  return act("res_act", e.resAct);
}

std::string KernelParams::members(std::string_view indent) const {
  std::string s;
  for (const auto &d : Decls)
    s += fmt::format("{}{}\n", indent, d.second);
  return s;
}

bool KernelParams::has(std::string_view name) const {
  for (const auto &d : Decls)
    if (d.first == name)
      return true;
  return false;
}

//===--- LowerCtx ---------------------------------------------------------===//

LowerCtx::LowerCtx(const Graph &g, const GpuTarget &target, DiagEngine &diag)
    : BufferCtx(g, diag), Target(target) {}

void LowerCtx::launch(std::string tmpl, KernelParams params, Dim3 grid,
                      Dim3 block, std::vector<Buffer> buffers, double flops,
                      std::string tile) {
  if (grid.count() == 0 || block.count() == 0)
    return; // nothing to compute (an empty tensor)
  Launch l;
  l.tmpl = std::move(tmpl);
  l.params = std::move(params);
  l.grid = grid;
  l.block = block;
  l.buffers = std::move(buffers);
  resolveWorkspace(l.buffers);
  l.node = currentNode();
  l.flops = flops;
  l.tile = std::move(tile);
  Launches.push_back(std::move(l));
}

void LowerCtx::launchFlat(std::string tmpl, KernelParams params,
                          int64_t units, std::vector<Buffer> buffers,
                          double flops, int64_t threads) {
  if (units <= 0)
    return;
  params.i("n", units);
  Dim3 grid{ceilDiv(units, threads), 1, 1}, block{threads, 1, 1};
  launch(std::move(tmpl), std::move(params), grid, block, std::move(buffers),
         flops);
}

void LowerCtx::resolveAllCalls() {
  for (Launch &l : Launches)
    resolveWorkspace(l.buffers);
}

//===--- Dispatch ---------------------------------------------------------===//

void lowerCopy(Buffer from, Buffer to, int64_t count, LowerCtx &ctx) {
  if (from == to)
    return;
  ctx.launchFlat("copy", KernelParams(), count, {from, to});
}

namespace {

bool lowerByKind(const Node &n, LowerCtx &ctx) {
  switch (n.kind()) {
#define OP(Id, Name, Operands, Results, Flags, Attrs)                          \
  case OpKind::Id:                                                             \
    return lower##Id(n, ctx);
#include "ir/Ops.def"
  }
  return false;
}

/// Whether `n` computes element by element with every operand and result
/// of one shape and layout: then the layout does not matter to it.
bool layoutAgnostic(const Node &n) {
  if (!n.info().has(kElementwise))
    return false;
  const TensorType &t = n.result()->type();
  for (const Value *v : n.operands())
    if (v && !(v->type().shape == t.shape && v->type().block == t.block))
      return false;
  return true;
}

/// Kernels index with `int`; blocked layouts are a CPU matter (the CUDA
/// pipeline does not run assign-layout): only relayout and ops that are
/// elementwise over operands of one shape and layout read or write them.
bool checkValues(const Node &n, LowerCtx &ctx) {
  bool anyLayout = n.kind() == OpKind::Relayout || layoutAgnostic(n);
  auto check = [&](const Value *v) {
    if (!v)
      return true;
    if (numElements(v->type().shape) >= (int64_t(1) << 31)) {
      ctx.diag().error(n.loc(),
                       "{}: tensor '%{}' has {} elements; the cuda backend "
                       "indexes with 32 bits (fewer than 2^31 elements)",
                       n.info().name, v->name(),
                       numElements(v->type().shape));
      return false;
    }
    if (v->type().blocked() && !anyLayout) {
      ctx.diag().error(n.loc(),
                       "{}: tensor '%{}' is in a blocked layout ({}); the "
                       "cuda backend reads plain layouts only",
                       n.info().name, v->name(), layoutName(int64_t(v->type().shape.size()),
                                  v->type().block));
      return false;
    }
    return true;
  };
  for (const Value *v : n.operands())
    if (!check(v))
      return false;
  for (const Value *v : n.results())
    if (!check(v))
      return false;
  return true;
}

} // namespace

bool lowerNode(const Node &n, LowerCtx &ctx) {
  if (!checkValues(n, ctx) || !lowerByKind(n, ctx))
    return false;
  return true;
}

} // namespace cnnc::cuda
