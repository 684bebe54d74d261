//===- HostShim.h - CUDA C keywords for the host compiler -------*- C++ -*-===//
//
// Force-included (-include) when the tests compile a model's CUDA C with
// the host C++ compiler for the emulation in EmuRuntime.cpp: kernels and
// device functions become plain functions, `__shared__` variables become
// statics (blocks run one after another, so one copy serves the running
// block), and the thread and block indices are globals that the emulator
// sets before resuming each thread's fiber.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_TESTS_CUDA_HOSTSHIM_H
#define CNNC_TESTS_CUDA_HOSTSHIM_H

#include <math.h>
#include <stdint.h>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __launch_bounds__(...)
#define __restrict__ __restrict
#define __shared__ static
#define CNNK_INF __builtin_inff()
#define CNNK_NAN __builtin_nanf("")

struct cnnemu_dim3 {
  unsigned x = 1, y = 1, z = 1;
};

extern "C" {
extern cnnemu_dim3 cnnemu_threadIdx, cnnemu_blockIdx, cnnemu_blockDim,
    cnnemu_gridDim;
void cnnemu_syncthreads(void);
}

#define threadIdx cnnemu_threadIdx
#define blockIdx cnnemu_blockIdx
#define blockDim cnnemu_blockDim
#define gridDim cnnemu_gridDim
#define __syncthreads() cnnemu_syncthreads()

template <typename T> inline T __ldg(const T *p) { return *p; }
inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }

#endif
