//===- CudaDriver.h - The CUDA driver API, loaded at run time ---*- C++ -*-===//
//
// libcnnrt never includes cuda.h nor links libcuda: the few driver types and
// constants it needs are declared here, and the entry points are looked up
// with dlsym in the library dlopen'ed on first use (libcuda.so.1, or the
// path in CNNRT_CUDA_DRIVER). CPU models never come here. Also the device
// handle shared by a CUDA model and its device allocations (GPU 0's
// retained primary context), and a scope that makes it current.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_RUNTIME_SRC_CUDADRIVER_H
#define CNNC_RUNTIME_SRC_CUDADRIVER_H

#include "cnnc/runtime.h"

#include <cstddef>
#include <memory>
#include <string>

namespace cnnrt::cuda {

//===--- Driver types (the ABI of cuda.h) ---------------------------------===//

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUevent = struct CUevent_st *;

constexpr CUresult CUDA_SUCCESS = 0;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;
constexpr int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
constexpr int CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
constexpr int CU_POINTER_ATTRIBUTE_RANGE_START_ADDR = 11;
constexpr int CU_POINTER_ATTRIBUTE_RANGE_SIZE = 12;
constexpr unsigned CU_STREAM_NON_BLOCKING = 1;
constexpr unsigned CU_EVENT_DEFAULT = 0;
/// The implicit per-thread stream: runs from several threads through
/// cnnrt_run do not serialise on the legacy default stream.
inline CUstream perThreadStream() { return reinterpret_cast<CUstream>(2); }

/// Dynamic shared memory a kernel may use without opting in.
constexpr unsigned DefaultSharedLimit = 48 * 1024;

/// The driver's entry points (names without the _v2 suffixes).
struct Driver {
  void *Lib = nullptr;
  std::string Path;
  CUresult InitResult = CUDA_SUCCESS; ///< What cuInit(0) returned.

  CUresult (*GetErrorName)(CUresult, const char **) = nullptr;
  CUresult (*Init)(unsigned) = nullptr;
  CUresult (*DriverGetVersion)(int *) = nullptr;
  CUresult (*DeviceGetCount)(int *) = nullptr;
  CUresult (*DeviceGet)(CUdevice *, int) = nullptr;
  CUresult (*DeviceGetName)(char *, int, CUdevice) = nullptr;
  CUresult (*DeviceGetAttribute)(int *, int, CUdevice) = nullptr;
  CUresult (*PrimaryCtxRetain)(CUcontext *, CUdevice) = nullptr;
  CUresult (*PrimaryCtxRelease)(CUdevice) = nullptr;
  CUresult (*CtxPushCurrent)(CUcontext) = nullptr;
  CUresult (*CtxPopCurrent)(CUcontext *) = nullptr;
  CUresult (*ModuleLoadDataEx)(CUmodule *, const void *, unsigned, int *,
                               void **) = nullptr;
  CUresult (*ModuleUnload)(CUmodule) = nullptr;
  CUresult (*ModuleGetFunction)(CUfunction *, CUmodule, const char *) = nullptr;
  CUresult (*FuncSetAttribute)(CUfunction, int, int) = nullptr;
  CUresult (*MemAlloc)(CUdeviceptr *, size_t) = nullptr;
  CUresult (*MemFree)(CUdeviceptr) = nullptr;
  CUresult (*MemcpyHtoD)(CUdeviceptr, const void *, size_t) = nullptr;
  CUresult (*MemcpyDtoH)(void *, CUdeviceptr, size_t) = nullptr;
  CUresult (*MemcpyHtoDAsync)(CUdeviceptr, const void *, size_t,
                              CUstream) = nullptr;
  CUresult (*MemcpyDtoHAsync)(void *, CUdeviceptr, size_t, CUstream) = nullptr;
  CUresult (*PointerGetAttribute)(void *, int, CUdeviceptr) = nullptr;
  CUresult (*LaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                           unsigned, unsigned, unsigned, CUstream, void **,
                           void **) = nullptr;
  CUresult (*StreamCreate)(CUstream *, unsigned) = nullptr;
  CUresult (*StreamDestroy)(CUstream) = nullptr;
  CUresult (*StreamSynchronize)(CUstream) = nullptr;
  CUresult (*EventCreate)(CUevent *, unsigned) = nullptr;
  CUresult (*EventDestroy)(CUevent) = nullptr;
  CUresult (*EventRecord)(CUevent, CUstream) = nullptr;
  CUresult (*EventSynchronize)(CUevent) = nullptr;
  CUresult (*EventElapsedTime)(float *, CUevent, CUevent) = nullptr;

  /// "CUDA_ERROR_NO_DEVICE" (or "CUresult 123" for a code the driver does
  /// not name).
  std::string errorName(CUresult r) const;
};

/// The driver, loaded and cuInit'ed once per library path; null after
/// setting CNNRT_ERR_NO_DEVICE with a message for `source` ("'m.so'").
/// A failed dlopen is not remembered: the next call tries again.
/// Thread-safe.
const Driver *loadDriver(const std::string &source);

/// GPU 0 with its primary context retained (released when the last model
/// or device allocation holding it goes away).
struct Device {
  const Driver *Drv = nullptr;
  CUdevice Dev = 0;
  CUcontext Ctx = nullptr;
  int Major = 0, Minor = 0;
  int SharedOptIn = 0; ///< Most dynamic shared memory a block may opt into.
  std::string Name;

  Device() = default;
  Device(const Device &) = delete;
  Device &operator=(const Device &) = delete;
  ~Device();
};

/// Opens GPU 0 for a CUDA model into `out`: CNNRT_ERR_NO_DEVICE (no
/// driver, no GPU) or CNNRT_ERR_DEVICE (a failed call) with the message set.
cnnrt_status openDevice(const std::string &source,
                        std::shared_ptr<Device> &out);

/// Makes the device's context current on this thread for a scope
/// (cuCtxPushCurrent / cuCtxPopCurrent, so the caller's own context, if
/// any, is current again afterwards).
class ContextScope {
public:
  explicit ContextScope(const Device &d);
  ~ContextScope();
  /// CNNRT_OK, or CNNRT_ERR_DEVICE with the message set.
  cnnrt_status status() const { return Status; }

private:
  const Device &D;
  cnnrt_status Status = CNNRT_OK;
};

/// CNNRT_OK for CUDA_SUCCESS, else CNNRT_ERR_DEVICE with "`what`: `call`
/// failed: CUDA_ERROR_...".
cnnrt_status check(const Driver &drv, CUresult r, const char *call,
                   const std::string &what);

} // namespace cnnrt::cuda

#endif
