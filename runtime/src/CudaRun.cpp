//===- CudaRun.cpp - Running a CUDA model ---------------------------------===//
//
// The launches of a CUDA model: each one's by-value argument struct is
// filled from its buffer references (an input, an output, or an offset into
// the workspace or the weights) and passed to cuLaunchKernel on the
// caller's stream. Three ways in:
//  - cnnrt_run_device: device buffers, enqueued asynchronously;
//  - cnnrt_run / cnnrt_run_profiled: host buffers staged through the
//    workspace on the calling thread's per-thread stream, with CUDA events
//    around each launch when profiling;
//  - cnnrt_time_device_runs: back-to-back runs between CUDA events.
// Every pointer handed to a kernel is checked to lie in device memory
// first: a host pointer would fault on the GPU and poison the context.
//
//===----------------------------------------------------------------------===//
#include "CudaModel.h"
#include "RunChecks.h"

#include <algorithm>

using namespace cnnrt;
using namespace cnnrt::cuda;

namespace {

/// What every kernel takes by value.
struct KernelArgs {
  void *p[CNNC_CUDA_MAX_ARGS];
};

/// Events created for a scope, destroyed at its end.
class Events {
public:
  Events(const Driver &drv) : Drv(drv) {}
  ~Events() {
    for (CUevent e : List)
      Drv.EventDestroy(e);
  }
  cnnrt_status create(size_t n, const std::string &what) {
    while (List.size() < n) {
      CUevent e = nullptr;
      if (cnnrt_status s = check(Drv, Drv.EventCreate(&e, CU_EVENT_DEFAULT),
                                 "cuEventCreate", what))
        return s;
      List.push_back(e);
    }
    return CNNRT_OK;
  }
  CUevent *data() { return List.data(); }
  /// Seconds between events i and i + 1.
  cnnrt_status seconds(size_t i, double &out, const std::string &what) {
    float ms = 0;
    cnnrt_status s = check(Drv, Drv.EventElapsedTime(&ms, List[i], List[i + 1]),
                           "cuEventElapsedTime", what);
    out = double(ms) * 1e-3;
    return s;
  }

private:
  const Driver &Drv;
  std::vector<CUevent> List;
};

std::string tensorWhat(const cnnc_model_desc &d, bool input, int32_t i) {
  const cnnc_tensor_desc &t = input ? d.inputs[i] : d.outputs[i];
  return cat(input ? "input " : "output ", i, " '", t.name, "'");
}

/// The checks of cnnrt_run_device and cnnrt_time_device_runs, with the
/// model's context current.
cnnrt_status checkDeviceRun(const cnnrt_model &m, const void *const *inputs,
                            int32_t numInputs, void *const *outputs,
                            int32_t numOutputs, const void *workspace) {
  const cnnc_model_desc &d = *m.Desc;
  if (cnnrt_status s = checkCounts(d, inputs, numInputs, outputs, numOutputs,
                                   "cnnrt_run_device"))
    return s;
  for (int32_t k = 0; k < numInputs + numOutputs; ++k) {
    bool in = k < numInputs;
    int32_t i = in ? k : k - numInputs;
    const void *p = in ? inputs[i] : outputs[i];
    uint64_t bytes = uint64_t(in ? d.inputs[i].bytes : d.outputs[i].bytes);
    if (!p)
      return fail(CNNRT_ERR_NULL_BUFFER,
                  cat("model '", d.name, "': ", tensorWhat(d, in, i),
                      " has a null device pointer"));
    if (cnnrt_status s =
            checkDevicePointer(m, p, bytes, CNNRT_ERR_INVALID_ARGUMENT,
                               CNNRT_ERR_TENSOR_SIZE, tensorWhat(d, in, i)))
      return s;
  }
  if (d.workspace_bytes == 0)
    return CNNRT_OK;
  if (!workspace || uintptr_t(workspace) % DeviceAlign != 0)
    return fail(CNNRT_ERR_WORKSPACE,
                cat("model '", d.name, "' needs a device workspace of ",
                    d.workspace_bytes, " bytes, ", DeviceAlign,
                    "-byte aligned, given ",
                    workspace ? hex64(uintptr_t(workspace)) : "null"));
  return checkDevicePointer(m, workspace, d.workspace_bytes,
                            CNNRT_ERR_WORKSPACE, CNNRT_ERR_WORKSPACE,
                            "the workspace");
}

/// Copies between host buffers and their staging areas on `stream`.
cnnrt_status stage(const cnnrt_model &m, bool in, const void *const *host,
                   char *base, CUstream stream) {
  const cnnc_model_desc &d = *m.Desc;
  const Driver &drv = *m.Cuda->Dev->Drv;
  const std::vector<uint64_t> &at =
      in ? m.Cuda->Layout.Inputs : m.Cuda->Layout.Outputs;
  int32_t n = in ? d.num_inputs : d.num_outputs;
  for (int32_t i = 0; i < n; ++i) {
    uint64_t bytes = uint64_t(in ? d.inputs[i].bytes : d.outputs[i].bytes);
    if (bytes == 0)
      continue;
    CUdeviceptr dev = CUdeviceptr(uintptr_t(base + at[size_t(i)]));
    std::string what = cat("model '", d.name, "': ", tensorWhat(d, in, i));
    cnnrt_status s =
        in ? check(drv, drv.MemcpyHtoDAsync(dev, host[i], bytes, stream),
                   "cuMemcpyHtoDAsync", what)
           : check(drv,
                   drv.MemcpyDtoHAsync(const_cast<void *>(host[i]), dev, bytes,
                                       stream),
                   "cuMemcpyDtoHAsync", what);
    if (s)
      return s;
  }
  return CNNRT_OK;
}

} // namespace

