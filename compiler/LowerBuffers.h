//===- LowerBuffers.h - Buffers and weights while lowering ------*- C++ -*-===//
//
// What every backend's lowering needs besides its own kernels: where each
// graph value lives (a graph input or output, a slot of the memory plan,
// or the weights), the constants materialised once, the weights blob the
// lowerings pack data into, and per-node scratch areas. The CPU backend's
// LowerCtx (compiler/cpu/Lowering.h) and the CUDA backend's
// (compiler/cuda/Lowering.h) derive from BufferCtx and add their calls.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_LOWERBUFFERS_H
#define CNNC_COMPILER_LOWERBUFFERS_H

#include "ir/Graph.h"
#include "ir/Tensor.h"
#include "passes/MemoryPlan.h"
#include "cnnc/hash.h"

#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace cnnc {

/// A buffer a kernel reads or writes. While lowering, a workspace buffer
/// names its memory-plan slot in `index` and `offset` is relative to the
/// slot; BufferCtx::finishBuffers() turns that into the workspace offset.
struct Buffer {
  enum Kind { Input, Output, Workspace, Weights };
  Kind kind = Workspace;
  int64_t index = 0;  // graph input/output number (workspace: see above)
  int64_t offset = 0; // byte offset into the workspace or the weights
  bool operator==(const Buffer &) const = default;
};

/// The packed weights of a model, appended layer by layer: one buffer
/// grown with realloc, which for buffers this large remaps pages instead
/// of copying them (glibc's mremap), so a VGG-16's 528 MB are never held
/// twice while they grow. Or, asked before the first append, the bytes of
/// an unnamed file (after a header the caller fills) grown the same way:
/// the file is then the weights object (or the source of the bytes the
/// driver copies into what the linker made), with no copy of the weights
/// made for it. The bytes are checksummed (cnnc/hash.h) as they become
/// final (settle), and a file's final pages are handed back to the system
/// then: the weights are written once and not kept resident.
class WeightBlob {
public:
  WeightBlob() { cnnc_hash_init(&Hash); }
  WeightBlob(const WeightBlob &) = delete;
  WeightBlob &operator=(const WeightBlob &) = delete;
  ~WeightBlob() { clear(); }
  /// Keeps the bytes in a file, from offset `header` on: an unnamed file in
  /// the folder `dir` (on disk, so that the system can write the pages out
  /// and drop them), else an anonymous memory file. False (the heap then)
  /// where the system has neither, or after an append.
  bool useMemoryFile(size_t header, const std::string &dir = "");
  /// The file (-1 when the bytes are on the heap): the bytes are
  /// unmapped and the caller owns the descriptor.
  int takeMemoryFile();
  const uint8_t *data() const { return Data; }
  size_t size() const { return Size; }
  bool empty() const { return Size == 0; }
  std::string_view bytes() const {
    return {reinterpret_cast<const char *>(Data), Size};
  }
  /// Appends `n` bytes of zeros (padding), then `data`'s bytes.
  void append(size_t zeros, const void *data, size_t bytes);
  /// Appends `zeros + bytes` bytes of zeros; returns the last `bytes` to
  /// be written in place (valid until the next append).
  uint8_t *appendZeros(size_t zeros, size_t bytes);
  /// The bytes before offset `upTo` are final: they are checksummed and,
  /// in a file, their pages leave this process's memory (to be read back
  /// from the file if touched again).
  void settle(size_t upTo);
  /// The checksum of all the bytes (cnnc_weights_hash); settles them.
  uint64_t hash();
  /// Frees the buffer.
  void clear();

private:
  void grow(size_t need);

  uint8_t *Data = nullptr;
  size_t Size = 0, Capacity = 0;
  int Fd = -1;            // the file, or -1
  size_t Header = 0;      // bytes of the file before Data
  uint8_t *Map = nullptr; // the file's mapping (Data - Header)
  cnnc_hash_state Hash;   // over the bytes before Hashed
  size_t Hashed = 0;      // a multiple of 32
  size_t Released = 0;    // the file's bytes before this are not mapped in
};

/// The buffers and weights of lowering one graph.
class BufferCtx {
public:
  BufferCtx(const Graph &g, DiagEngine &diag);
  virtual ~BufferCtx();

