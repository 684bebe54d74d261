//===- MemoryPlan.h - Liveness-based workspace planning ---------*- C++ -*-===//
//
// Every intermediate value (not a graph input or output, not a const) lives
// in one workspace. The planner gives each value a slot: a region with a
// size and a lifetime, from its defining node to its last use in program
// order. Values share a slot where that is legal:
//
//   - views (reshape, flatten, identity, dropout, relayout between equal
//     layouts) share their operand's storage when it is a workspace slot or
//     a graph input, unless the view is itself a graph output;
//   - an elementwise op (kElementwise, or kBroadcast with an operand of the
//     result's exact type) writes into an operand's slot when that slot
//     dies at this node and holds no graph input (so a graph input is
//     never written);
//   - never conv or gemm, which accumulate into their result and read
//     their residual while doing so;
//   - an operand of a concat whose slab of the result is one contiguous
//     range (every axis before the concat's is 1: batch 1 along the
//     channels, in either layout) is written straight into that range of
//     the concat's slot, which then lives from the first such operand's
//     definition, and the concat copies nothing (GoogLeNet, SqueezeNet,
//     Inception concatenate conv results). An operand
//     qualifies when it is the only result of a node that is no view,
//     const or concat, is no graph input or output, and is read by this
//     concat alone, once; and only when every operand of the concat
//     qualifies, so that it copies nothing (DenseNet's features, read by
//     every later concat of their block, do not: writing only the last
//     layer's into the block's result saved a small copy per block and
//     grew the workspace by a quarter).
//
// A backend may add scratch slots live at one node only (addScratch).
// place() then assigns offsets greedily by size (TFLite's greedy-by-size
// arena planner): largest slot first, into the best-fitting gap among
// already placed slots whose lifetimes overlap it, 64-byte aligned.
//
// Requires inferred shapes. Reads the graph only.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_PASSES_MEMORYPLAN_H
#define CNNC_PASSES_MEMORYPLAN_H

#include "ir/Graph.h"
#include "ir/Summary.h"

#include <unordered_map>
#include <vector>

namespace cnnc {

/// Where a value's data is.
enum class Storage {
  Input,     ///< a graph input (or a view of one): the caller's buffer
  Output,    ///< a graph output: the caller's buffer
  Const,     ///< a const's data
  Workspace, ///< its own workspace slot
  View,      ///< shares its operand's storage (slot or input), no copy
  InPlace,   ///< written into its dying operand's slot
  Slab,      ///< written into its slab of a concat's slot (`within` bytes on)
};

/// "input", "output", "const", "workspace", "view", "in place", "concat
/// slab".
const char *storageName(Storage s);

/// Workspace alignment of every slot, in bytes.
constexpr int64_t kWorkspaceAlign = 64;

class MemoryPlan {
public:
  /// A region of the workspace and the node positions it is live across.
  struct Slot {
    int64_t bytes = 0;
    int64_t first = 0, last = 0;  // inclusive program positions
    int64_t offset = -1;          // set by place()
    const Value *owner = nullptr; // the value it was made for; null: scratch
  };
  struct ValueInfo {
    Storage storage = Storage::Workspace;
    int slot = -1;                 // its slot when in the workspace, else -1
    int64_t index = -1;            // graph input/output number for Input/Output
    const Value *source = nullptr; // View / InPlace: the operand it shares;
                                   // Slab: the concat's result
    int64_t within = 0; // bytes from the slot's start (a concat's slab)
  };

  /// Analyses `g`: storage and slot of every value, slot lifetimes. The
  /// graph must outlive the plan and stay unchanged.
  explicit MemoryPlan(const Graph &g);

  const ValueInfo *info(const Value *v) const;
  const std::vector<Slot> &slots() const { return Slots; }
  /// The program position (index in g.nodes()) of node `n`.
  int64_t position(const Node &n) const;

  /// A slot of `bytes` live at node `n` only; returns its id.
  int addScratch(const Node &n, int64_t bytes);

  /// Assigns every slot its offset. Call once, after the last addScratch.
  void place();
  bool placed() const { return Placed; }
  /// The workspace size after place().
  int64_t workspaceBytes() const { return Total; }
  /// The workspace without sharing or reuse: every intermediate value and
  /// scratch area in its own aligned region.
  int64_t bytesWithoutReuse() const { return Unshared; }
  /// The offset of `v`'s data in the workspace after place(), or -1.
  int64_t offsetOf(const Value *v) const;
  /// Whether `part` was written into its slab of the concat result `whole`
  /// (the concat need not copy it).
  bool inSlabOf(const Value *part, const Value *whole) const;

  /// The plan as the summary prints it.
  WorkspaceSummary summary() const;

private:
  void assignValue(const Node &n, const Value *r, int64_t pos);
  bool tryView(const Node &n, const Value *r, int64_t pos);
  bool tryInPlace(const Node &n, const Value *r, int64_t pos);
  void findSlabs(const Graph &g);
  bool trySlab(const Value *r, int64_t pos);
  int newSlot(const Value *owner, int64_t bytes, int64_t pos);
  void join(int slot, const Value *v, int64_t pos);

  const Graph &G;
  std::unordered_map<const Value *, ValueInfo> Values;
  std::unordered_map<const Value *, int64_t> LastUse;
  std::unordered_map<const Node *, int64_t> Positions;
  /// Concat operands written into their slab: the concat's result and the
  /// slab's byte offset; and the slot made early for such a result.
  std::unordered_map<const Value *, std::pair<const Value *, int64_t>> Slabs;
  std::unordered_map<const Value *, int> EarlySlots;
  std::vector<Slot> Slots;
  int64_t Unshared = 0, Total = 0;
  bool Placed = false;
};

/// Whether node `n` merely reinterprets its operand's data (a reshape,
/// flatten, identity, dropout, or relayout between equal layouts).
bool isViewNode(const Node &n);

} // namespace cnnc

#endif