cnnrt_status cnnrt::enqueueLaunches(const cnnrt_model &m,
                                    const void *const *inputs,
                                    void *const *outputs, void *workspace,
                                    CUstream stream, CUevent *events) {
  const cnnc_model_desc &d = *m.Desc;
  const cnnc_cuda_module &c = *d.cuda;
  const Driver &drv = *m.Cuda->Dev->Drv;
  auto base = [&](const cnnc_buffer_ref &r) -> char * {
    switch (r.kind) {
    case CNNC_BUFFER_INPUT:
      return static_cast<char *>(const_cast<void *>(inputs[r.index]));
    case CNNC_BUFFER_OUTPUT:
      return static_cast<char *>(outputs[r.index]);
    case CNNC_BUFFER_WORKSPACE:
      return static_cast<char *>(workspace);
    default:
      return reinterpret_cast<char *>(uintptr_t(m.Cuda->Weights));
    }
  };
  for (int32_t i = 0; i < c.num_launches; ++i) {
    const cnnc_cuda_launch &l = c.launches[i];
    KernelArgs args = {};
    for (int32_t a = 0; a < l.num_args; ++a)
      args.p[a] = base(l.args[a]) + l.args[a].offset;
    void *params[1] = {&args};
    // Messages are built on failure only: this is the hot path.
    if (events)
      if (CUresult r = drv.EventRecord(events[i], stream))
        return check(drv, r, "cuEventRecord", cat("model '", d.name, "'"));
    CUresult r =
        drv.LaunchKernel(m.Cuda->Functions[size_t(l.kernel)], l.grid[0],
                         l.grid[1], l.grid[2], l.block[0], l.block[1],
                         l.block[2], l.shared_bytes, stream, params, nullptr);
    if (r != CUDA_SUCCESS)
      return check(drv, r, "cuLaunchKernel",
                   cat("model '", d.name, "': launch ", i, " (",
                       c.kernel_names[l.kernel], ")"));
  }
  if (events)
    return check(drv, drv.EventRecord(events[c.num_launches], stream),
                 "cuEventRecord", cat("model '", d.name, "'"));
  return CNNRT_OK;
}

cnnrt_status cnnrt::runCudaFromHost(const cnnrt_model &m,
                                    const void *const *inputs,
                                    void *const *outputs, void *workspace,
                                    uint64_t workspaceBytes,
                                    double *profileSeconds) {
  const cnnc_model_desc &d = *m.Desc;
  const Device &dev = *m.Cuda->Dev;
  uint64_t need = m.Cuda->Layout.Total;
  if (need > 0 && (!workspace || workspaceBytes < need ||
                   uintptr_t(workspace) % DeviceAlign != 0))
    return fail(CNNRT_ERR_WORKSPACE,
                cat("model '", d.name,
                    "' is a CUDA model: it needs a device "
                    "workspace of ",
                    need, " bytes (cnnrt_workspace_bytes), ", DeviceAlign,
                    "-byte aligned, from cnnrt_workspace_alloc; given ",
                    workspace ? cat(workspaceBytes, " bytes at ",
                                    hex64(uintptr_t(workspace)))
                              : std::string("null")));
  ContextScope scope(dev);
  if (cnnrt_status s = scope.status())
    return s;
  if (cnnrt_status s = checkDevicePointer(
          m, workspace, need, CNNRT_ERR_WORKSPACE, CNNRT_ERR_WORKSPACE,
          "the workspace (allocate a CUDA model's with "
          "cnnrt_workspace_alloc)"))
    return s;
  char *base = static_cast<char *>(workspace);
  std::vector<const void *> ins;
  std::vector<void *> outs;
  for (uint64_t at : m.Cuda->Layout.Inputs)
    ins.push_back(base + at);
  for (uint64_t at : m.Cuda->Layout.Outputs)
    outs.push_back(base + at);
  CUstream stream = perThreadStream();
  bool profile = profileSeconds && d.num_profile_entries > 0;
  Events events(*dev.Drv);
  std::string what = cat("model '", d.name, "'");
  if (profile)
    if (cnnrt_status s = events.create(size_t(d.cuda->num_launches) + 1, what))
      return s;
  if (cnnrt_status s = stage(m, true, inputs, base, stream))
    return s;
  if (cnnrt_status s = enqueueLaunches(m, ins.data(), outs.data(), base, stream,
                                       profile ? events.data() : nullptr))
    return s;
  if (cnnrt_status s = stage(m, false, outputs, base, stream))
    return s;
  if (cnnrt_status s = check(*dev.Drv, dev.Drv->StreamSynchronize(stream),
                             "cuStreamSynchronize", what))
    return s;
  for (int32_t i = 0; profile && i < d.cuda->num_launches; ++i) {
    double sec = 0;
    if (cnnrt_status s = events.seconds(size_t(i), sec, what))
      return s;
    profileSeconds[i] += sec;
  }
  return CNNRT_OK;
}

