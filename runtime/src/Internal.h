//===- Internal.h - libcnnrt's private declarations -------------*- C++ -*-===//
//
// What the runtime's source files share: the model object behind the C
// handle, the per-thread error message, the CPU feature table, and the
// entry points of the CUDA part (Cuda*.cpp) that Load.cpp and Model.cpp
// call for CUDA models. Nothing here is installed or seen by users of the
// C API.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_RUNTIME_SRC_INTERNAL_H
#define CNNC_RUNTIME_SRC_INTERNAL_H

#include "cnnc/runtime.h"

#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

namespace cnnrt {
/// A CUDA model's state on the GPU (CudaModel.h).
struct CudaModel;
struct CudaModelDeleter {
  void operator()(CudaModel *m) const;
};
} // namespace cnnrt

/// A loaded model: the descriptor, the shared object it came from (null for
/// a model linked into the program), its external weights, and for a CUDA
/// model its module and weights on the GPU.
struct cnnrt_model {
  void *Handle = nullptr;
  const cnnc_model_desc *Desc = nullptr;
  /// CNNC_WORKSPACE_ALIGN aligned, or null. A CUDA model's are freed once
  /// uploaded.
  void *Weights = nullptr;
  std::string Source; ///< "'path.so'" or "model 'name'" for messages.
  std::unique_ptr<cnnrt::CudaModel, cnnrt::CudaModelDeleter> Cuda;

  bool isCuda() const { return Desc->device == CNNC_DEVICE_CUDA; }
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

//===--- CUDA models (Cuda*.cpp) ------------------------------------------===//

/// Checks the CUDA part of a descriptor (images, kernels, launches and their
/// buffer references) without touching the driver.
cnnrt_status checkCudaDesc(const cnnrt_model &m);
/// Loads the driver, picks and loads an image on GPU 0, finds the kernels
/// and uploads the weights (embedded, or m.Weights read from the file).
cnnrt_status loadCuda(cnnrt_model &m);
/// cnnrt_workspace_bytes of a CUDA model: the model's workspace and the
/// staging areas of its inputs and outputs.
uint64_t cudaWorkspaceBytes(const cnnrt_model &m);
/// cnnrt_workspace_alloc of a CUDA model (device memory).
cnnrt_status cudaWorkspaceAlloc(const cnnrt_model &m, void **workspace);
/// Frees `p` when it is device memory the runtime allocated; false when it
/// is not (then it is host memory). Never loads the driver.
bool freeDeviceAllocation(void *p);
/// cnnrt_run_profiled of a CUDA model, after the tensors were checked:
/// host inputs and outputs, device workspace.
cnnrt_status runCudaFromHost(const cnnrt_model &m, const void *const *inputs,
                             void *const *outputs, void *workspace,
                             uint64_t workspaceBytes, double *profileSeconds);

} // namespace cnnrt

#endif
