//===- Machine.h - LLVM target machines for host code -----------*- C++ -*-===//
//
// The LLVM TargetMachine of a CPU (the host, or one named with extra
// features) and machine code from it: the CPU backend's target
// (compiler/cpu/Target.h adds the figures its kernels are shaped by) and
// the host side of a CUDA artefact are both built through it.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_HOST_MACHINE_H
#define CNNC_COMPILER_HOST_MACHINE_H

#include <memory>
#include <string>

namespace llvm {
class Module;
class TargetMachine;
template <typename T> class SmallVectorImpl;
} // namespace llvm

namespace cnnc::host {

/// A resolved CPU: triple, CPU name, features (LLVM syntax) and its
/// machine (position-independent code, aggressive optimisation).
struct Machine {
  Machine();
  ~Machine();
  Machine(Machine &&);
  std::string triple, cpu, features;
  std::unique_ptr<llvm::TargetMachine> machine;
};

/// Resolves `cpu` ("" or "native" for the host, with the host's features)
/// with extra `features` ("+avx2,-avx512f"). Reports an unknown CPU or
/// feature in `error` and returns false.
bool createMachine(const std::string &cpu, const std::string &features,
                   Machine &out, std::string &error);

enum class FileKind { Object, Assembly };

/// Emits `m` as an ELF object or assembly text through `machine`.
bool emitMachineCode(llvm::Module &m, llvm::TargetMachine &machine,
                     FileKind kind, llvm::SmallVectorImpl<char> &out,
                     std::string &error);

} // namespace cnnc::host

#endif
