//===- CudaMemory.cpp - Device memory, copies and streams
//------------------===//
//
// The device-memory half of the CUDA API. Every allocation the runtime
// makes (cnnrt_device_alloc, cnnrt_workspace_alloc of a CUDA model) is
// recorded in a process-wide registry with the GPU it lives on, so that:
//  - cnnrt_workspace_free(ptr) frees host and device workspaces alike (it
//    looks the pointer up; an unknown pointer is host memory);
//  - an allocation keeps its GPU's context alive: freeing it after
//    cnnrt_unload of its model is fine.
// CPU models never reach the driver: the device functions refuse them with
// CNNRT_ERR_WRONG_DEVICE, and the registry lookup of a host pointer calls
// nothing of CUDA.
//
//===----------------------------------------------------------------------===//
#include "CudaModel.h"

#include <atomic>
#include <map>
#include <mutex>

using namespace cnnrt;
using namespace cnnrt::cuda;

namespace {

struct Allocation {
  std::shared_ptr<Device> Dev;
  uint64_t Bytes = 0;
};

/// Never destroyed: allocations freed during exit must still find it, and
/// releasing contexts from a static destructor races the driver's teardown.
struct Registry {
  std::mutex Lock;
  std::map<uintptr_t, Allocation> Live;
  std::atomic<size_t> Count{0};
};
Registry &registry() {
  static Registry *r = new Registry;
  return *r;
}

/// cuMemAlloc of at least one alignment unit, registered.
cnnrt_status allocate(const std::shared_ptr<Device> &dev, uint64_t bytes,
                      const std::string &what, void **ptr) {
  ContextScope scope(*dev);
  if (cnnrt_status s = scope.status())
    return s;
  uint64_t rounded = alignDevice(bytes == 0 ? 1 : bytes);
  CUdeviceptr p = 0;
  if (cnnrt_status s =
          check(*dev->Drv, dev->Drv->MemAlloc(&p, rounded), "cuMemAlloc", what))
    return s;
  Registry &r = registry();
  std::lock_guard<std::mutex> guard(r.Lock);
  r.Live[uintptr_t(p)] = Allocation{dev, rounded};
  r.Count.fetch_add(1);
  *ptr = reinterpret_cast<void *>(uintptr_t(p));
  return CNNRT_OK;
}

/// cnnrt_copy_to_device (`toDevice`, dst in device memory) or
/// cnnrt_copy_from_device (src in device memory), named `fn` in messages:
/// the model and null-pointer checks, then cuMemcpyHtoD or cuMemcpyDtoH
/// with the model's context current.
cnnrt_status copyHostDevice(const cnnrt_model *m, const char *fn, bool toDevice,
                            void *dst, const void *src, uint64_t bytes) {
  if (!requireCuda(m, fn))
    return m ? CNNRT_ERR_WRONG_DEVICE : CNNRT_ERR_INVALID_ARGUMENT;
  if (bytes > 0 && (!dst || !src))
    return fail(CNNRT_ERR_INVALID_ARGUMENT,
                cat(fn, ": null ", dst ? "source" : "destination"));
  if (bytes == 0)
    return CNNRT_OK;
  return guarded([&] {
    const Device &dev = *m->Cuda->Dev;
    ContextScope scope(dev);
    if (cnnrt_status s = scope.status())
      return s;
    const Driver &drv = *dev.Drv;
    CUresult r = toDevice
                     ? drv.MemcpyHtoD(CUdeviceptr(uintptr_t(dst)), src, bytes)
                     : drv.MemcpyDtoH(dst, CUdeviceptr(uintptr_t(src)), bytes);
    return check(drv, r, toDevice ? "cuMemcpyHtoD" : "cuMemcpyDtoH",
                 cat(fn, " of ", bytes, " bytes"));
  });
}

} // namespace

bool cnnrt::freeDeviceAllocation(void *p) {
  Registry &r = registry();
  if (!p || r.Count.load() == 0)
    return false;
  Allocation a;
  {
    std::lock_guard<std::mutex> guard(r.Lock);
    auto it = r.Live.find(uintptr_t(p));
    if (it == r.Live.end())
      return false;
    a = std::move(it->second);
    r.Live.erase(it);
    r.Count.fetch_sub(1);
  }
  ContextScope scope(*a.Dev);
  if (scope.status() == CNNRT_OK)
    a.Dev->Drv->MemFree(CUdeviceptr(uintptr_t(p)));
  return true;
}

