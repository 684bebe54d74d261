//===- Binary.cpp - add, sub, mul, div with numpy broadcasting ------------===//
//
// One kernel for the four ops: a generic strided walk over the (simplified)
// broadcast space, with fast inner loops where both operands are contiguous
// along the innermost axis or one of them is constant along it.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/kernels/Walk.h"

using namespace cnnk;

/// a op b; `op` is a constant once the kernel is specialised.
template <typename T> CNNK_INLINE T apply(int64_t op, T a, T b) {
  switch (op) {
  case kBinAdd:
    return a + b;
  case kBinSub:
    return a - b;
  case kBinMul:
    return a * b;
  case kBinDiv:
    return a / b;
  }
  return a;
}

/// y[0, len) = a[i*sa] op b[i*sb], with vector loops for strides 0 and 1.
template <int V>
CNNK_INLINE void binaryRow(int64_t op, const float *__restrict a, int64_t sa,
                           const float *__restrict b, int64_t sb,
                           float *__restrict y, int64_t len) {
  int64_t i = 0;
  if (sa == 1 && sb == 1) {
    for (; i + V <= len; i += V)
      store<V>(y + i, apply(op, load<V>(a + i), load<V>(b + i)));
  } else if (sa == 1 && sb == 0) {
    Vec<V> vb = splat<V>(*b);
    for (; i + V <= len; i += V)
      store<V>(y + i, apply(op, load<V>(a + i), vb));
  } else if (sa == 0 && sb == 1) {
    Vec<V> va = splat<V>(*a);
    for (; i + V <= len; i += V)
      store<V>(y + i, apply(op, va, load<V>(b + i)));
  }
  for (; i < len; ++i)
    y[i] = apply(op, a[i * sa], b[i * sb]);
}

template <int V>
static void binary(const BinaryParams &p, void *const *bufs, int64_t begin,
                   int64_t end) {
  const float *__restrict a = in(bufs, 0);
  const float *__restrict b = in(bufs, 1);
  float *__restrict y = out(bufs, 2);
  int64_t lo = begin * p.block, hi = min(end * p.block, p.count);
  int64_t sa = p.aStride[p.rank - 1], sb = p.bStride[p.rank - 1];
  forEachRowPiece(p.rank, p.shape, p.aStride, p.bStride, lo, hi,
                  [&](int64_t offA, int64_t offB, int64_t flat, int64_t len) {
                    binaryRow<V>(p.op, a + offA, sa, b + offB, sb, y + flat,
                                 len);
                  });
}
CNNK_VECTOR_KERNEL(binary, BinaryParams, binary)
