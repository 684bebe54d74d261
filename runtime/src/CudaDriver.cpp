//===- CudaDriver.cpp - dlopen of the CUDA driver, GPU 0's context
//---------===//
//
// Loads the CUDA driver on first use (never at startup, never for a CPU
// model), resolves the entry points the runtime calls (the _v2 names where
// the driver exports both), calls cuInit once, and opens GPU 0 through its
// primary context. Every failure becomes CNNRT_ERR_NO_DEVICE with a message
// that says what is missing and what to do instead.
//
//===----------------------------------------------------------------------===//
#include "CudaDriver.h"
#include "Internal.h"

#include <cstdlib>
#include <map>
#include <mutex>

#include <dlfcn.h>

namespace cnnrt::cuda {

namespace {

/// The library the runtime loads unless CNNRT_CUDA_DRIVER names another.
constexpr const char *DefaultDriver = "libcuda.so.1";

/// Resolves `name` (or the first of `names` the library has) into `fn`;
/// false when none is exported.
template <typename Fn>
bool resolve(void *lib, Fn &fn, std::initializer_list<const char *> names,
             std::string &missing) {
  for (const char *n : names)
    if (void *sym = dlsym(lib, n)) {
      fn = reinterpret_cast<Fn>(sym);
      return true;
    }
  missing = *names.begin();
  return false;
}

/// Every entry point; the name of the first missing one in `missing`.
bool resolveAll(Driver &d, std::string &missing) {
  void *l = d.Lib;
  return resolve(l, d.GetErrorName, {"cuGetErrorName"}, missing) &&
         resolve(l, d.Init, {"cuInit"}, missing) &&
         resolve(l, d.DriverGetVersion, {"cuDriverGetVersion"}, missing) &&
         resolve(l, d.DeviceGetCount, {"cuDeviceGetCount"}, missing) &&
         resolve(l, d.DeviceGet, {"cuDeviceGet"}, missing) &&
         resolve(l, d.DeviceGetName, {"cuDeviceGetName"}, missing) &&
         resolve(l, d.DeviceGetAttribute, {"cuDeviceGetAttribute"}, missing) &&
         resolve(l, d.PrimaryCtxRetain, {"cuDevicePrimaryCtxRetain"},
                 missing) &&
         resolve(l, d.PrimaryCtxRelease,
                 {"cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxRelease"},
                 missing) &&
         resolve(l, d.CtxPushCurrent, {"cuCtxPushCurrent_v2"}, missing) &&
         resolve(l, d.CtxPopCurrent, {"cuCtxPopCurrent_v2"}, missing) &&
         resolve(l, d.ModuleLoadDataEx, {"cuModuleLoadDataEx"}, missing) &&
         resolve(l, d.ModuleUnload, {"cuModuleUnload"}, missing) &&
         resolve(l, d.ModuleGetFunction, {"cuModuleGetFunction"}, missing) &&
         resolve(l, d.FuncSetAttribute, {"cuFuncSetAttribute"}, missing) &&
         resolve(l, d.MemAlloc, {"cuMemAlloc_v2"}, missing) &&
         resolve(l, d.MemFree, {"cuMemFree_v2"}, missing) &&
         resolve(l, d.MemcpyHtoD, {"cuMemcpyHtoD_v2"}, missing) &&
         resolve(l, d.MemcpyDtoH, {"cuMemcpyDtoH_v2"}, missing) &&
         resolve(l, d.MemcpyHtoDAsync, {"cuMemcpyHtoDAsync_v2"}, missing) &&
         resolve(l, d.MemcpyDtoHAsync, {"cuMemcpyDtoHAsync_v2"}, missing) &&
         resolve(l, d.PointerGetAttribute, {"cuPointerGetAttribute"},
                 missing) &&
         resolve(l, d.LaunchKernel, {"cuLaunchKernel"}, missing) &&
         resolve(l, d.StreamCreate, {"cuStreamCreate"}, missing) &&
         resolve(l, d.StreamDestroy, {"cuStreamDestroy_v2"}, missing) &&
         resolve(l, d.StreamSynchronize, {"cuStreamSynchronize"}, missing) &&
         resolve(l, d.EventCreate, {"cuEventCreate"}, missing) &&
         resolve(l, d.EventDestroy, {"cuEventDestroy_v2"}, missing) &&
         resolve(l, d.EventRecord, {"cuEventRecord"}, missing) &&
         resolve(l, d.EventSynchronize, {"cuEventSynchronize"}, missing) &&
         resolve(l, d.EventElapsedTime,
                 {"cuEventElapsedTime_v2", "cuEventElapsedTime"}, missing);
}

std::string remedy() {
  return "; run it on a machine with an NVIDIA GPU and driver, or compile it "
         "for the CPU";
}

} // namespace

std::string Driver::errorName(CUresult r) const {
  const char *name = nullptr;
  if (GetErrorName && GetErrorName(r, &name) == CUDA_SUCCESS && name)
    return name;
  return cat("CUresult ", r);
}

const Driver *loadDriver(const std::string &source) {
  // Drivers are never unloaded: dlclose of libcuda while its threads run is
  // not safe, and there is one per process in practice.
  static std::mutex Lock;
  static std::map<std::string, std::unique_ptr<Driver>> Loaded;
  const char *env = std::getenv("CNNRT_CUDA_DRIVER");
  bool fromEnv = env && *env;
  std::string path = fromEnv ? env : DefaultDriver;
  std::string intro =
      cat(source, " is a CUDA model (compiled with --target=cuda), but ");

  std::lock_guard<std::mutex> guard(Lock);
  auto it = Loaded.find(path);
  if (it == Loaded.end()) {
    dlerror();
    void *lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char *why = dlerror();
      fail(CNNRT_ERR_NO_DEVICE,
           cat(intro, "the CUDA driver",
               fromEnv ? " named by CNNRT_CUDA_DRIVER" : "",
               " could not be loaded: ", why ? why : path + ": dlopen failed",
               remedy()));
      return nullptr;
    }
    auto d = std::make_unique<Driver>();
    d->Lib = lib;
    d->Path = path;
    std::string missing;
    if (!resolveAll(*d, missing)) {
      dlclose(lib);
      fail(CNNRT_ERR_NO_DEVICE,
           cat(intro, "the CUDA driver '", path, "' has no '", missing,
               "' (a driver older than CUDA 11?)", remedy()));
      return nullptr;
    }
    d->InitResult = d->Init(0);
    it = Loaded.emplace(path, std::move(d)).first;
  }
  const Driver &d = *it->second;
  if (d.InitResult != CUDA_SUCCESS) {
    fail(CNNRT_ERR_NO_DEVICE, cat(intro, "the CUDA driver '", path,
                                  "' found no usable GPU: cuInit failed: ",
                                  d.errorName(d.InitResult), remedy()));
    return nullptr;
  }
  return &d;
}

