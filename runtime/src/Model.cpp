//===- Model.cpp - Errors, introspection, workspaces and runs ---*- C++ -*-===//
//
// The small part of the C API around a loaded model: the per-thread error
// message, the descriptor's fields, aligned workspaces, and cnnrt_run,
// which checks every buffer before handing them to the model (or, for a
// CUDA model, to CudaRun.cpp).
//
//===----------------------------------------------------------------------===//
#include "Internal.h"
#include "RunChecks.h"
#include "cnnc/hash.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

using namespace cnnrt;

//===--- Errors -----------------------------------------------------------===//

namespace {
thread_local std::string LastError;
thread_local bool LastErrorIsOom = false;
} // namespace

cnnrt_status cnnrt::fail(cnnrt_status status, std::string message) noexcept {
  LastError.swap(message);
  LastErrorIsOom = false;
  return status;
}

cnnrt_status cnnrt::fail(cnnrt_status status, const char *message) noexcept {
  try {
    LastError = message;
    LastErrorIsOom = false;
  } catch (...) {
    LastErrorIsOom = true;
  }
  return status;
}

std::string cnnrt::hex64(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx",
                static_cast<unsigned long long>(v));
  return buf;
}

const char *cnnrt_last_error(void) {
  return LastErrorIsOom ? "out of memory" : LastError.c_str();
}

const char *cnnrt_status_name(cnnrt_status status) {
  switch (status) {
  case CNNRT_OK:
    return "ok";
  case CNNRT_ERR_INVALID_ARGUMENT:
    return "invalid-argument";
  case CNNRT_ERR_FILE_NOT_FOUND:
    return "file-not-found";
  case CNNRT_ERR_NOT_SHARED_OBJECT:
    return "not-shared-object";
  case CNNRT_ERR_DLOPEN_FAILED:
    return "dlopen-failed";
  case CNNRT_ERR_NO_ENTRY:
    return "no-entry";
  case CNNRT_ERR_BAD_MAGIC:
    return "bad-magic";
  case CNNRT_ERR_ABI_VERSION:
    return "abi-version";
  case CNNRT_ERR_BAD_DESCRIPTOR:
    return "bad-descriptor";
  case CNNRT_ERR_CPU_FEATURES:
    return "cpu-features";
  case CNNRT_ERR_WEIGHTS_MISSING:
    return "weights-missing";
  case CNNRT_ERR_WEIGHTS_SIZE:
    return "weights-size";
  case CNNRT_ERR_WEIGHTS_HASH:
    return "weights-hash";
  case CNNRT_ERR_TENSOR_COUNT:
    return "tensor-count";
  case CNNRT_ERR_TENSOR_SIZE:
    return "tensor-size";
  case CNNRT_ERR_NULL_BUFFER:
    return "null-buffer";
  case CNNRT_ERR_WORKSPACE:
    return "workspace";
  case CNNRT_ERR_RUN_FAILED:
    return "run-failed";
  case CNNRT_ERR_OUT_OF_MEMORY:
    return "out-of-memory";
  case CNNRT_ERR_THREADS:
    return "threads";
  case CNNRT_ERR_INDEX:
    return "index";
  case CNNRT_ERR_NO_DEVICE:
    return "no-device";
  case CNNRT_ERR_DEVICE:
    return "device";
  case CNNRT_ERR_WRONG_DEVICE:
    return "wrong-device";
  }
  return "unknown";
}

//===--- Introspection ----------------------------------------------------===//

namespace {

/// The descriptor of `m`, or null after setting the error.
const cnnc_model_desc *descOf(const cnnrt_model *m, const char *fn) {
  if (m)
    return m->Desc;
  fail(CNNRT_ERR_INVALID_ARGUMENT, cat(fn, ": null model"));
  return nullptr;
}

const cnnc_tensor_desc *tensorAt(const cnnrt_model *m, int32_t index,
                                 bool input, const char *fn) {
  const cnnc_model_desc *d = descOf(m, fn);
  if (!d)
    return nullptr;
  int32_t count = input ? d->num_inputs : d->num_outputs;
  if (index < 0 || index >= count) {
    fail(CNNRT_ERR_INDEX,
         cat(fn, ": ", input ? "input" : "output", " index ", index,
             " is out of range: model '", d->name, "' has ", count));
    return nullptr;
  }
  return input ? &d->inputs[index] : &d->outputs[index];
}

int32_t findTensor(const cnnc_tensor_desc *ts, int32_t count,
                   const char *name) {
  if (!name)
    return -1;
  for (int32_t i = 0; i < count; ++i)
    if (std::strcmp(ts[i].name, name) == 0)
      return i;
  return -1;
}

} // namespace

const cnnc_model_desc *cnnrt_model_desc(const cnnrt_model *model) {
  return descOf(model, "cnnrt_model_desc");
}

const char *cnnrt_model_name(const cnnrt_model *model) {
  const cnnc_model_desc *d = descOf(model, "cnnrt_model_name");
  return d ? d->name : nullptr;
}

const char *cnnrt_model_target_cpu(const cnnrt_model *model) {
  const cnnc_model_desc *d = descOf(model, "cnnrt_model_target_cpu");
  return d ? (d->target_cpu ? d->target_cpu : "") : nullptr;
}

