//===- Session.h - What cnnrun holds from libcnnrt --------------*- C++ -*-===//
//
// The loaded model, its pool and workspace, the host copies of the inputs
// and room for the outputs, and for a CUDA model its device buffers and
// stream. Everything is freed when the session ends, whatever path cnnrun
// leaves by. Device.cpp runs and benchmarks a CUDA model in a session.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_TOOLS_CNNRUN_SESSION_H
#define CNNC_TOOLS_CNNRUN_SESSION_H

#include "cnnc/runtime.h"
#include "ir/Diagnostics.h"

#include <new>
#include <string>
#include <vector>

namespace cnnc {

struct Session {
  cnnrt_model *Model = nullptr;
  cnnrt_pool *Pool = nullptr;
  /// Host memory for a CPU model; device memory (from
  /// cnnrt_workspace_alloc) for a CUDA model.
  void *Workspace = nullptr;
  /// 64-byte aligned host copies of the inputs and room for the outputs.
  std::vector<void *> Buffers;
  std::vector<cnnrt_input> Ins;
  std::vector<cnnrt_output> Outs;
  /// A CUDA model's inputs and outputs on the GPU, and its stream.
  bool Cuda = false;
  std::vector<const void *> DevIns;
  std::vector<void *> DevOuts;
  void *Stream = nullptr;

  Session() = default;
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;
  ~Session() {
    for (const void *p : DevIns)
      cnnrt_device_free(Model, const_cast<void *>(p));
    for (void *p : DevOuts)
      cnnrt_device_free(Model, p);
    if (Stream)
      cnnrt_stream_destroy(Model, Stream);
    for (void *b : Buffers)
      cnnrt_workspace_free(b);
    cnnrt_workspace_free(Workspace);
    cnnrt_pool_destroy(Pool);
    cnnrt_unload(Model);
  }
  void *alloc(uint64_t bytes) {
    void *p = cnnrt_aligned_alloc(bytes);
    if (!p)
      throw std::bad_alloc();
    Buffers.push_back(p);
    return p;
  }
};

/// Reports the runtime's last error when `s` is a failure.
inline bool ok(cnnrt_status s, DiagEngine &diag) {
  if (s == CNNRT_OK)
    return true;
  diag.error(SourceLoc{}, "{}", cnnrt_last_error());
  return false;
}

/// "GPU 0 (NVIDIA H100 80GB HBM3, sm_90)": where a CUDA model runs.
std::string deviceText(const cnnrt_model *m);

/// A CUDA model: device buffers for the inputs (copied from s.Ins) and the
/// outputs, and a stream. Returns false after reporting.
bool prepareDevice(Session &s, DiagEngine &diag);

/// One run of a CUDA model on the device buffers, waited for, with the
/// outputs copied back into s.Outs.
cnnrt_status runOnDevice(Session &s);

/// --bench for a CUDA model: one warm-up run, then `runs` runs timed with
/// CUDA events (kernels only, no copies); appends the same line as the CPU
/// benchmark (min, median, p90, GFLOP/s) to `report`.
bool benchDevice(Session &s, int64_t runs, DiagEngine &diag,
                 std::string &report);

} // namespace cnnc

#endif
