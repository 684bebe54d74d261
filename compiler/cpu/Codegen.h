//===- Codegen.h - LLVM module of a lowered model ---------------*- C++ -*-===//
//
// Turns the kernel calls of a lowered graph into one LLVM module: each
// distinct (kernel, parameters) pair becomes a clone of the kernel's bitcode
// with its params pointer replaced by a constant; IRBuilder writes the run
// function (one parallel dispatch per call) and the model descriptor of the
// ABI (runtime/include/cnnc/abi.h); the module is verified, then optimised
// for the target (optimizeModule in Emit.h). With `profile`, the run function
// also times every kernel call into the caller's profile_seconds array.
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
  /// cnnc_weights_hash (cnnc/hash.h) of the weights, embedded or external.
  uint64_t weightsHash = 0;
  /// Embedded weights declared only, as the hidden symbol
  /// "<name>.weights" that writeWeightsObject (WeightsObject.h) defines:
  /// they never enter LLVM.
  bool weightsObject = false;
  /// The kernels are declared only (hidden globals "<name>.k.<label>") and
  /// listed as jobs for buildKernelModule, which specialises them in a
  /// module of its own (Parallel.h: on worker threads). When the jobs'
  /// estimated size is under `deferMinCost`, they are built in this module
  /// after all, and no jobs are returned.
  bool deferKernels = false;
  uint64_t deferMinCost = 0;
  /// Calls whose shaping parameters agree share one body (Specialise.h);
  /// false: every call its own, all parameters constant (--specialise=all).
  bool shareKernels = true;
  /// 0 skips LLVM's optimisation pipeline (for debugging the glue).
  int optLevel = 3;
  /// Times each kernel call (cnnc --profile): clock reads around every
  /// call and the descriptor's profile table. Off: no code at all.
  bool profile = false;
};

/// One specialised kernel of the module: a clone of a library kernel with
/// its parameters fixed, shared by every call with the same parameters.
struct SpecialisedKernel {
  std::string function;      ///< The clone's symbol in the module.
  std::string library;       ///< The library kernel, e.g. "conv_gemm_v8".
  std::vector<size_t> calls; ///< Indices into LowerCtx::calls(), in order.
};

/// The library kernel a call runs: its name, with "_v<width>" when the
/// kernel is vectorised ("conv_gemm_v8", "copy").
std::string libraryKernelName(KernelId id, const TargetInfo &target);


/// A kernel body to build elsewhere (CodegenOptions::deferKernels): the
/// library kernel, how it is specialised, and its symbol.
struct KernelJob {
  std::string function; ///< The symbol the model's module declares.
  std::string library;  ///< The library function, e.g. "cnnk_conv_blocked".
  KernelId kernel;
  bool shared;                 ///< Run-time parameters (Specialise.h).
  std::vector<uint8_t> params; ///< The first call's parameters.
  std::string label;
  uint64_t cost; ///< LLVM instructions the library kernel reaches
};

/// Builds and verifies the module. Returns nullptr with `error` set on an
/// internal failure (a missing kernel symbol, a broken module). `kernels`,
/// when given, receives the specialised kernels in order of first call;
/// `jobs` the kernels left to buildKernelModule (deferKernels).
std::unique_ptr<llvm::Module>
buildModule(llvm::LLVMContext &llvmCtx, const Graph &g, LowerCtx &lowered,
            const Target &target, const CodegenOptions &opts,
            std::string &error,
            std::vector<SpecialisedKernel> *kernels = nullptr,
            std::vector<KernelJob> *jobs = nullptr);

/// A module of the kernel bodies `jobs` (defined, hidden, under the names
/// the model's module declares), verified, not optimised. Reads only the
/// target's and options' fields of its arguments: safe on any thread with
/// its own context.
std::unique_ptr<llvm::Module>
buildKernelModule(llvm::LLVMContext &llvmCtx, const Target &target,
                  const CodegenOptions &opts,
                  const std::vector<KernelJob> &jobs, std::string &error);

} // namespace cnnc::cpu

#endif