const char *cnnrt_model_cpu_features(const cnnrt_model *model) {
  const cnnc_model_desc *d = descOf(model, "cnnrt_model_cpu_features");
  return d ? (d->cpu_features ? d->cpu_features : "") : nullptr;
}

int32_t cnnrt_num_inputs(const cnnrt_model *model) {
  const cnnc_model_desc *d = descOf(model, "cnnrt_num_inputs");
  return d ? d->num_inputs : -1;
}

int32_t cnnrt_num_outputs(const cnnrt_model *model) {
  const cnnc_model_desc *d = descOf(model, "cnnrt_num_outputs");
  return d ? d->num_outputs : -1;
}

const cnnc_tensor_desc *cnnrt_input_desc(const cnnrt_model *model,
                                         int32_t index) {
  return tensorAt(model, index, true, "cnnrt_input_desc");
}

const cnnc_tensor_desc *cnnrt_output_desc(const cnnrt_model *model,
                                          int32_t index) {
  return tensorAt(model, index, false, "cnnrt_output_desc");
}

int32_t cnnrt_find_input(const cnnrt_model *model, const char *name) {
  const cnnc_model_desc *d = descOf(model, "cnnrt_find_input");
  return d ? findTensor(d->inputs, d->num_inputs, name) : -1;
}

int32_t cnnrt_find_output(const cnnrt_model *model, const char *name) {
  const cnnc_model_desc *d = descOf(model, "cnnrt_find_output");
  return d ? findTensor(d->outputs, d->num_outputs, name) : -1;
}

uint64_t cnnrt_workspace_bytes(const cnnrt_model *model) {
  const cnnc_model_desc *d = descOf(model, "cnnrt_workspace_bytes");
  if (d && model->isCuda())
    return cudaWorkspaceBytes(*model);
  return d ? d->workspace_bytes : 0;
}

uint64_t cnnrt_model_flops(const cnnrt_model *model) {
  const cnnc_model_desc *d = descOf(model, "cnnrt_model_flops");
  return d ? d->flops : 0;
}

uint64_t cnnrt_weights_hash(const void *data, uint64_t bytes) {
  return cnnc_weights_hash(data, data ? bytes : 0);
}

//===--- Workspace --------------------------------------------------------===//

void *cnnrt_aligned_alloc(uint64_t bytes) {
  constexpr uint64_t Align = CNNC_WORKSPACE_ALIGN;
  if (bytes > UINT64_MAX - Align)
    return nullptr;
  uint64_t rounded = bytes == 0 ? Align : (bytes + Align - 1) / Align * Align;
  return std::aligned_alloc(Align, size_t(rounded));
}

void cnnrt_workspace_free(void *workspace) {
  // Device memory is looked up in the registry of device allocations (no
  // driver call for a host pointer).
  if (!freeDeviceAllocation(workspace))
    std::free(workspace);
}

cnnrt_status cnnrt_workspace_alloc(const cnnrt_model *model, void **workspace) {
  if (workspace)
    *workspace = nullptr;
  if (!model || !workspace)
    return fail(CNNRT_ERR_INVALID_ARGUMENT,
                cat("cnnrt_workspace_alloc: null ",
                    model ? "workspace pointer" : "model"));
  if (model->isCuda())
    return guarded([&] { return cudaWorkspaceAlloc(*model, workspace); });
  uint64_t bytes = model->Desc->workspace_bytes;
  *workspace = cnnrt_aligned_alloc(bytes);
  if (!*workspace)
    return fail(CNNRT_ERR_OUT_OF_MEMORY,
                cat("cannot allocate a workspace of ", bytes,
                    " bytes for model '", model->Desc->name, "'"));
  return CNNRT_OK;
}

//===--- Running ----------------------------------------------------------===//

cnnrt_status cnnrt::checkCounts(const cnnc_model_desc &d, const void *inputs,
                                int32_t numInputs, const void *outputs,
                                int32_t numOutputs, const char *api) {
  if (numInputs != d.num_inputs || numOutputs != d.num_outputs)
    return fail(CNNRT_ERR_TENSOR_COUNT,
                cat("model '", d.name, "' has ", d.num_inputs, " input",
                    d.num_inputs == 1 ? "" : "s", " and ", d.num_outputs,
                    " output", d.num_outputs == 1 ? "" : "s", ", given ",
                    numInputs, " and ", numOutputs));
  if ((numInputs > 0 && !inputs) || (numOutputs > 0 && !outputs))
    return fail(CNNRT_ERR_INVALID_ARGUMENT,
                cat(api, ": null ", inputs ? "outputs" : "inputs",
                    " array for model '", d.name, "'"));
  return CNNRT_OK;
}