cnnrt_status check(const Driver &drv, CUresult r, const char *call,
                   const std::string &what) {
  if (r == CUDA_SUCCESS)
    return CNNRT_OK;
  return fail(CNNRT_ERR_DEVICE,
              cat(what, ": ", call, " failed: ", drv.errorName(r)));
}

Device::~Device() {
  if (Ctx)
    Drv->PrimaryCtxRelease(Dev);
}

cnnrt_status openDevice(const std::string &source,
                        std::shared_ptr<Device> &out) {
  const Driver *drv = loadDriver(source);
  if (!drv)
    return CNNRT_ERR_NO_DEVICE;
  int count = 0;
  CUresult r = drv->DeviceGetCount(&count);
  if (r != CUDA_SUCCESS || count <= 0)
    return fail(CNNRT_ERR_NO_DEVICE,
                cat(source,
                    " is a CUDA model (compiled with --target=cuda), but the "
                    "CUDA driver reports no GPU",
                    r != CUDA_SUCCESS ? ": cuDeviceGetCount failed: " : "",
                    r != CUDA_SUCCESS ? drv->errorName(r) : std::string(),
                    remedy()));
  auto dev = std::make_shared<Device>();
  dev->Drv = drv;
  std::string what = cat(source, ": GPU 0");
  char name[256] = {0};
  const Driver &d = *drv;
  cnnrt_status s = check(d, d.DeviceGet(&dev->Dev, 0), "cuDeviceGet", what);
  if (!s)
    s = check(d, d.DeviceGetName(name, int(sizeof name) - 1, dev->Dev),
              "cuDeviceGetName", what);
  struct {
    int *Value;
    int Attr;
  } attrs[] = {{&dev->Major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR},
               {&dev->Minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR},
               {&dev->SharedOptIn,
                CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN}};
  for (auto &a : attrs)
    if (!s)
      s = check(d, d.DeviceGetAttribute(a.Value, a.Attr, dev->Dev),
                "cuDeviceGetAttribute", what);
  if (!s)
    s = check(d, d.PrimaryCtxRetain(&dev->Ctx, dev->Dev),
              "cuDevicePrimaryCtxRetain", what);
  if (s) {
    dev->Ctx = nullptr;
    return s;
  }
  dev->Name = name;
  out = std::move(dev);
  return CNNRT_OK;
}

ContextScope::ContextScope(const Device &d) : D(d) {
  Status = check(*D.Drv, D.Drv->CtxPushCurrent(D.Ctx), "cuCtxPushCurrent",
                 cat("GPU 0 (", D.Name, ")"));
}

ContextScope::~ContextScope() {
  if (Status == CNNRT_OK) {
    CUcontext popped = nullptr;
    D.Drv->CtxPopCurrent(&popped);
  }
}

} // namespace cnnrt::cuda
