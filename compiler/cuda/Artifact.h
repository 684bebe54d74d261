//===- Artifact.h - The shared object of a CUDA model -----------*- C++ -*-===//
//
// A CUDA model is the same kind of artefact as a CPU one: an ELF object or
// shared object exporting `<name>_cnnc_model` (and `cnnc_model`) with the
// descriptor of runtime/include/cnnc/abi.h. It holds no host code: the
// descriptor's device is CNNC_DEVICE_CUDA and its cnnc_cuda_module lists
// the cubin and PTX images, the kernel names, the launches in order (grid,
// block, and what each argument points to) and the embedded weights. The
// data is built as an LLVM module and emitted for the host like the CPU
// backend's.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CUDA_ARTIFACT_H
#define CNNC_COMPILER_CUDA_ARTIFACT_H

#include "compiler/cuda/Nvrtc.h"
#include "compiler/cuda/Source.h"

#include <memory>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace cnnc::cuda {

struct ArtifactOptions {
  std::string name;         ///< C identifier of the entry
  bool genericEntry = true; ///< also export `cnnc_model` (a .so)
  bool externalWeights = false;
  std::string weightsFile;
  uint64_t weightsHash = 0;
  bool profile = false; ///< the descriptor's profile table (per launch)
};

/// The data module of a lowered CUDA model.
std::unique_ptr<llvm::Module>
buildArtifactModule(llvm::LLVMContext &llvmCtx, const Graph &g, LowerCtx &lc,
                    const Program &prog, const std::vector<Image> &images,
                    const ArtifactOptions &opts);

} // namespace cnnc::cuda

#endif
