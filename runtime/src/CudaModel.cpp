//===- CudaModel.cpp - Loading a CUDA model onto the GPU
//-------------------===//
//
// loadCuda: opens GPU 0, picks the model's image for it (the cubin of its
// exact architecture, else the newest PTX it can JIT-compile), loads it as
// a module, finds every kernel, opts kernels into large dynamic shared
// memory, and uploads the weights once. Unloading undoes it in reverse.
// Also the model introspection of the CUDA API (cnnrt_model_device, ...).
//
//===----------------------------------------------------------------------===//
#include "CudaModel.h"

#include <cctype>
#include <cstring>

using namespace cnnrt;
using namespace cnnrt::cuda;

namespace {

/// The number in "sm_90", "sm_90a" or "compute_90" (90), -1 if none.
int archNumber(const char *arch) {
  const char *p = std::strchr(arch, '_');
  if (!p)
    return -1;
  int n = 0, digits = 0;
  for (++p; *p >= '0' && *p <= '9'; ++p, ++digits)
    n = n * 10 + (*p - '0');
  return digits > 0 ? n : -1;
}

/// The image to load on `dev`: the cubin of its architecture (a plain
/// "sm_XY" before an "sm_XYa" variant), else the newest PTX not newer than
/// it (an arch-specific "compute_XYa" only on that GPU); -1 when there is
/// none.
int32_t pickImage(const cnnc_cuda_module &c, const Device &dev) {
  int want = dev.Major * 10 + dev.Minor;
  int32_t best = -1;
  int bestScore = -1;
  for (int32_t i = 0; i < c.num_images; ++i) {
    const cnnc_cuda_image &im = c.images[i];
    int n = archNumber(im.arch);
    // "sm_90a", "compute_90a": architecture-specific, for that GPU only.
    bool specific = std::isalpha(
        static_cast<unsigned char>(im.arch[std::strlen(im.arch) - 1]));
    int score = -1;
    if (!im.is_ptx && n == want)
      score = 3000 + (specific ? 0 : 1);
    else if (im.is_ptx && n >= 0 && (specific ? n == want : n <= want))
      score = n;
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return best;
}

cnnrt_status noImage(const cnnrt_model &m, const Device &dev) {
  const cnnc_cuda_module &c = *m.Desc->cuda;
  std::string archs;
  for (int32_t i = 0; i < c.num_images; ++i)
    archs += cat(i ? ", " : "", c.images[i].arch,
                 c.images[i].is_ptx ? " (PTX)" : "");
  return fail(CNNRT_ERR_NO_DEVICE,
              cat(m.Source, " has no code for GPU 0 (", dev.Name, ", sm_",
                  dev.Major, dev.Minor, "): it was compiled for ", archs,
                  "; recompile it with --gpu-arch=sm_", dev.Major, dev.Minor));
}

/// cuModuleLoadDataEx with the JIT's error log in the message.
cnnrt_status loadModule(const cnnrt_model &m, CudaModel &cm,
                        const cnnc_cuda_image &im) {
  const Driver &drv = *cm.Dev->Drv;
  char log[4096] = {0};
  int options[2] = {CU_JIT_ERROR_LOG_BUFFER,
                    CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[2] = {log, reinterpret_cast<void *>(uintptr_t(sizeof log))};
  CUresult r = drv.ModuleLoadDataEx(&cm.Module, im.data, 2, options, values);
  if (r == CUDA_SUCCESS)
    return CNNRT_OK;
  cm.Module = nullptr;
  log[sizeof log - 1] = '\0';
  return fail(CNNRT_ERR_DEVICE,
              cat(m.Source, ": cuModuleLoadDataEx failed on its ", im.arch,
                  im.is_ptx ? " PTX" : " cubin", ": ", drv.errorName(r),
                  *log ? cat(": ", std::string(log)) : std::string(),
                  r == 222 ? " (the driver is older than the CUDA the model "
                             "was compiled with; update the driver)"
                           : ""));
}

/// The functions of every kernel, each allowed the dynamic shared memory
/// its largest launch asks for.
cnnrt_status findKernels(const cnnrt_model &m, CudaModel &cm) {
  const cnnc_cuda_module &c = *m.Desc->cuda;
  const Driver &drv = *cm.Dev->Drv;
  cm.Functions.assign(size_t(c.num_kernels), nullptr);
  for (int32_t k = 0; k < c.num_kernels; ++k)
    if (cnnrt_status s =
            check(drv,
                  drv.ModuleGetFunction(&cm.Functions[size_t(k)], cm.Module,
                                        c.kernel_names[k]),
                  "cuModuleGetFunction",
                  cat(m.Source, ": kernel '", c.kernel_names[k], "'")))
      return s;
  std::vector<uint32_t> shared(size_t(c.num_kernels), 0);
  for (int32_t i = 0; i < c.num_launches; ++i) {
    const cnnc_cuda_launch &l = c.launches[i];
    if (l.shared_bytes > uint32_t(cm.Dev->SharedOptIn))
      return fail(CNNRT_ERR_NO_DEVICE,
                  cat(m.Source, ": CUDA launch ", i, " (",
                      c.kernel_names[l.kernel], ") needs ", l.shared_bytes,
                      " bytes of shared memory, GPU 0 (", cm.Dev->Name,
                      ") allows ", cm.Dev->SharedOptIn));
    uint32_t &most = shared[size_t(l.kernel)];
    most = std::max(most, l.shared_bytes);
  }
  for (int32_t k = 0; k < c.num_kernels; ++k)
    if (shared[size_t(k)] > DefaultSharedLimit)
      if (cnnrt_status s =
              check(drv,
                    drv.FuncSetAttribute(
                        cm.Functions[size_t(k)],
                        CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                        int(shared[size_t(k)])),
                    "cuFuncSetAttribute",
                    cat(m.Source, ": kernel '", c.kernel_names[k], "'")))
        return s;
  return CNNRT_OK;
}

/// Copies the weights to the GPU, then drops the host copy of a file.
cnnrt_status uploadWeights(cnnrt_model &m, CudaModel &cm) {
  const cnnc_model_desc &d = *m.Desc;
  if (d.weights_bytes == 0)
    return CNNRT_OK;
  const Driver &drv = *cm.Dev->Drv;
  const void *src = d.weights_file ? m.Weights : d.cuda->weights;
  std::string what =
      cat(m.Source, ": uploading ", d.weights_bytes, " bytes of weights");
  if (cnnrt_status s = check(drv, drv.MemAlloc(&cm.Weights, d.weights_bytes),
                             "cuMemAlloc", what))
    return s;
  if (cnnrt_status s =
          check(drv, drv.MemcpyHtoD(cm.Weights, src, d.weights_bytes),
                "cuMemcpyHtoD", what))
    return s;
  cnnrt_workspace_free(m.Weights);
  m.Weights = nullptr;
  return CNNRT_OK;
}

} // namespace

void cnnrt::CudaModelDeleter::operator()(CudaModel *m) const { delete m; }

/// Sets the error of a device function called on a CPU model; true when
/// `m` is a CUDA model.
bool cnnrt::requireCuda(const cnnrt_model *m, const char *fn) {
  if (m && m->isCuda())
    return true;
  if (!m)
    fail(CNNRT_ERR_INVALID_ARGUMENT, cat(fn, ": null model"));
  else
    fail(CNNRT_ERR_WRONG_DEVICE,
         cat(fn, ": model '", m->Desc->name,
             "' is a CPU model; this function is for CUDA models (compiled "
             "with cnnc --target=cuda)"));
  return false;
}

CudaModel::~CudaModel() {
  if (!Dev)
    return;
  ContextScope scope(*Dev);
  if (Module)
    Dev->Drv->ModuleUnload(Module);
  if (Weights)
    Dev->Drv->MemFree(Weights);
}

cnnrt_status cnnrt::loadCuda(cnnrt_model &m) {
  auto cm = std::make_unique<CudaModel>();
  if (cnnrt_status s = openDevice(m.Source, cm->Dev))
    return s;
  const cnnc_cuda_module &c = *m.Desc->cuda;
  int32_t image = pickImage(c, *cm->Dev);
  if (image < 0)
    return noImage(m, *cm->Dev);
  ContextScope scope(*cm->Dev);
  if (cnnrt_status s = scope.status())
    return s;
  const cnnc_cuda_image &im = c.images[image];
  cm->Image = im.arch;
  cm->Layout = stagingLayout(*m.Desc);
  if (cnnrt_status s = loadModule(m, *cm, im))
    return s;
  if (cnnrt_status s = findKernels(m, *cm))
    return s;
  if (cnnrt_status s = uploadWeights(m, *cm))
    return s;
  m.Cuda.reset(cm.release());
  return CNNRT_OK;
}

uint64_t cnnrt::cudaWorkspaceBytes(const cnnrt_model &m) {
  return m.Cuda ? m.Cuda->Layout.Total : 0;
}

//===--- Introspection ----------------------------------------------------===//

const char *cnnrt_model_device(const cnnrt_model *model) {
  if (!model) {
    fail(CNNRT_ERR_INVALID_ARGUMENT, "cnnrt_model_device: null model");
    return nullptr;
  }
  return model->isCuda() ? "cuda" : "cpu";
}

const char *cnnrt_device_name(const cnnrt_model *model) {
  if (!requireCuda(model, "cnnrt_device_name"))
    return nullptr;
  return model->Cuda->Dev->Name.c_str();
}

const char *cnnrt_device_image(const cnnrt_model *model) {
  if (!requireCuda(model, "cnnrt_device_image"))
    return nullptr;
  return model->Cuda->Image.c_str();
}
