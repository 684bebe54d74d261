//===- KernelCatalogue.h - What a backend's kernels accept ------*- C++ -*-===//
//
// The passes' one view of a backend's kernels. A backend describes its
// kernels once, in a catalogue beside them (compiler/cpu/Catalogue.cpp,
// compiler/cuda/Catalogue.cpp): which algorithm computes a conv, which
// nodes have kernels on the channel-blocked layout and how each of those
// reads every operand, and the register tile of its GEMM micro-kernel. The
// passes that shape the graph for the kernels (assign-layout, conv-to-gemm,
// choose-tiles, the tile model) and the backend's own lowering ask the
// catalogue, so a pass and the lowering cannot disagree on what a kernel
// takes, and adding a conv algorithm or an instruction set is one entry
// there plus its kernel.
//
// The catalogue reaches the passes through PassTarget::kernels, set where
// the target is resolved (compiler/Pipeline.cpp); a pass that needs it says
// so (Pass::requiresKernels) and the pass manager refuses to run it
// without one.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_PASSES_KERNELCATALOGUE_H
#define CNNC_PASSES_KERNELCATALOGUE_H

#include "ir/Graph.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cnnc {

/// The ways a backend computes a convolution.
enum class ConvAlgo {
  AsGemm,       // a pointwise conv, rewritten to a gemm node by conv-to-gemm
  ImplicitGemm, // a GEMM over the packed weights, tiled by `tile`/`gpu_tile`
  Depthwise,    // one input channel per output channel, direct
  Blocked,      // direct, on the channel-blocked layout (NCHWc)
  BlockedPadded, // Blocked into whole blocks of scratch, the real channels
                 // copied to a plain result
  DepthwiseBlocked, // depthwise on the blocked layout
  Winograd,         // F(4x4, 3x3) on the blocked layout
};

/// "implicit_gemm", "winograd", ...: for messages and tests.
std::string_view convAlgoName(ConvAlgo a);

/// How a blocked kernel takes one operand or writes its result.
enum class SlotLayout {
  Plain,   // plain only (weights, bias, per-channel operands)
  Blocked, // in the node's block only
  Either,  // plain or blocked, read as it is
};

/// The layouts a backend's blocked kernel for a node takes: one per operand
/// (in operand order) and the result's.
struct BlockedForm {
  std::vector<SlotLayout> operands;
  SlotLayout result = SlotLayout::Blocked;
};

/// The register tile of a GEMM micro-kernel: MR rows by NR columns of
/// accumulators, and the floats of its stack buffer for one packed B panel
/// (kc x NR).
struct RegisterTile {
  int64_t mr = 0, nr = 0, bPanelFloats = 0;
};

class KernelCatalogue {
public:
  virtual ~KernelCatalogue();

  /// "cpu avx512", "cuda".
  virtual std::string name() const = 0;

  /// The algorithm that computes conv `n` with its operands and result in
  /// the layouts they have now. AsGemm is the answer for a conv that
  /// conv-to-gemm should rewrite; a backend handed such a conv as a conv
  /// computes it as ImplicitGemm.
  virtual ConvAlgo convAlgorithm(const Node &n) const = 0;

  /// How a kernel of the backend computes `n` on values blocked by `block`
  /// channels, or nullopt with `why` set when no kernel does.
  virtual std::optional<BlockedForm> blockedForm(const Node &n, int64_t block,
                                                 std::string &why) const = 0;

  /// The GEMM micro-kernel's register tile the CPU tile model sizes its
  /// blocks by, or nullopt for a backend without one.
  virtual std::optional<RegisterTile> registerTile() const = 0;
};

/// Whether conv `n` is a matrix product that conv-to-gemm can write as a
/// gemm: every kernel size 1, stride 1, no padding, groups 1, batch 1,
/// constant weights (and bias), plain layouts, 1 to 3 spatial axes. Each
/// catalogue decides whether its backend wants it so.
bool isPointwiseConv(const Node &n);

} // namespace cnnc

#endif
