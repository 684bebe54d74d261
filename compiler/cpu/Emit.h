//===- Emit.h - Object code, assembly and shared objects --------*- C++ -*-===//
//
// The back half of the CPU backend: LLVM's optimisation pipeline, machine
// code and LLVM IR text (whole modules, or one kernel for --emit=kernels);
// the link is compiler/host/Link.h.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CPU_EMIT_H
#define CNNC_COMPILER_CPU_EMIT_H

#include "compiler/cpu/Target.h"
#include "compiler/host/Link.h"
#include "compiler/host/Machine.h"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/ADT/SmallPtrSet.h>
#include <llvm/Support/raw_ostream.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace llvm {
class GlobalValue;
class Module;
template <typename T> class SmallVectorImpl;
} // namespace llvm

namespace cnnc::cpu {

using host::FileKind;

/// Runs LLVM's default pipeline for the target: O1 at `optLevel` 1, O2 at
/// 2 and 3 (see Emit.cpp).
void optimizeModule(llvm::Module &m, const Target &target, int optLevel);

/// Emits `m` as an ELF object or assembly text through the target's
/// TargetMachine (host::emitMachineCode).
bool emitMachineCode(llvm::Module &m, const Target &target, FileKind kind,
                     llvm::SmallVectorImpl<char> &out, std::string &error);

/// The module as LLVM IR text.
std::string printModule(const llvm::Module &m);

/// A module of its own for the function `name` of `m` (after optimisation:
/// the code that really runs): the function (made external) with the
/// functions and globals it reaches; everything else becomes a declaration
/// or is dropped. Returns nullptr when `m` has no such function.
std::unique_ptr<llvm::Module> extractFunction(const llvm::Module &m,
                                              const std::string &name);

/// `roots` and every function and global they reach through code and the
/// initialisers of the globals used, not entering those in `stop`.
llvm::SmallPtrSet<const llvm::GlobalValue *, 16>
reachableFrom(llvm::ArrayRef<const llvm::GlobalValue *> roots,
              const llvm::SmallPtrSetImpl<const llvm::GlobalValue *> &stop);

} // namespace cnnc::cpu

#endif
