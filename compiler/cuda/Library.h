//===- Library.h - The CUDA kernel library's sources ------------*- C++ -*-===//
//
// The .cuh files of compiler/cuda/kernels, embedded in cnnc at build time:
// NVRTC compiles every model's kernels against them (as headers named
// "cnnk/<file>"), and --emit=cuda writes them beside the kernels.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CUDA_LIBRARY_H
#define CNNC_COMPILER_CUDA_LIBRARY_H

#include <string>
#include <string_view>
#include <vector>

namespace cnnc::cuda {

struct LibraryFile {
  std::string name; ///< "cnnk/conv.cuh": how kernels include it.
  std::string_view text;
};

/// Every file of the library, prelude first, the others by name.
const std::vector<LibraryFile> &libraryFiles();

/// The include lines that bring in the whole library.
std::string libraryIncludes();

} // namespace cnnc::cuda

#endif
