//===- Compile.h - The CUDA backend's driver --------------------*- C++ -*-===//
//
// cnnc --target=cuda: lowers the optimised graph to CUDA launches, builds
// the CUDA C program, compiles it with NVRTC (cubins for --gpu-arch, PTX
// for the newest; cached), and writes the artefact asked for: a shared
// object or object file (compiler/cuda/Artifact.h), the C header, the
// PTX, or a folder of the kernels' CUDA sources with a manifest.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CUDA_COMPILE_H
#define CNNC_COMPILER_CUDA_COMPILE_H

#include "compiler/Driver.h"
#include "compiler/cuda/Lowering.h"

namespace cnnc::cuda {

/// Lowers every node, then copies outputs that no node writes in place.
bool lowerGraph(const Graph &g, LowerCtx &lc);

/// compileGraph for opts.backend == Backend::Cuda.
bool compileGraph(const Graph &g, const CompileOptions &opts,
                  DiagEngine &diag);

} // namespace cnnc::cuda

#endif
