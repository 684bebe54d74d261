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
#include "ir/Graph.h"
#include "ir/Tensor.h"
#include "ir/Window.h"
#include "passes/MemoryPlan.h"

#include <cstring>
#include <map>
#include <memory>
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

/// A buffer a kernel reads or writes. While lowering, a workspace buffer
/// names its memory-plan slot in `index` and `offset` is relative to the
/// slot; LowerCtx::finishBuffers() turns that into the workspace offset.
struct Buffer {
  enum Kind { Input, Output, Workspace, Weights };
  Kind kind = Workspace;
  int64_t index = 0;  // graph input/output number (workspace: see above)
  int64_t offset = 0; // byte offset into the workspace or the weights
  bool operator==(const Buffer &) const = default;
};

struct KernelCall {
  KernelId kernel;
  std::vector<uint8_t> params; // bytes of ParamsOf<kernel>::type
  std::vector<Buffer> buffers; // in the order the kernel reads bufs[]
  int64_t tasks = 1;           // the kernel computes tasks [0, tasks)
  const Node *node = nullptr;  // the node this call computes (part of)
  double flops = 0;
};

/// The state of lowering one graph: where each value lives, the packed
/// weights, and the kernel calls in execution order.
class LowerCtx {
public:
  LowerCtx(const Graph &g, const TargetInfo &target, DiagEngine &diag);

  const Graph &graph() const { return G; }
  const TargetInfo &target() const { return Target; }
  DiagEngine &diag() { return Diag; }

  /// The data of `v` when it is defined by a const node (materialised once
  /// and cached), else nullptr. Lowerings use it to pack weights.
  const Tensor *constant(const Value *v);

  /// The buffer holding `v`: a graph input or output, the workspace slot of
  /// an intermediate value, or the weights of a const.
  Buffer buffer(const Value *v);

  /// Adds `data` (already laid out for its kernel) to the weights blob,
  /// 64-byte aligned; returns its buffer.
  Buffer addWeights(const std::vector<float> &data);

  /// A workspace scratch area of `bytes`, live for the calls of the current
  /// node only (e.g. a temporary between two kernels of one node): planned
  /// with the values, it may overlap anything not live at this node.
  Buffer scratch(int64_t bytes);

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
    resolveWorkspace(c);
    c.tasks = tasks;
    c.node = Current;
    c.flops = flops;
    Calls.push_back(std::move(c));
  }

  //===--- Used by the backend driver -------------------------------------===//
  void setCurrentNode(const Node *n) { Current = n; }
  /// Assigns every graph value its buffer (inputs, outputs, or a slot of
  /// the memory plan, passes/MemoryPlan.h). Call before lowering.
  void planBuffers();
  /// After lowering: places the plan's slots (values and scratch) and
  /// patches the workspace offsets into every call; calls appended later
  /// get theirs at once. Idempotent; lowerNode() does it after the graph's
  /// last node and calls() on first use.
  void finishBuffers();
  std::vector<KernelCall> &calls() {
    finishBuffers();
    return Calls;
  }
  const std::vector<uint8_t> &weights() const { return WeightBytes; }
  /// The planned workspace (once finishBuffers() ran).
  int64_t workspaceBytes() const {
    return Plan && Plan->placed() ? Plan->workspaceBytes() : 0;
  }
  /// The memory plan (placed once finishBuffers() ran); null before
  /// planBuffers().
  const MemoryPlan *memoryPlan() const { return Plan.get(); }
  bool hadError() const;
  /// Frees the materialised consts (after lowering) and the packed weights
  /// (once the module holds its own copy): VGG-16's are 528 MB each.
  void releaseConstants() { Consts.clear(); }
  void releaseWeights() { std::vector<uint8_t>().swap(WeightBytes); }

private:
  /// Turns a call's slot-relative workspace buffers into workspace offsets
  /// once the plan is placed.
  void resolveWorkspace(KernelCall &c) const;

  const Graph &G;
  TargetInfo Target;
  DiagEngine &Diag;
  const Node *Current = nullptr;
  std::map<const Value *, std::unique_ptr<Tensor>> Consts;
  std::map<const Value *, Buffer> Buffers;
  std::map<const Value *, Buffer> ConstBuffers;
  std::vector<uint8_t> WeightBytes;
  std::unique_ptr<MemoryPlan> Plan;
  std::vector<KernelCall> Calls;
};

/// Per-op lowerings. Each reports a user error through ctx.diag() and
/// returns false when the node cannot be compiled.
#define OP(Id, Name, Operands, Results, Flags, Attrs)                          \
  bool lower##Id(const Node &n, LowerCtx &ctx);
#include "ir/Ops.def"

/// Lowers node `n` by its kind; after the graph's last node, places the
/// workspace (LowerCtx::finishBuffers).
bool lowerNode(const Node &n, LowerCtx &ctx);

/// Number of elements of a value's (inferred) type.
int64_t numElementsOf(const Value *v);

/// Writes a sliding window's geometry into a kernel's params (fields in,
/// out, kernel, stride, dilation, padBegin and, where the params have it,
/// padEnd), right-aligned on three axes (D, H, W): a 1D or 2D window gets
/// leading axes of size, kernel and stride 1.
template <typename Params>
void setWindow3(const std::vector<WindowAxis> &axes, Params &p) {
  size_t lead = 3 - axes.size();
  for (size_t i = 0; i < 3; ++i) {
    WindowAxis a;
    a.in = a.out = 1;
    if (i >= lead)
      a = axes[i - lead];
    p.in[i] = a.in;
    p.out[i] = a.out;
    p.kernel[i] = a.kernel;
    p.stride[i] = a.stride;
    p.dilation[i] = a.dilation;
    p.padBegin[i] = a.padBegin;
    if constexpr (requires { p.padEnd[i]; })
      p.padEnd[i] = a.padEnd;
  }
}

/// Appends a plain copy of `count` floats from `from` to `to`.
void lowerCopy(Buffer from, Buffer to, int64_t count, LowerCtx &ctx);
/// Appends a plain copy of x to y (same element count); reshapes and
/// identity use it.
void lowerCopy(const Value *x, const Value *y, LowerCtx &ctx);

} // namespace cnnc::cpu

#endif
