//===- Kernel.h - What every CPU kernel source includes ---------*- C++ -*-===//
//
// CPU kernels are plain C++ compiled to LLVM bitcode when cnnc is built
// (see CMakeLists.txt) and specialised when a model is compiled: the
// backend clones a kernel for each distinct parameter set, replacing its
// params pointer with a constant, so every shape, stride and pad is a
// constant to LLVM's -O3 pipeline.
//
// Every kernel has the same signature:
//
//   extern "C" void cnnk_<name>(const <Params> *p, void *const *bufs,
//                               int64_t begin, int64_t end);
//
// `bufs` holds the tensors, in the order the kernel's lowering listed them
// (inputs first, then outputs). The kernel computes tasks [begin, end) of
// its task space; the model's run function hands that space to the host's
// parallel-for. Tasks must write disjoint outputs and must not depend on
// how the range is split, so any thread count gives identical results.
//
// Kernels may use the stack for small scratch buffers but never allocate,
// keep state, or call anything but libm. Vectorised kernels are templates
// over the vector width V (floats) and are instantiated as
// cnnk_<name>_v4/_v8/_v16; the backend picks the target's width.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CPU_KERNELS_KERNEL_H
#define CNNC_COMPILER_CPU_KERNELS_KERNEL_H

#include "compiler/cpu/kernels/Params.h"

#include <stddef.h>
#include <stdint.h>

#define CNNK_EXPORT extern "C" __attribute__((used))
#define CNNK_INLINE inline __attribute__((always_inline))

namespace cnnk {

/// A vector of V floats, loadable from and storable to any float address.
template <int V> struct VecType {
  typedef float type __attribute__((vector_size(V * 4), aligned(4)));
};
template <int V> using Vec = typename VecType<V>::type;

template <int V> CNNK_INLINE Vec<V> load(const float *p) {
  return *reinterpret_cast<const Vec<V> *>(p);
}
template <int V> CNNK_INLINE void store(float *p, Vec<V> v) {
  *reinterpret_cast<Vec<V> *>(p) = v;
}
template <int V> CNNK_INLINE Vec<V> splat(float x) {
  Vec<V> v;
  for (int i = 0; i < V; ++i)
    v[i] = x;
  return v;
}

template <typename T> CNNK_INLINE T min(T a, T b) { return b < a ? b : a; }
template <typename T> CNNK_INLINE T max(T a, T b) { return a < b ? b : a; }

/// Tensor `i` of the kernel's buffer list.
CNNK_INLINE const float *in(void *const *bufs, int i) {
  return static_cast<const float *>(bufs[i]);
}
CNNK_INLINE float *out(void *const *bufs, int i) {
  return static_cast<float *>(bufs[i]);
}

} // namespace cnnk

/// Instantiates a vectorised kernel template `fn<V>` for V = 4, 8 and 16.
#define CNNK_VECTOR_KERNEL(name, Params, fn)                                   \
  CNNK_EXPORT void cnnk_##name##_v4(const Params *p, void *const *bufs,        \
                                    int64_t begin, int64_t end) {              \
    fn<4>(*p, bufs, begin, end);                                               \
  }                                                                            \
  CNNK_EXPORT void cnnk_##name##_v8(const Params *p, void *const *bufs,        \
                                    int64_t begin, int64_t end) {              \
    fn<8>(*p, bufs, begin, end);                                               \
  }                                                                            \
  CNNK_EXPORT void cnnk_##name##_v16(const Params *p, void *const *bufs,       \
                                     int64_t begin, int64_t end) {             \
    fn<16>(*p, bufs, begin, end);                                              \
  }

/// Defines a kernel on the channel-blocked layout (KernelsBlocked.def) from
/// the template `fn<V>`, V = the params' block (4, 8 or 16): once the
/// kernel is specialised the dispatch folds to one instance.
#define CNNK_BLOCK_KERNEL(name, Params, fn)                                    \
  CNNK_EXPORT void cnnk_##name(const Params *p, void *const *bufs,             \
                               int64_t begin, int64_t end) {                   \
    if (p->block == 4)                                                         \
      fn<4>(*p, bufs, begin, end);                                             \
    else if (p->block == 8)                                                    \
      fn<8>(*p, bufs, begin, end);                                             \
    else                                                                       \
      fn<16>(*p, bufs, begin, end);                                            \
  }

/// Defines a scalar kernel from `fn`.
#define CNNK_KERNEL(name, Params, fn)                                          \
  CNNK_EXPORT void cnnk_##name(const Params *p, void *const *bufs,             \
                               int64_t begin, int64_t end) {                   \
    fn(*p, bufs, begin, end);                                                  \
  }

#endif
