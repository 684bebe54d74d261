//===- Params.h - Parameter structs of the CPU kernels ----------*- C++ -*-===//
//
// One struct per kernel, shared by the kernel sources (compiled to bitcode
// by clang) and the lowering (compiled into cnnc): the lowering fills a
// struct, the backend embeds its bytes as a constant and the kernel reads
// it. Fields are int64_t, double and fixed arrays of them only, so both
// compilers lay them out identically with no padding.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CPU_KERNELS_PARAMS_H
#define CNNC_COMPILER_CPU_KERNELS_PARAMS_H

#include <stdint.h>

namespace cnnk {

/// Largest tensor rank a generic kernel handles.
constexpr int kMaxRank = 8;

/// bufs: x, y. Copies `count` floats; task t copies block t of `block`.
struct CopyParams {
  int64_t count;
  int64_t block;
};

} // namespace cnnk

#include "compiler/cpu/kernels/ParamsBlocked.h"
#include "compiler/cpu/kernels/ParamsConv.h"
#include "compiler/cpu/kernels/ParamsMisc.h"

#endif