namespace {

/// Checks one input or output buffer against its descriptor.
cnnrt_status checkBuffer(const cnnc_model_desc &d, bool input, int32_t i,
                         const void *data, uint64_t bytes) {
  const cnnc_tensor_desc &t = input ? d.inputs[i] : d.outputs[i];
  const char *kind = input ? "input" : "output";
  if (!data)
    return fail(CNNRT_ERR_NULL_BUFFER,
                cat("model '", d.name, "': ", kind, " ", i, " '", t.name,
                    "' has a null data pointer"));
  if (bytes != uint64_t(t.bytes))
    return fail(CNNRT_ERR_TENSOR_SIZE,
                cat("model '", d.name, "': ", kind, " ", i, " '", t.name,
                    "' expects ", t.bytes, " bytes, given ", bytes));
  return CNNRT_OK;
}

cnnrt_status checkWorkspace(const cnnc_model_desc &d, const void *ws,
                            uint64_t bytes) {
  if (d.workspace_bytes == 0)
    return CNNRT_OK;
  if (!ws)
    return fail(CNNRT_ERR_WORKSPACE,
                cat("model '", d.name, "' needs a workspace of ",
                    d.workspace_bytes, " bytes, given a null pointer"));
  if (bytes < d.workspace_bytes)
    return fail(CNNRT_ERR_WORKSPACE,
                cat("model '", d.name, "' needs a workspace of ",
                    d.workspace_bytes, " bytes, given ", bytes));
  uintptr_t addr = reinterpret_cast<uintptr_t>(ws);
  if (addr % CNNC_WORKSPACE_ALIGN != 0)
    return fail(CNNRT_ERR_WORKSPACE,
                cat("model '", d.name, "': the workspace must be ",
                    CNNC_WORKSPACE_ALIGN, "-byte aligned, its address ",
                    hex64(addr), " is off by ",
                    uint64_t(addr % CNNC_WORKSPACE_ALIGN)));
  return CNNRT_OK;
}

/// The parallel_for of a run without a pool.
void serialFor(void *, int64_t n, cnnc_task_fn fn, void *arg) {
  if (n > 0)
    fn(arg, 0, n);
}

/// Pointer arrays on the stack for common sizes, on the heap beyond.
template <typename T> struct PtrArray {
  static constexpr int32_t Inline = 16;
  T Small[Inline];
  std::unique_ptr<T[]> Big;
  T *get(int32_t n) {
    if (n <= Inline)
      return Small;
    Big.reset(new T[size_t(n)]);
    return Big.get();
  }
};

} // namespace

cnnrt_status cnnrt_run(const cnnrt_model *model, const cnnrt_input *inputs,
                       int32_t num_inputs, const cnnrt_output *outputs,
                       int32_t num_outputs, void *workspace,
                       uint64_t workspace_bytes, cnnrt_pool *pool) {
  return cnnrt_run_profiled(model, inputs, num_inputs, outputs, num_outputs,
                            workspace, workspace_bytes, pool, nullptr);
}

cnnrt_status cnnrt_run_profiled(const cnnrt_model *model,
                                const cnnrt_input *inputs, int32_t num_inputs,
                                const cnnrt_output *outputs,
                                int32_t num_outputs, void *workspace,
                                uint64_t workspace_bytes, cnnrt_pool *pool,
                                double *profile_seconds) {
  if (!model)
    return fail(CNNRT_ERR_INVALID_ARGUMENT, "cnnrt_run: null model");
  return guarded([&] {
    const cnnc_model_desc &d = *model->Desc;
    if (cnnrt_status s = checkCounts(d, inputs, num_inputs, outputs,
                                     num_outputs, "cnnrt_run"))
      return s;
    for (int32_t i = 0; i < num_inputs; ++i)
      if (cnnrt_status s =
              checkBuffer(d, true, i, inputs[i].data, inputs[i].bytes))
        return s;
    for (int32_t i = 0; i < num_outputs; ++i)
      if (cnnrt_status s =
              checkBuffer(d, false, i, outputs[i].data, outputs[i].bytes))
        return s;
    if (!model->isCuda())
      if (cnnrt_status s = checkWorkspace(d, workspace, workspace_bytes))
        return s;
    PtrArray<const void *> ins;
    PtrArray<void *> outs;
    const void **in = ins.get(num_inputs);
    void **out = outs.get(num_outputs);
    for (int32_t i = 0; i < num_inputs; ++i)
      in[i] = inputs[i].data;
    for (int32_t i = 0; i < num_outputs; ++i)
      out[i] = outputs[i].data;
    if (model->isCuda())
      return runCudaFromHost(*model, in, out, workspace, workspace_bytes,
                             profile_seconds);
    cnnc_exec_ctx ctx = {};
    ctx.parallel_for = pool ? cnnrt_parallel_for : serialFor;
    ctx.pool = pool;
    ctx.num_threads = cnnrt_pool_threads(pool);
    ctx.weights = model->Weights;
    ctx.profile_seconds = profile_seconds;
    int32_t rc = d.run(in, out, workspace, &ctx);
    if (rc == CNNC_RUN_OK)
      return CNNRT_OK;
    if (rc == CNNC_RUN_NO_WEIGHTS)
      return fail(CNNRT_ERR_RUN_FAILED, cat("model '", d.name,
                                            "' reported that its external "
                                            "weights are missing"));
    return fail(CNNRT_ERR_RUN_FAILED,
                cat("model '", d.name, "' failed with status ", rc));
  });
}
