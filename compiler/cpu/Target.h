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

/// The target as `cnnc --print-target` shows it, one `key: value` per
/// line: triple, CPU, vector width and registers, the catalogue's
/// instruction set and the register tile of its GEMM/conv micro-kernels
/// (Catalogue.h: the figures the kernels are built with), cache sizes, and the CPU features the code
/// needs (the model's `cpu_features`). Tests read the register tile from
/// here to place their cases on the tile edges of the target they compile
/// for.
std::string describeTarget(const Target &t);

} // namespace cnnc::cpu

#endif
