//===- Source.h - The CUDA C program of a lowered model ---------*- C++ -*-===//
//
// Turns the launches of a lowered graph into CUDA C: one kernel per
// distinct (template, constants, block) triple, shared by every launch of
// it, each a struct of constants and an `extern "C" __global__` wrapper
// that instantiates the library template:
//
//   // layer1.0.conv1+relu: cnnk::conv_igemm, block 64x64x8, 4x4 per thread
//   // resnet18.ir:31:3
//   struct k003_layer1_0_conv1_relu_p { static constexpr int C = 64; ... };
//   extern "C" __global__ void __launch_bounds__(256)
//   k003_layer1_0_conv1_relu(cnnk::Args a) {
//     cnnk::conv_igemm<k003_layer1_0_conv1_relu_p>(a);
//   }
//
// The whole program is the library includes followed by every kernel: it
// is what NVRTC compiles (one program per model) and what --emit=cuda
// writes, kernel by kernel.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CUDA_SOURCE_H
#define CNNC_COMPILER_CUDA_SOURCE_H

#include "compiler/cuda/Lowering.h"

#include <string>
#include <vector>

namespace cnnc::cuda {

/// One kernel of the program.
struct Kernel {
  std::string function;        ///< extern "C" name, unique in the program
  std::string label;           ///< what it computes ("conv1+relu")
  std::string source;          ///< its struct and wrapper (no includes)
  std::vector<size_t> launches; ///< indices of the launches that run it
};

struct Program {
  std::vector<Kernel> kernels; ///< in order of first launch
  /// For each launch, the index of its kernel.
  std::vector<size_t> launchKernel;
  /// Library includes plus every kernel's source: what NVRTC compiles.
  std::string text;
};

/// What a launch computes: its node's name and the ops fused into it
/// ("layer1.0.conv2+batch_norm+add+relu"); "output" for the copies of
/// graph outputs that no node writes.
std::string launchLabel(const Launch &l);

/// Builds the program of `launches`.
Program buildProgram(const std::vector<Launch> &launches);

/// A kernel's source as a file of its own: the library includes, then the
/// kernel (what --emit=cuda writes per kernel).
std::string standaloneSource(const Kernel &k);

} // namespace cnnc::cuda

#endif
