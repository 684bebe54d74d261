//===- Target.h - The CPU a model is compiled for ---------------*- C++ -*-===//
#ifndef CNNC_COMPILER_CPU_TARGET_H
#define CNNC_COMPILER_CPU_TARGET_H

#include "compiler/cpu/Lowering.h"

#include <memory>
#include <string>

namespace llvm {
class TargetMachine;
}

namespace cnnc::cpu {

/// A target CPU resolved through LLVM: the TargetMachine that emits code,
/// and the figures the lowering shapes kernels by.
struct Target {
  Target();
  ~Target();
  TargetInfo info;
  std::unique_ptr<llvm::TargetMachine> machine;
  /// The CPU features the code needs, in the runtime's names
  /// (comma-separated): those of the runtime's list the target enables.
  std::string requiredFeatures;
};

/// Resolves `cpu` ("" or "native" for the host) with extra `features`
/// (LLVM syntax, "+avx2,-avx512f"). Reports an unknown CPU or feature and
/// returns nullptr.
std::unique_ptr<Target> resolveTarget(const std::string &cpu,
                                      const std::string &features,
                                      std::string &error);

} // namespace cnnc::cpu

#endif
