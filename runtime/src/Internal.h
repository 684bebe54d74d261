//===- Internal.h - libcnnrt's private declarations -------------*- C++ -*-===//
//
// What the runtime's source files share: the model object behind the C
// handle, the per-thread error message, and the CPU feature table. Nothing
// here is installed or seen by users of the C API.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_RUNTIME_SRC_INTERNAL_H
#define CNNC_RUNTIME_SRC_INTERNAL_H

#include "cnnc/runtime.h"

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <type_traits>

/// A loaded model: the descriptor, the shared object it came from (null for
/// a model linked into the program) and its external weights.
struct cnnrt_model {
  void *Handle = nullptr;
  const cnnc_model_desc *Desc = nullptr;
  void *Weights = nullptr; ///< CNNC_WORKSPACE_ALIGN aligned, or null.
  std::string Source;      ///< "'path.so'" or "model 'name'" for messages.
};

namespace cnnrt {

/// Sets this thread's last error message; returns `status` so callers can
/// write `return fail(...)`. Never throws (on out of memory the message
/// becomes "out of memory").
cnnrt_status fail(cnnrt_status status, std::string message) noexcept;
cnnrt_status fail(cnnrt_status status, const char *message) noexcept;

/// Concatenates strings and integers into one message.
inline void appendPart(std::string &s, std::string_view v) { s += v; }
inline void appendPart(std::string &s, const char *v) { s += v ? v : ""; }
inline void appendPart(std::string &s, const std::string &v) { s += v; }
template <typename T>
inline std::enable_if_t<std::is_integral_v<T>> appendPart(std::string &s, T v) {
  s += std::to_string(v);
}
template <typename... Args> std::string cat(const Args &...args) {
  std::string s;
  (appendPart(s, args), ...);
  return s;
}

/// "0x0123456789abcdef".
std::string hex64(uint64_t v);

/// Runs `body` (returning a cnnrt_status), turning std::bad_alloc and any
/// other exception into an error status: the C API never throws.
template <typename F> cnnrt_status guarded(F &&body) noexcept {
  try {
    return body();
  } catch (const std::exception &e) {
    return fail(CNNRT_ERR_OUT_OF_MEMORY, e.what());
  } catch (...) {
    return fail(CNNRT_ERR_OUT_OF_MEMORY, "unexpected failure");
  }
}

//===--- CPU features -----------------------------------------------------===//

/// Bit i stands for the i-th feature of the runtime's table.
using FeatureMask = uint64_t;

/// The features of this host (CPU and OS support), minus those named in
/// CNNRT_HIDE_CPU_FEATURES.
FeatureMask hostFeatures();
/// The bit of a feature name (LLVM's spelling, an optional leading '+'),
/// or 0 when the runtime does not know it.
FeatureMask featureBit(std::string_view name);
/// The names of the features in `mask`, in table order, joined by `sep`.
std::string featureNames(FeatureMask mask, std::string_view sep);

} // namespace cnnrt

#endif
