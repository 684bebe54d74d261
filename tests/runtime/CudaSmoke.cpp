//===- CudaSmoke.cpp - Run a compiled CUDA model both ways and compare ----===//
//
// cnnrt-cuda-smoke MODEL.so [RUNS]
//
// Loads a model compiled with `cnnc --target=cuda`, runs it on seeded
// inputs with cnnrt_run (host buffers, staged through the device
// workspace) and with cnnrt_run_device (device buffers on a stream), and
// checks that the two give bit-identical, finite outputs; then times RUNS
// (default 10) device runs with CUDA events. Exits 0 on success, 1 on a
// failure, and 77 (ctest's SKIP_RETURN_CODE) with "no CUDA driver/GPU:
// skipped" where the model cannot be loaded for lack of a driver or GPU.
//
//===----------------------------------------------------------------------===//
#include "cnnc/runtime.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

/// Frees everything the smoke test allocated, whatever path it leaves by.
struct Session {
  cnnrt_model *Model = nullptr;
  void *Workspace = nullptr;
  void *Stream = nullptr;
  std::vector<void *> Device;
  ~Session() {
    for (void *p : Device)
      cnnrt_device_free(Model, p);
    cnnrt_workspace_free(Workspace);
    if (Stream)
      cnnrt_stream_destroy(Model, Stream);
    cnnrt_unload(Model);
  }
};

int failed(const char *what) {
  std::fprintf(stderr, "cuda-smoke: %s failed: %s\n", what, cnnrt_last_error());
  return 1;
}

/// Seeded values in [-1, 1).
std::vector<float> inputData(int64_t bytes, uint32_t seed) {
  std::vector<float> v(size_t(bytes / 4));
  uint32_t s = seed * 2654435761u + 1;
  for (float &x : v) {
    s = s * 1664525u + 1013904223u;
    x = float(s >> 8) / float(1 << 23) - 1.0f;
  }
  return v;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: cnnrt-cuda-smoke MODEL.so [RUNS]\n");
    return 2;
  }
  int runs = argc == 3 ? std::atoi(argv[2]) : 10;
  if (runs <= 0) {
    std::fprintf(stderr, "cuda-smoke: RUNS must be positive\n");
    return 2;
  }
  Session s;
  cnnrt_status st = cnnrt_load(argv[1], &s.Model);
  if (st == CNNRT_ERR_NO_DEVICE) {
    std::printf("cuda-smoke: no CUDA driver/GPU: skipped (%s)\n",
                cnnrt_last_error());
    return 77;
  }
  if (st != CNNRT_OK)
    return failed("cnnrt_load");
  if (std::strcmp(cnnrt_model_device(s.Model), "cuda") != 0) {
    std::fprintf(stderr, "cuda-smoke: '%s' is not a CUDA model\n", argv[1]);
    return 1;
  }
  std::printf("cuda-smoke: model '%s' on %s (%s)\n", cnnrt_model_name(s.Model),
              cnnrt_device_name(s.Model), cnnrt_device_image(s.Model));
  const cnnc_model_desc &d = *cnnrt_model_desc(s.Model);
  std::vector<std::vector<float>> in, hostOut, devOut;
  std::vector<cnnrt_input> ins;
  std::vector<cnnrt_output> outs;
  for (int32_t i = 0; i < d.num_inputs; ++i) {
    in.push_back(inputData(d.inputs[i].bytes, uint32_t(i)));
    ins.push_back({in.back().data(), uint64_t(d.inputs[i].bytes)});
  }
  for (int32_t i = 0; i < d.num_outputs; ++i) {
    hostOut.emplace_back(size_t(d.outputs[i].bytes / 4), NAN);
    devOut.emplace_back(size_t(d.outputs[i].bytes / 4), NAN);
  }
  for (int32_t i = 0; i < d.num_outputs; ++i)
    outs.push_back({hostOut[size_t(i)].data(), uint64_t(d.outputs[i].bytes)});
  if (cnnrt_workspace_alloc(s.Model, &s.Workspace) != CNNRT_OK)
    return failed("cnnrt_workspace_alloc");
  if (cnnrt_run(s.Model, ins.data(), d.num_inputs, outs.data(), d.num_outputs,
                s.Workspace, cnnrt_workspace_bytes(s.Model),
                nullptr) != CNNRT_OK)
    return failed("cnnrt_run");

  // The same on device buffers.
  std::vector<const void *> dIn;
  std::vector<void *> dOut;
  for (int32_t k = 0; k < d.num_inputs + d.num_outputs; ++k) {
    bool isIn = k < d.num_inputs;
    int32_t i = isIn ? k : k - d.num_inputs;
    uint64_t bytes = uint64_t(isIn ? d.inputs[i].bytes : d.outputs[i].bytes);
    void *p = nullptr;
    if (cnnrt_device_alloc(s.Model, bytes, &p) != CNNRT_OK)
      return failed("cnnrt_device_alloc");
    s.Device.push_back(p);
    if (isIn) {
      if (cnnrt_copy_to_device(s.Model, p, in[size_t(i)].data(), bytes) !=
          CNNRT_OK)
        return failed("cnnrt_copy_to_device");
      dIn.push_back(p);
    } else {
      dOut.push_back(p);
    }
  }
  if (cnnrt_stream_create(s.Model, &s.Stream) != CNNRT_OK)
    return failed("cnnrt_stream_create");
  if (cnnrt_run_device(s.Model, dIn.data(), d.num_inputs, dOut.data(),
                       d.num_outputs, s.Workspace, s.Stream) != CNNRT_OK)
    return failed("cnnrt_run_device");
  if (cnnrt_stream_synchronize(s.Model, s.Stream) != CNNRT_OK)
    return failed("cnnrt_stream_synchronize");
  bool ok = true;
  for (int32_t i = 0; i < d.num_outputs; ++i) {
    std::vector<float> &a = hostOut[size_t(i)], &b = devOut[size_t(i)];
    if (cnnrt_copy_from_device(s.Model, b.data(), dOut[size_t(i)],
                               uint64_t(d.outputs[i].bytes)) != CNNRT_OK)
      return failed("cnnrt_copy_from_device");
    size_t nonFinite = 0, differ = 0;
    for (size_t j = 0; j < a.size(); ++j) {
      nonFinite += std::isfinite(a[j]) ? 0 : 1;
      differ += std::memcmp(&a[j], &b[j], 4) != 0 ? 1 : 0;
    }
    std::printf("cuda-smoke: output %d '%s': %zu values, %zu non-finite, "
                "%zu differ between cnnrt_run and cnnrt_run_device\n",
                i, d.outputs[i].name, a.size(), nonFinite, differ);
    ok = ok && nonFinite == 0 && differ == 0;
  }
  std::vector<double> seconds(static_cast<size_t>(runs));
  if (cnnrt_time_device_runs(s.Model, dIn.data(), d.num_inputs, dOut.data(),
                             d.num_outputs, s.Workspace, s.Stream, runs,
                             seconds.data()) != CNNRT_OK)
    return failed("cnnrt_time_device_runs");
  std::sort(seconds.begin(), seconds.end());
  std::printf("cuda-smoke: %d device runs: min %.3f ms, median %.3f ms\n", runs,
              seconds.front() * 1e3, seconds[seconds.size() / 2] * 1e3);
  std::printf("cuda-smoke: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
