//===- KernelLibrary.cpp - The kernel bitcode embedded in cnnc -------------===//
//
// The kernel library is compiled to one bitcode file when cnnc is built and
// embedded here with `.incbin`, so cnnc needs no files beside it.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/KernelLibrary.h"
#include "compiler/Embed.h"

#ifndef CNNC_KERNELS_BC_PATH
#error "CNNC_KERNELS_BC_PATH must name the kernel bitcode"
#endif

CNNC_EMBED_FILE(cnnc_kernels_bc, CNNC_KERNELS_BC_PATH)

namespace cnnc::cpu {

std::string_view kernelBitcode() {
  return cnnc_kernels_bc_bytes();
}

} // namespace cnnc::cpu
