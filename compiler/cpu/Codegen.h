//===- Codegen.h - LLVM module of a lowered model ---------------*- C++ -*-===//
//
// Turns the kernel calls of a lowered graph into one LLVM module: each
// distinct (kernel, parameters) pair becomes a clone of the kernel's bitcode
// with its params pointer replaced by a constant; IRBuilder writes the run
// function (one parallel dispatch per call) and the model descriptor of the
// ABI (runtime/include/cnnc/abi.h); the module is verified, then optimised
// for the target with LLVM's -O3 pipeline.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CPU_CODEGEN_H
#define CNNC_COMPILER_CPU_CODEGEN_H

#include "compiler/cpu/Lowering.h"
#include "compiler/cpu/Target.h"

#include <memory>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace cnnc::cpu {

struct CodegenOptions {
  /// C identifier: the entry is <name>_cnnc_model.
  std::string name;
  /// Also define `cnnc_model`, the entry the runtime looks up in a .so.
  bool genericEntry = true;
  /// Weights in a separate file (descriptor records name, size, hash).
  bool externalWeights = false;
  std::string weightsFile;
  uint64_t weightsHash = 0;
  /// 0 skips LLVM's optimisation pipeline (for debugging the glue).
  int optLevel = 3;
};

/// Builds and verifies the module. Returns nullptr with `error` set on an
/// internal failure (a missing kernel symbol, a broken module).
std::unique_ptr<llvm::Module> buildModule(llvm::LLVMContext &llvmCtx,
                                          const Graph &g, LowerCtx &lowered,
                                          const Target &target,
                                          const CodegenOptions &opts,
                                          std::string &error);

/// Runs LLVM's default pipeline at `optLevel` (1-3) for the target.
void optimizeModule(llvm::Module &m, const Target &target, int optLevel);

/// 64-bit FNV-1a of `bytes`: the external weights' checksum.
uint64_t fnv1a64(const uint8_t *bytes, size_t size);

} // namespace cnnc::cpu

#endif
