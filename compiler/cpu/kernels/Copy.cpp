//===- Copy.cpp - Plain copies ----------------------------------------------===//
#include "compiler/cpu/kernels/Kernel.h"

using namespace cnnk;

static void copy(const CopyParams &p, void *const *bufs, int64_t begin,
                 int64_t end) {
  const float *__restrict x = in(bufs, 0);
  float *__restrict y = out(bufs, 1);
  int64_t lo = begin * p.block, hi = min(end * p.block, p.count);
  for (int64_t i = lo; i < hi; ++i)
    y[i] = x[i];
}
CNNK_KERNEL(copy, CopyParams, copy)
