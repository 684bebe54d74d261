//===- Lowering.h - From graph nodes to kernel calls ------------*- C++ -*-===//
//
// The CPU backend lowers each node to one or more kernel calls: a kernel of
// the library (kernels/Kernels.def), its parameter struct with every shape,
// stride and pad filled in, the buffers it reads and writes, and the size of
// its parallel task space. Weights are packed here, at compile time, into
// the layout the kernel reads.
//
// Each op of the op table has a lowering `lower<Id>` (declared below from
// Ops.def, defined in lower/*.cpp next to the op family it serves): a new op
// without one does not link.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CPU_LOWERING_H
#define CNNC_COMPILER_CPU_LOWERING_H

#include "compiler/cpu/kernels/Params.h"
#include "compiler/LowerBuffers.h"
#include "compiler/LowerCommon.h"
#include "ir/Window.h"

#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace cnnc::cpu {

enum class KernelId {
#define KERNEL(Id, name, Params, Vectorised) Id,
#include "compiler/cpu/kernels/Kernels.def"
};

struct KernelInfo {
  const char *name; // bitcode symbol is cnnk_<name>[_v<width>]
  size_t paramsSize;
  bool vectorised;
};
const KernelInfo &kernelInfo(KernelId id);

/// Maps a params struct type to its kernel(s), to check calls at compile
/// time: ParamsOf<KernelId::Copy>::type is cnnk::CopyParams.
template <KernelId K> struct ParamsOf;
#define KERNEL(Id, name, Params, Vectorised)                                   \
  template <> struct ParamsOf<KernelId::Id> { using type = cnnk::Params; };
#include "compiler/cpu/kernels/Kernels.def"

/// What the backend compiles for: the LLVM CPU name and features, and the
/// figures kernels are shaped by.
struct TargetInfo {
  std::string triple;
  std::string cpu;      // LLVM CPU name, e.g. "icelake-client"
  std::string features; // LLVM feature string, e.g. "+avx2,+fma,..."
  int vectorWidth = 4;  // floats per vector register: 4, 8 or 16
  int vectorRegisters = 16;
  int64_t l1Bytes = 32 * 1024;
  int64_t l2Bytes = 1024 * 1024;
};

using cnnc::Buffer;

struct KernelCall {
  KernelId kernel;
  std::vector<uint8_t> params; // bytes of ParamsOf<kernel>::type
  std::vector<Buffer> buffers; // in the order the kernel reads bufs[]
  int64_t tasks = 1;           // the kernel computes tasks [0, tasks)
  const Node *node = nullptr;  // the node this call computes (part of)
  double flops = 0;
};

/// The state of lowering one graph for the CPU: the buffers and weights
/// (BufferCtx), the target, and the kernel calls in execution order.
class LowerCtx : public BufferCtx {
public:
  LowerCtx(const Graph &g, const TargetInfo &target, DiagEngine &diag);

  const TargetInfo &target() const { return Target; }

  /// Appends a call of kernel K for the node being lowered.
  template <KernelId K>
  void call(const typename ParamsOf<K>::type &params,
            std::vector<Buffer> buffers, int64_t tasks, double flops = 0) {
    static_assert(std::is_trivially_copyable_v<typename ParamsOf<K>::type>);
    KernelCall c;
    c.kernel = K;
    c.params.resize(sizeof(params));
    std::memcpy(c.params.data(), &params, sizeof(params));
    c.buffers = std::move(buffers);
    resolveWorkspace(c.buffers);
    c.tasks = tasks;
    c.node = currentNode();
    c.flops = flops;
    Calls.push_back(std::move(c));
  }

  /// The calls, workspace placed (finishBuffers) on first use.
  std::vector<KernelCall> &calls() {
    finishBuffers();
    return Calls;
  }

private:
  void resolveAllCalls() override;

  TargetInfo Target;
  std::vector<KernelCall> Calls;
};

/// Per-op lowerings. Each reports a user error through ctx.diag() and
/// returns false when the node cannot be compiled.
#define OP(Id, Name, Operands, Results, Flags, Attrs)                          \
  bool lower##Id(const Node &n, LowerCtx &ctx);
#include "ir/Ops.def"

/// Lowers node `n` by its kind (lowerGraphWith, compiler/LowerCommon.h,
/// runs it over a graph).
bool lowerNode(const Node &n, LowerCtx &ctx);

/// Number of elements of a value's (inferred) type.
int64_t numElementsOf(const Value *v);

/// Appends a plain copy of `count` floats from `from` to `to`.
void lowerCopy(Buffer from, Buffer to, int64_t count, LowerCtx &ctx);
/// Appends a plain copy of x to y (same element count); reshapes and
/// identity use it.
void lowerCopy(const Value *x, const Value *y, LowerCtx &ctx);

} // namespace cnnc::cpu

#endif
