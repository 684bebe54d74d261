//===- KernelLibrary.h - The kernel bitcode embedded in cnnc ----*- C++ -*-===//
#ifndef CNNC_COMPILER_CPU_KERNELLIBRARY_H
#define CNNC_COMPILER_CPU_KERNELLIBRARY_H

#include <string_view>

namespace cnnc::cpu {

/// The bitcode of the kernel library (kernels/*.cpp), as built with cnnc.
std::string_view kernelBitcode();

} // namespace cnnc::cpu

#endif