  const Graph &graph() const { return G; }
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
  /// Adds `floats` floats of weights, zeroed, which `fill` lays out in
  /// place: large weights are packed straight into the blob, not into a
  /// temporary copied into it (a VGG-16's 550 MB were held three times).
  Buffer addWeights(int64_t floats, const std::function<void(float *)> &fill);
  /// Within such a `fill`: the weights before `end` are final (a large
  /// fill that writes in order settles as it goes, WeightBlob::settle).
  void settleWeights(const float *end);

  /// Takes the data of `g`'s constants held in memory (ONNX initialisers,
  /// folded constants) from the graph, `g` being the graph lowered: each is
  /// freed once the last node reading it is lowered (nodeLowered), so a
  /// network's weights are not held beside their packed copy. The graph's
  /// consts keep their names but no data.
  void takeConstants(Graph &g);
  /// Called after each node is lowered.
  void nodeLowered(const Node &n);

  /// A workspace scratch area of `bytes`, live for the calls of the current
  /// node only (e.g. a temporary between two kernels of one node): planned
  /// with the values, it may overlap anything not live at this node.
  Buffer scratch(int64_t bytes);

  //===--- Used by the backend driver -------------------------------------===//
  void setCurrentNode(const Node *n) { Current = n; }
  const Node *currentNode() const { return Current; }
  /// Assigns every graph value its buffer (inputs, outputs, or a slot of
  /// the memory plan, passes/MemoryPlan.h). Call before lowering.
  void planBuffers();
  /// After lowering: places the plan's slots (values and scratch) and
  /// patches the workspace offsets into every call (resolveAllCalls);
  /// calls appended later get theirs at once. Idempotent.
  void finishBuffers();
  const WeightBlob &weights() const { return WeightBytes; }
  /// The weights' checksum (cnnc_weights_hash of weights().bytes()).
  uint64_t weightsHash() { return WeightBytes.hash(); }
  /// The planned workspace (once finishBuffers() ran).
  int64_t workspaceBytes() const {
    return Plan && Plan->placed() ? Plan->workspaceBytes() : 0;
  }
  /// Whether the memory plan had `part` written into its slab of the
  /// concat result `whole`: the concat need not copy it.
  bool inSlabOf(const Value *part, const Value *whole) const {
    return Plan && Plan->inSlabOf(part, whole);
  }
  /// The memory plan (placed once finishBuffers() ran); null before
  /// planBuffers().
  const MemoryPlan *memoryPlan() const { return Plan.get(); }
  bool hadError() const;
  /// Frees the materialised consts (after lowering) and the packed weights
  /// (once they are written): VGG-16's are 528 MB each.
  void releaseConstants() { Consts.clear(); }
  void releaseWeights() { WeightBytes.clear(); }
  /// Keeps the weights in a memory file (WeightBlob::useMemoryFile); call
  /// before lowering.
  bool weightsInMemoryFile(size_t header, const std::string &dir = "") {
    return WeightBytes.useMemoryFile(header, dir);
  }
  /// The weights' memory file, handed to the caller (-1: none).
  int takeWeightsFile() { return WeightBytes.takeMemoryFile(); }

protected:
  /// Turns slot-relative workspace buffers into workspace offsets once the
  /// plan is placed (a no-op before).
  void resolveWorkspace(std::vector<Buffer> &buffers) const;
  /// Resolves the workspace buffers of every call appended so far.
  virtual void resolveAllCalls() = 0;

private:
  const Graph &G;
  DiagEngine &Diag;
  const Node *Current = nullptr;
  /// The consts' data: a held tensor (an ONNX initialiser, a folded
  /// const) is shared with the graph, not copied.
  std::map<const Value *, std::shared_ptr<const Tensor>> Consts;
  /// Of the consts taken from the graph (takeConstants): the nodes still
  /// to lower that read each, and those already freed.
  std::map<const Value *, int64_t> ConstUsers;
  std::set<const Value *> FreedConsts;
  std::map<const Value *, Buffer> Buffers;
  std::map<const Value *, Buffer> ConstBuffers;
  WeightBlob WeightBytes;
  std::unique_ptr<MemoryPlan> Plan;
};

} // namespace cnnc

#endif