cnnrt_status cnnrt::checkDevicePointer(const cnnrt_model &m, const void *ptr,
                                       uint64_t bytes, cnnrt_status notDevice,
                                       cnnrt_status status,
                                       const std::string &name) {
  if (bytes == 0)
    return CNNRT_OK;
  const Driver &drv = *m.Cuda->Dev->Drv;
  CUdeviceptr p = CUdeviceptr(uintptr_t(ptr)), start = 0;
  size_t size = 0;
  CUresult r =
      drv.PointerGetAttribute(&start, CU_POINTER_ATTRIBUTE_RANGE_START_ADDR, p);
  if (r == CUDA_SUCCESS)
    r = drv.PointerGetAttribute(&size, CU_POINTER_ATTRIBUTE_RANGE_SIZE, p);
  if (r != CUDA_SUCCESS)
    return fail(notDevice,
                cat("model '", m.Desc->name, "': ", name, " at ", hex64(p),
                    " is not device memory (", drv.errorName(r), ")"));
  if (p + bytes > start + size)
    return fail(status,
                cat("model '", m.Desc->name, "': ", name, " needs ", bytes,
                    " bytes at ", hex64(p), ", its device allocation ends ",
                    p + bytes - (start + size), " bytes before that"));
  return CNNRT_OK;
}

cnnrt_status cnnrt::cudaWorkspaceAlloc(const cnnrt_model &m, void **ws) {
  uint64_t bytes = cudaWorkspaceBytes(m);
  return allocate(m.Cuda->Dev, bytes,
                  cat("model '", m.Desc->name, "': allocating a workspace of ",
                      bytes, " bytes on GPU 0"),
                  ws);
}

cnnrt_status cnnrt_device_alloc(const cnnrt_model *model, uint64_t bytes,
                                void **ptr) {
  if (ptr)
    *ptr = nullptr;
  if (!requireCuda(model, "cnnrt_device_alloc"))
    return model ? CNNRT_ERR_WRONG_DEVICE : CNNRT_ERR_INVALID_ARGUMENT;
  if (!ptr)
    return fail(CNNRT_ERR_INVALID_ARGUMENT, "cnnrt_device_alloc: null pointer");
  return guarded([&] {
    return allocate(model->Cuda->Dev, bytes,
                    cat("cnnrt_device_alloc of ", bytes, " bytes on GPU 0"),
                    ptr);
  });
}

void cnnrt_device_free(const cnnrt_model *model, void *ptr) {
  if (!ptr || !requireCuda(model, "cnnrt_device_free"))
    return;
  if (!freeDeviceAllocation(ptr))
    fail(CNNRT_ERR_INVALID_ARGUMENT,
         cat("cnnrt_device_free: ", hex64(uintptr_t(ptr)),
             " is not device memory from cnnrt_device_alloc or "
             "cnnrt_workspace_alloc (or was freed already)"));
}

cnnrt_status cnnrt_copy_to_device(const cnnrt_model *model, void *dst,
                                  const void *src, uint64_t bytes) {
  return copyHostDevice(model, "cnnrt_copy_to_device", true, dst, src, bytes);
}

cnnrt_status cnnrt_copy_from_device(const cnnrt_model *model, void *dst,
                                    const void *src, uint64_t bytes) {
  return copyHostDevice(model, "cnnrt_copy_from_device", false, dst, src,
                        bytes);
}

cnnrt_status cnnrt_stream_create(const cnnrt_model *model, void **stream) {
  if (stream)
    *stream = nullptr;
  if (!requireCuda(model, "cnnrt_stream_create"))
    return model ? CNNRT_ERR_WRONG_DEVICE : CNNRT_ERR_INVALID_ARGUMENT;
  if (!stream)
    return fail(CNNRT_ERR_INVALID_ARGUMENT,
                "cnnrt_stream_create: null stream pointer");
  return guarded([&] {
    const Device &dev = *model->Cuda->Dev;
    ContextScope scope(dev);
    if (cnnrt_status s = scope.status())
      return s;
    // A blocking stream: synchronous copies (cnnrt_copy_*) wait for it.
    CUstream s = nullptr;
    if (cnnrt_status st = check(*dev.Drv, dev.Drv->StreamCreate(&s, 0),
                                "cuStreamCreate", "cnnrt_stream_create"))
      return st;
    *stream = s;
    return CNNRT_OK;
  });
}

void cnnrt_stream_destroy(const cnnrt_model *model, void *stream) {
  if (!stream || !requireCuda(model, "cnnrt_stream_destroy"))
    return;
  const Device &dev = *model->Cuda->Dev;
  ContextScope scope(dev);
  if (scope.status() == CNNRT_OK)
    check(*dev.Drv, dev.Drv->StreamDestroy(static_cast<CUstream>(stream)),
          "cuStreamDestroy", "cnnrt_stream_destroy");
}

cnnrt_status cnnrt_stream_synchronize(const cnnrt_model *model, void *stream) {
  if (!requireCuda(model, "cnnrt_stream_synchronize"))
    return model ? CNNRT_ERR_WRONG_DEVICE : CNNRT_ERR_INVALID_ARGUMENT;
  return guarded([&] {
    const Device &dev = *model->Cuda->Dev;
    ContextScope scope(dev);
    if (cnnrt_status s = scope.status())
      return s;
    return check(*dev.Drv,
                 dev.Drv->StreamSynchronize(static_cast<CUstream>(stream)),
                 "cuStreamSynchronize", cat("model '", model->Desc->name, "'"));
  });
}
