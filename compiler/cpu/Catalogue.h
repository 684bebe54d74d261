//===- Catalogue.h - The CPU backend's kernel catalogue ---------*- C++ -*-===//
//
// Every fact about the CPU kernels that a decision outside the kernel's own
// lowering depends on, stated once (passes/KernelCatalogue.h says who
// asks):
//
//   instruction sets   what selects each (an LLVM feature), its vector
//                      width and registers, and the register tiles of the
//                      kernels that block by them (the constants the
//                      kernels are built with, kernels/ParamsConv.h and
//                      ParamsBlocked.h); resolveTarget picks the first the
//                      CPU has
//   conv kernels       one entry per algorithm, in order of preference:
//                      the layouts it takes, the shapes it computes, and
//                      for Winograd the cost that weighs it against the
//                      direct kernel; the first entry that takes a conv
//                      computes it
//   blocked forms      how the NCHWc kernels of the other ops (pools,
//                      batch_norm, elementwise and broadcasting ops,
//                      concat) read each operand
//
// assign-layout, conv-to-gemm, choose-tiles and the tile model read it
// through PassTarget::kernels; the conv lowerings dispatch on
// convAlgorithm and checkBlockedOperands checks a node's layouts against
// blockedForm. A new conv algorithm is an entry in kConvKernels (and its
// lowering and kernel); a new instruction set an entry in kIsas (and the
// kernels' constants for its width).
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CPU_CATALOGUE_H
#define CNNC_COMPILER_CPU_CATALOGUE_H

#include "compiler/cpu/Lowering.h"
#include "passes/KernelCatalogue.h"
#include "passes/Pass.h"

#include <memory>
#include <span>

namespace cnnc::cpu {

/// An instruction set the kernels are built for.
struct IsaEntry {
  const char *name;    // "avx512"
  const char *feature; // the LLVM feature that selects it; "" for the base
  int vectorWidth;     // floats per vector register
  int vectorRegisters;
  int gemmMR, gemmNR;       // conv_gemm and gemm's register tile
  int blockedMR, blockedNB; // conv_blocked's: pixels x output-channel blocks
};

/// The instruction sets, best first; the last one needs no feature.
std::span<const IsaEntry> isaEntries();

/// The entry of vector width `v` (the base one for a width not listed).
const IsaEntry &isaOfWidth(int v);

class Catalogue final : public KernelCatalogue {
public:
  explicit Catalogue(const TargetInfo &t);
  std::string name() const override;
  ConvAlgo convAlgorithm(const Node &n) const override;
  std::optional<BlockedForm> blockedForm(const Node &n, int64_t block,
                                         std::string &why) const override;
  std::optional<RegisterTile> registerTile() const override;

  const IsaEntry &isa() const { return *Isa; }
  const TargetInfo &target() const { return Target; }

private:
  TargetInfo Target;
  const IsaEntry *Isa;
};

/// The catalogue of target `t`, as PassTarget::kernels holds it.
std::shared_ptr<const KernelCatalogue> catalogueFor(const TargetInfo &t);

/// What the passes and the tile model know of target `t`: its vector
/// width, registers and caches, and its catalogue.
PassTarget passTarget(const TargetInfo &t);

/// Why the layouts of `n` (some operand or result blocked by `block`) are
/// not those of its blocked kernel's form, or "" when they are.
std::string blockedLayoutProblem(const Node &n, int64_t block);

} // namespace cnnc::cpu

#endif
