//===- Parallel.h - A model's module in parts, compiled on all cores -*- C++ -*-===//
//
// LLVM's optimisation and instruction selection of the specialised kernels
// are most of a compile, and a module is compiled on one thread. So the
// built module is split into parts, each a module of its own (its kernels,
// with the library code they reach copied in; the run function and the
// descriptor in one of them), serialised as bitcode; worker threads each
// read a part into an LLVMContext of their own, optimise it and emit an
// object. The kernels are assigned to parts by size (the largest to the
// lightest part), a function of the module alone, and each part's object is
// a function of its bitcode alone: the objects, and the linked artefact, are
// the same for any number of threads.
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

/// One part of a model's module, as bitcode.
struct ModulePart {
  llvm::SmallVector<char, 0> bitcode;
  uint64_t cost = 0; ///< LLVM instructions before optimisation
  size_t kernels = 0;
};

/// Splits `m` into at most `maxParts` parts of about `minPartCost` LLVM
/// instructions or more. The kernels become hidden global symbols named
/// "<prefix>.<kernel>" (unique when several models link into one program);
/// `m` is left changed that way. Returns no parts, and leaves `m` as it
/// was, when one part would do (a small model: compiled as one module,
/// saving the copies and a thread's start).
std::vector<ModulePart> splitModule(llvm::Module &m,
                                    const std::vector<SpecialisedKernel> &kernels,
                                    const std::string &prefix,
                                    size_t maxParts, uint64_t minPartCost);

/// Seconds spent in each stage, summed over the parts.
struct PartTimes {
  double optimise = 0, emit = 0;
};

/// Optimises (at `optLevel`; 0: not at all) and emits each part as an ELF
/// object for the target named by `cpu` and `features` (as resolveTarget
/// takes them), on `jobs` threads; the calling thread uses `target`, the
/// others a TargetMachine of their own. objects[i] is part i's. False with
/// `error` set on failure.
bool compileParts(const std::vector<ModulePart> &parts, const Target &target,
                  const std::string &cpu,
                  const std::string &features, int optLevel, unsigned jobs,
                  std::vector<llvm::SmallVector<char, 0>> &objects,
                  PartTimes &times, std::string &error);

} // namespace cnnc::cpu

#endif
