//===- KernelLibrary.cpp - The kernel bitcode embedded in cnnc -------------===//
//
// The kernel library is compiled to one bitcode file when cnnc is built and
// embedded here with `.incbin`, so cnnc needs no files beside it.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/KernelLibrary.h"

#ifndef CNNC_KERNELS_BC_PATH
#error "CNNC_KERNELS_BC_PATH must name the kernel bitcode"
#endif

asm(".section .rodata\n"
    ".balign 16\n"
    ".globl cnnc_kernels_bc_begin\n"
    "cnnc_kernels_bc_begin:\n"
    ".incbin \"" CNNC_KERNELS_BC_PATH "\"\n"
    ".globl cnnc_kernels_bc_end\n"
    "cnnc_kernels_bc_end:\n"
    ".previous\n");

extern "C" const char cnnc_kernels_bc_begin[];
extern "C" const char cnnc_kernels_bc_end[];

namespace cnnc::cpu {

std::string_view kernelBitcode() {
  return {cnnc_kernels_bc_begin,
          size_t(cnnc_kernels_bc_end - cnnc_kernels_bc_begin)};
}

} // namespace cnnc::cpu
