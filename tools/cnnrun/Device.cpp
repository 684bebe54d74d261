//===- Device.cpp - cnnrun on a CUDA model
//---------------------------------===//
//
// A model compiled with `cnnc --target=cuda` runs on device buffers:
// cnnrun copies its inputs to the GPU once, runs with cnnrt_run_device on
// its own stream and copies the outputs back, and benchmarks with
// cnnrt_time_device_runs (CUDA events around each run). The reports have
// the CPU path's form, so scripts read both alike.
//
//===----------------------------------------------------------------------===//
#include "tools/cnnrun/Session.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>

namespace cnnc {

std::string deviceText(const cnnrt_model *m) {
  return fmt::format("GPU 0 ({}, {})", cnnrt_device_name(m),
                     cnnrt_device_image(m));
}

bool prepareDevice(Session &s, DiagEngine &diag) {
  for (const cnnrt_input &in : s.Ins) {
    void *p = nullptr;
    if (!ok(cnnrt_device_alloc(s.Model, in.bytes, &p), diag))
      return false;
    s.DevIns.push_back(p);
    if (!ok(cnnrt_copy_to_device(s.Model, p, in.data, in.bytes), diag))
      return false;
  }
  for (const cnnrt_output &out : s.Outs) {
    void *p = nullptr;
    if (!ok(cnnrt_device_alloc(s.Model, out.bytes, &p), diag))
      return false;
    s.DevOuts.push_back(p);
  }
  return ok(cnnrt_stream_create(s.Model, &s.Stream), diag);
}

cnnrt_status runOnDevice(Session &s) {
  if (cnnrt_status st = cnnrt_run_device(
          s.Model, s.DevIns.data(), int32_t(s.DevIns.size()), s.DevOuts.data(),
          int32_t(s.DevOuts.size()), s.Workspace, s.Stream))
    return st;
  if (cnnrt_status st = cnnrt_stream_synchronize(s.Model, s.Stream))
    return st;
  for (size_t i = 0; i < s.Outs.size(); ++i)
    if (cnnrt_status st = cnnrt_copy_from_device(s.Model, s.Outs[i].data,
                                                 s.DevOuts[i], s.Outs[i].bytes))
      return st;
  return CNNRT_OK;
}

bool benchDevice(Session &s, int64_t runs, DiagEngine &diag,
                 std::string &report) {
  if (!ok(runOnDevice(s), diag))
    return false;
  std::vector<double> seconds(static_cast<size_t>(runs));
  for (int64_t done = 0; done < runs;) {
    int32_t n = int32_t(std::min<int64_t>(runs - done, INT32_MAX));
    if (!ok(cnnrt_time_device_runs(s.Model, s.DevIns.data(),
                                   int32_t(s.DevIns.size()), s.DevOuts.data(),
                                   int32_t(s.DevOuts.size()), s.Workspace,
                                   s.Stream, n, seconds.data() + done),
            diag))
      return false;
    done += n;
  }
  std::sort(seconds.begin(), seconds.end());
  size_t n = seconds.size();
  double p90 = seconds[std::min(n - 1, (n * 9 + 9) / 10 - 1)];
  double gflops = double(cnnrt_model_flops(s.Model)) / seconds.front() * 1e-9;
  report += fmt::format("# bench: {} run{} on {}: min {:.3f} ms, median "
                        "{:.3f} ms, p90 {:.3f} ms, {:.2f} GFLOP/s (CUDA "
                        "events)\n",
                        n, n == 1 ? "" : "s", deviceText(s.Model),
                        seconds.front() * 1e3, seconds[n / 2] * 1e3, p90 * 1e3,
                        gflops);
  return true;
}

} // namespace cnnc
