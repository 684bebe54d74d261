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
//     their residual while doing so.
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
};

/// "input", "output", "const", "workspace", "view", "in place".
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
    const Value *source = nullptr; // View / InPlace: the operand it shares
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

  /// The plan as the summary prints it.
  WorkspaceSummary summary() const;

private:
  void assignValue(const Node &n, const Value *r, int64_t pos);
  bool tryView(const Node &n, const Value *r, int64_t pos);
  bool tryInPlace(const Node &n, const Value *r, int64_t pos);
  int newSlot(const Value *owner, int64_t bytes, int64_t pos);
  void join(int slot, const Value *v, int64_t pos);

  const Graph &G;
  std::unordered_map<const Value *, ValueInfo> Values;
  std::unordered_map<const Value *, int64_t> LastUse;
  std::unordered_map<const Node *, int64_t> Positions;
  std::vector<Slot> Slots;
  int64_t Unshared = 0, Total = 0;
  bool Placed = false;
};

/// Whether node `n` merely reinterprets its operand's data (a reshape,
/// flatten, identity, dropout, or relayout between equal layouts).
bool isViewNode(const Node &n);

} // namespace cnnc

#endif
