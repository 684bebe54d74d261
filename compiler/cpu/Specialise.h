//===- Specialise.h - What a shared kernel body leaves to run time -*- C++ -*-===//
//
// Every kernel call is compiled with its parameters as constants. Calls
// that differ only in sizes (a ResNet's stages, a DenseNet's concats and
// norms) would each get a body of their own, and LLVM's pipeline would run
// on each: most of the compile time of a deep network. So the parameters of
// a kernel are split in two: those that shape its code (vector width, window
// and stride, activation kinds, flags choosing a path: loops unrolled, tiles
// picked, branches folded) stay constants, and those that only size loops
// or offset addresses (plane sizes, channel counts, task splits) may be read
// at run time. Calls of one kernel whose shaping parameters agree share one
// compiled body when there are at least two of them; a call alone keeps
// every parameter constant. The run function passes each call's parameters
// in the slot before its buffer list (bufs[-1]).
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CPU_SPECIALISE_H
#define CNNC_COMPILER_CPU_SPECIALISE_H

#include "compiler/cpu/Lowering.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cnnc::cpu {

/// A byte range of a params struct.
struct ParamRange {
  size_t offset, size;
};

/// The parameters a shared body of kernel `id` reads at run time, for a
/// call with `params` (the strided walkers keep their innermost axis
/// constant, which depends on the rank; empty: the kernel is never shared).
std::vector<ParamRange> runtimeParams(KernelId id,
                                      const std::vector<uint8_t> &params);

/// `params` of a call of `id` with its run-time ranges zeroed: calls with
/// equal shaping parameters have equal keys.
std::vector<uint8_t> shapingKey(KernelId id,
                                const std::vector<uint8_t> &params);

/// One byte per params byte: 1 where the byte is a shaping constant.
std::vector<uint8_t> constantMask(KernelId id,
                                  const std::vector<uint8_t> &params);

} // namespace cnnc::cpu

#endif
