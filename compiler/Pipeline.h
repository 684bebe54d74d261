//===- Pipeline.h - The default pass pipelines ------------------*- C++ -*-===//
#ifndef CNNC_COMPILER_PIPELINE_H
#define CNNC_COMPILER_PIPELINE_H

#include "ir/Diagnostics.h"
#include "passes/Pass.h"

#include <string>
#include <string_view>

namespace cnnc {

/// The pass pipeline cnnc runs at -O<optLevel> when --passes is not given,
/// as a --passes string. -O0 runs only what correctness needs.
std::string_view
defaultPipeline(int optLevel,
                PassTarget::Device device = PassTarget::Device::Cpu);

/// The layout and tiling figures of the CPU that `targetCpu` (empty or
/// "native": the host) with `targetFeatures` names. Reports an unknown CPU
/// or feature and returns false.
bool passTargetFor(const std::string &targetCpu,
                   const std::string &targetFeatures, PassTarget &out,
                   DiagEngine &diag);

/// The pass target of the CUDA backend (device Cuda, its shared memory and
/// multiprocessor figures).
PassTarget gpuPassTarget();

} // namespace cnnc

#endif
