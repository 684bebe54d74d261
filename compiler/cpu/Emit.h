//===- Emit.h - Object code, assembly and shared objects --------*- C++ -*-===//
#ifndef CNNC_COMPILER_CPU_EMIT_H
#define CNNC_COMPILER_CPU_EMIT_H

#include "compiler/cpu/Target.h"

#include <string>

namespace llvm {
class Module;
template <typename T> class SmallVectorImpl;
} // namespace llvm

namespace cnnc::cpu {

enum class FileKind { Object, Assembly };

/// Emits `m` as an ELF object or assembly text through the TargetMachine.
bool emitMachineCode(llvm::Module &m, const Target &target, FileKind kind,
                     llvm::SmallVectorImpl<char> &out, std::string &error);

/// The module as LLVM IR text.
std::string printModule(const llvm::Module &m);

/// Links the object file `objPath` into the shared object `soPath` with the
/// system C compiler driver (`cc`, or $CNNC_LINKER), depending on libc and
/// libm only. On failure `error` holds the linker's message.
bool linkSharedObject(const std::string &objPath, const std::string &soPath,
                      std::string &error);

} // namespace cnnc::cpu

#endif
