//===- Lowering.h - From graph nodes to CUDA kernel launches ----*- C++ -*-===//
//
// The CUDA backend lowers each node of the optimised graph (the same fused,
// tiled form the CPU backend reads) to one or more kernel launches: a
// template of the CUDA kernel library (compiler/cuda/kernels/*.cuh)
// instantiated with a struct of compile-time constants (every shape,
// stride, pad, tile size and epilogue), its grid and block, and the
// buffers it reads and writes. Weights are packed here, at compile time,
// into the layout the kernel reads; buffers come from the same memory plan
// as the CPU backend's (BufferCtx).
//
// Each op of the op table has a lowering `lower<Id>` (declared below from
// Ops.def, defined in lower/*.cpp next to the op family it serves): a new
// op without one does not link.
//
// Every kernel has one parameter, `cnnk::Args` (CNNC_CUDA_MAX_ARGS float
// pointers, by value): argument i is buffers[i] of its launch.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CUDA_LOWERING_H
#define CNNC_COMPILER_CUDA_LOWERING_H

#include "compiler/LowerBuffers.h"
#include "compiler/LowerCommon.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cnnc::cuda {

/// What the CUDA backend compiles for and the figures kernels are shaped
/// by (the smallest of the architectures compiled for).
struct GpuTarget {
  /// Compute capabilities to build cubins for (80 = sm_80); PTX is also
  /// embedded for the newest.
  std::vector<int> archs = {80, 90};
  /// Static shared memory a block may use.
  int64_t sharedBytes = 48 * 1024;
  int64_t maxThreadsPerBlock = 1024;
  /// Streaming multiprocessors the tile model keeps busy (an A100 has
  /// 108, an H100 132).
  int64_t multiprocessors = 108;
};

/// The most pointer arguments a kernel takes (abi.h's CNNC_CUDA_MAX_ARGS).
constexpr size_t kMaxArgs = 12;

/// The compile-time constants a library template is instantiated with,
/// printed as a struct of `static constexpr` members:
///
///   struct k003_conv1_p {
///     static constexpr int C = 64;
///     static constexpr float alpha = 0.1f;
///     static __device__ __forceinline__ constexpr int in(int i) {...}
///   };
///
/// Integers are `int` (the lowering checks every tensor has fewer than
/// 2^31 elements); lists become a constexpr function of the index and a
/// count member `<name>_n`, so unrolled loops over them fold to constants.
class KernelParams {
public:
  KernelParams &i(std::string_view name, int64_t v);
  KernelParams &f(std::string_view name, double v);
  KernelParams &ints(std::string_view name, const std::vector<int64_t> &v);
  KernelParams &floats(std::string_view name, const std::vector<double> &v);
  /// An activation as members <prefix> (its ActKind) and <prefix>_a, _b,
  /// _g (alpha, beta, gamma): what the prelude's activate<> reads.
  KernelParams &act(std::string_view prefix, const Activation &a);
  /// A conv or gemm epilogue: act, has_res and res_act (see act()), what
  /// the prelude's epilogue<> reads.
  KernelParams &epilogue(const FusedEpilogue &e);

  /// The members, one declaration per line, indented by `indent`.
  std::string members(std::string_view indent) const;
  /// Whether a member of that name was set.
  bool has(std::string_view name) const;
  bool operator==(const KernelParams &o) const { return Decls == o.Decls; }

private:
  KernelParams &add(std::string_view name, std::string decl);
  std::vector<std::pair<std::string, std::string>> Decls; // name, text
};

struct Dim3 {
  int64_t x = 1, y = 1, z = 1;
  int64_t count() const { return x * y * z; }
  bool operator==(const Dim3 &) const = default;
};

/// One kernel launch.
struct Launch {
  std::string tmpl;    ///< The library template, e.g. "conv_igemm".
  KernelParams params; ///< Its constants.
  Dim3 grid, block;
  std::vector<Buffer> buffers; ///< Argument i of the kernel.
  const Node *node = nullptr;  ///< The node it computes (part of).
  double flops = 0;
  /// How the work is split, for summaries and manifests ("block 64x64x8,
  /// 4x4 per thread"); empty for the plain one-element-per-thread kernels.
  std::string tile;
};

/// The state of lowering one graph for CUDA: buffers and weights
/// (BufferCtx), the target, and the launches in execution order.
class LowerCtx : public BufferCtx {
public:
  LowerCtx(const Graph &g, const GpuTarget &target, DiagEngine &diag);

  const GpuTarget &target() const { return Target; }

  /// Appends a launch of library template `tmpl` for the node being
  /// lowered.
  void launch(std::string tmpl, KernelParams params, Dim3 grid, Dim3 block,
              std::vector<Buffer> buffers, double flops = 0,
              std::string tile = {});

  /// A launch of `tmpl` with one thread per unit of `units` work items
  /// (ceil(units / threads) blocks of `threads`; the backend keeps units
  /// below 2^31), the count as member `n`. Most non-conv ops use it.
  void launchFlat(std::string tmpl, KernelParams params, int64_t units,
                  std::vector<Buffer> buffers, double flops = 0,
                  int64_t threads = 256);

  /// The launches, workspace placed (finishBuffers) on first use.
  std::vector<Launch> &launches() {
    finishBuffers();
    return Launches;
  }

private:
  void resolveAllCalls() override;

  GpuTarget Target;
  std::vector<Launch> Launches;
};

/// Per-op lowerings. Each reports a user error through ctx.diag() and
/// returns false when the node cannot be compiled.
#define OP(Id, Name, Operands, Results, Flags, Attrs)                          \
  bool lower##Id(const Node &n, LowerCtx &ctx);
#include "ir/Ops.def"

/// Lowers node `n` by its kind after checking its tensors fit 32-bit
/// indexing and are in plain layout (lowerGraphWith, compiler/LowerCommon.h,
/// runs it over a graph).
bool lowerNode(const Node &n, LowerCtx &ctx);

/// Appends a copy of `count` floats from `from` to `to` (reshapes, graph
/// outputs no node writes).
void lowerCopy(Buffer from, Buffer to, int64_t count, LowerCtx &ctx);

int64_t ceilDiv(int64_t a, int64_t b);

} // namespace cnnc::cuda

#endif