cnnrt_status cnnrt_run_device(const cnnrt_model *model,
                              const void *const *inputs, int32_t num_inputs,
                              void *const *outputs, int32_t num_outputs,
                              void *workspace, void *stream) {
  if (!requireCuda(model, "cnnrt_run_device"))
    return model ? CNNRT_ERR_WRONG_DEVICE : CNNRT_ERR_INVALID_ARGUMENT;
  return guarded([&] {
    ContextScope scope(*model->Cuda->Dev);
    if (cnnrt_status s = scope.status())
      return s;
    if (cnnrt_status s = checkDeviceRun(*model, inputs, num_inputs, outputs,
                                        num_outputs, workspace))
      return s;
    return enqueueLaunches(*model, inputs, outputs, workspace,
                           static_cast<CUstream>(stream), nullptr);
  });
}

cnnrt_status cnnrt_time_device_runs(const cnnrt_model *model,
                                    const void *const *inputs,
                                    int32_t num_inputs, void *const *outputs,
                                    int32_t num_outputs, void *workspace,
                                    void *stream, int32_t runs,
                                    double *seconds) {
  if (!requireCuda(model, "cnnrt_time_device_runs"))
    return model ? CNNRT_ERR_WRONG_DEVICE : CNNRT_ERR_INVALID_ARGUMENT;
  if (runs <= 0 || !seconds)
    return fail(CNNRT_ERR_INVALID_ARGUMENT,
                cat("cnnrt_time_device_runs: ",
                    seconds ? cat("runs must be positive, given ", runs)
                            : std::string("null seconds array")));
  return guarded([&] {
    const Device &dev = *model->Cuda->Dev;
    ContextScope scope(dev);
    if (cnnrt_status s = scope.status())
      return s;
    if (cnnrt_status s = checkDeviceRun(*model, inputs, num_inputs, outputs,
                                        num_outputs, workspace))
      return s;
    CUstream st = static_cast<CUstream>(stream);
    std::string what = cat("model '", model->Desc->name, "'");
    // Events in chunks, so a long benchmark needs few of them: run j of a
    // chunk lies between events j and j + 1.
    constexpr int32_t Chunk = 64;
    Events events(*dev.Drv);
    if (cnnrt_status s = events.create(size_t(Chunk) + 1, what))
      return s;
    for (int32_t done = 0; done < runs;) {
      int32_t n = std::min(Chunk, runs - done);
      if (cnnrt_status s =
              check(*dev.Drv, dev.Drv->EventRecord(events.data()[0], st),
                    "cuEventRecord", what))
        return s;
      for (int32_t j = 0; j < n; ++j) {
        if (cnnrt_status s = enqueueLaunches(*model, inputs, outputs, workspace,
                                             st, nullptr))
          return s;
        if (cnnrt_status s =
                check(*dev.Drv, dev.Drv->EventRecord(events.data()[j + 1], st),
                      "cuEventRecord", what))
          return s;
      }
      if (cnnrt_status s =
              check(*dev.Drv, dev.Drv->EventSynchronize(events.data()[n]),
                    "cuEventSynchronize", what))
        return s;
      for (int32_t j = 0; j < n; ++j)
        if (cnnrt_status s = events.seconds(size_t(j), seconds[done + j], what))
          return s;
      done += n;
    }
    return CNNRT_OK;
  });
}
