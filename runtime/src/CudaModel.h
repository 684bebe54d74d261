//===- CudaModel.h - A CUDA model's state on the GPU ------------*- C++ -*-===//
//
// What loading a CUDA model leaves behind: GPU 0 (shared with the device
// allocations made for the model), the loaded module and its kernels, the
// weights in device memory, and where cnnrt_run stages each input and
// output inside the workspace. Also the 256-byte layout arithmetic that
// cnnrt_workspace_bytes and cnnrt_run share.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_RUNTIME_SRC_CUDAMODEL_H
#define CNNC_RUNTIME_SRC_CUDAMODEL_H

#include "CudaDriver.h"
#include "Internal.h"

#include <vector>

namespace cnnrt {

/// Alignment of device allocations and of each staging area.
constexpr uint64_t DeviceAlign = 256;

inline uint64_t alignDevice(uint64_t bytes) {
  return (bytes + DeviceAlign - 1) / DeviceAlign * DeviceAlign;
}

/// Where cnnrt_run puts things in a CUDA model's workspace: the model's
/// own workspace at offset 0, then one staging area per input and output.
struct StagingLayout {
  std::vector<uint64_t> Inputs, Outputs; ///< Offsets.
  uint64_t Total = 0;
};
StagingLayout stagingLayout(const cnnc_model_desc &d);

struct CudaModel {
  std::shared_ptr<cuda::Device> Dev;
  cuda::CUmodule Module = nullptr;
  std::vector<cuda::CUfunction> Functions; ///< By kernel index.
  cuda::CUdeviceptr Weights = 0;
  /// Arch of the loaded image: "sm_90" (a cubin) or "compute_90" (PTX the
  /// driver compiled).
  std::string Image;
  StagingLayout Layout;

  ~CudaModel();
};

/// True for a CUDA model; otherwise sets CNNRT_ERR_WRONG_DEVICE (a CPU
/// model) or CNNRT_ERR_INVALID_ARGUMENT (null) for the function `fn`.
bool requireCuda(const cnnrt_model *m, const char *fn);

/// Checks that [ptr, ptr + bytes) lies in one allocation the driver knows
/// (device memory, or host memory mapped for the device): a host pointer
/// would make a kernel fault and poison the context. A pointer the driver
/// does not know fails with `notDevice`, a too small allocation with
/// `status`; `name` says what it is ("input 0 'x'").
cnnrt_status checkDevicePointer(const cnnrt_model &m, const void *ptr,
                                uint64_t bytes, cnnrt_status notDevice,
                                cnnrt_status status, const std::string &name);

/// Enqueues the model's launches on `stream` with the given device buffers.
/// With `events` (num_launches + 1 of them) records events[i] before launch
/// i and events[n] after the last.
cnnrt_status enqueueLaunches(const cnnrt_model &m, const void *const *inputs,
                             void *const *outputs, void *workspace,
                             cuda::CUstream stream, cuda::CUevent *events);

} // namespace cnnrt

#endif
