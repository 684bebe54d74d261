//===- Parallel.h - A model's module in parts, compiled on all cores -*- C++ -*-===//
//
// Specialising, optimising and emitting the kernels are most of a compile,
// and an LLVMContext serves one thread. So the model's module is built with
// its kernels only declared (the run function and the descriptor: the
// glue), and the kernels are handed out as jobs in parts: worker threads
// each build a part's kernel bodies from the kernel library in an
// LLVMContext of their own, optimise the module and emit an object (the
// glue, as bitcode, is one more part). The kernels are assigned to parts by
// estimated size (the largest to the lightest part), a function of the
// model alone, and each part's object is a function of its jobs alone: the
// objects, and the linked artefact, are the same for any number of threads.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CPU_PARALLEL_H
#define CNNC_COMPILER_CPU_PARALLEL_H

#include "compiler/cpu/Codegen.h"

#include <llvm/ADT/SmallVector.h>

#include <cstdint>
#include <string>
#include <vector>

namespace llvm {
class Module;
} // namespace llvm

namespace cnnc::cpu {

/// One part of a model's code: the module of its run function and
/// descriptor as bitcode, or kernel bodies to build (buildKernelModule).
struct ModulePart {
  llvm::SmallVector<char, 0> bitcode;
  std::vector<KernelJob> jobs;
  uint64_t cost = 0; ///< estimated LLVM instructions
};

/// The parts of a model whose kernels were deferred (deferKernels): `glue`
/// (the module with the run function and the descriptor, declaring the
/// kernels) as bitcode, and the jobs in at most `maxParts - 1` groups of
/// about `minPartCost` or more, largest first to the lightest group.
std::vector<ModulePart> makeParts(llvm::Module &glue,
                                  const std::vector<KernelJob> &jobs,
                                  size_t maxParts, uint64_t minPartCost);

/// Seconds spent in each stage, summed over the parts.
struct PartTimes {
  double build = 0, optimise = 0, emit = 0;
};

/// Builds each part (kernel jobs with `codegen`'s options), optimises it
/// (at `optLevel`; 0: not at all) and emits it as an ELF object for the
/// target named by `cpu` and `features` (as resolveTarget takes them), on
/// `jobs` threads; the calling thread uses `target`, the others a
/// TargetMachine of their own. objects[i] is part i's. False with `error`
/// set on failure.
bool compileParts(const std::vector<ModulePart> &parts, const Target &target,
                  const CodegenOptions &codegen, const std::string &cpu,
                  const std::string &features, int optLevel, unsigned jobs,
                  std::vector<llvm::SmallVector<char, 0>> &objects,
                  PartTimes &times, std::string &error);

} // namespace cnnc::cpu

#endif
