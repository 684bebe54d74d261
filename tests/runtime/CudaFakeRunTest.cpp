//===- CudaFakeRunTest.cpp - The CUDA path through the fake driver --------===//
//
// FakeCudaDriver.c implements the driver on the host, so these tests run
// the runtime's whole CUDA path on any machine: picking the image for a
// compute capability, uploading embedded and external weights, cnnrt_run
// with staging, cnnrt_run_profiled, cnnrt_run_device on a stream, timing
// with events, device memory and its registry, and the checks of device
// pointers. Each test ends with every driver object released.
//
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

#include <dlfcn.h>

using namespace cnnrt_test;

extern "C" const cnnc_model_desc *fakecuda_cnnc_model(void);

namespace {

/// Points the runtime at the fake driver and reads its counters.
struct Fake {
  std::string Path = fakePath("fake_libcuda");
  void *Lib = dlopen(Path.c_str(), RTLD_NOW | RTLD_LOCAL);
  ScopedEnv Env{"CNNRT_CUDA_DRIVER", Path.c_str()};

  ~Fake() {
    CHECK(live() == 0);
    CHECK(depth() == 0);
    dlclose(Lib);
  }
  long live() const {
    return reinterpret_cast<long (*)()>(dlsym(Lib, "fake_cuda_live"))();
  }
  int depth() const {
    return reinterpret_cast<int (*)()>(dlsym(Lib, "fake_cuda_ctx_depth"))();
  }
};

std::vector<float> expected(const std::vector<float> &x) {
  std::vector<float> w = fakeWeights(), y(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    y[i] = 2.0f * x[i] * 0.5f + 1.0f + w[i % 4];
  return y;
}

/// Loads the linked fake CUDA model.
void load(ModelHolder &h) {
  REQUIRE_MESSAGE(cnnrt_load_desc(fakecuda_cnnc_model(), nullptr, &h.M) ==
                      CNNRT_OK,
                  lastError());
}

/// cnnrt_run with host buffers and a device workspace.
cnnrt_status runHost(const cnnrt_model *m, const std::vector<float> &x,
                     std::vector<float> &y, void *ws, uint64_t wsBytes,
                     double *profile = nullptr) {
  cnnrt_input in = {x.data(), x.size() * 4};
  cnnrt_output out = {y.data(), y.size() * 4};
  return cnnrt_run_profiled(m, &in, 1, &out, 1, ws, wsBytes, nullptr, profile);
}

} // namespace

TEST_CASE("cuda fake: the image for each GPU") {
  Fake fake;
  struct {
    const char *Cc, *Image;
  } cases[] = {{"80", "sm_80"}, {"90", "sm_90"}, {"100", "compute_90"}};
  for (auto &c : cases) {
    ScopedEnv cc("FAKE_CUDA_CC", c.Cc);
    ModelHolder h;
    load(h);
    CHECK(std::string(cnnrt_model_device(h.M)) == "cuda");
    CHECK(std::string(cnnrt_device_name(h.M)) == "Fake GPU");
    CHECK(std::string(cnnrt_device_image(h.M)) == c.Image);
  }
  ScopedEnv cc("FAKE_CUDA_CC", "86");
  cnnrt_model *m = nullptr;
  CHECK(cnnrt_load_desc(fakecuda_cnnc_model(), nullptr, &m) ==
        CNNRT_ERR_NO_DEVICE);
  CHECK(lastError() == "model 'fakecuda' has no code for GPU 0 (Fake GPU, "
                       "sm_86): it was compiled for sm_80, sm_90, compute_90 "
                       "(PTX); recompile it with --gpu-arch=sm_86");
}

TEST_CASE("cuda fake: cnnrt_run with host buffers, and profiling") {
  Fake fake;
  ModelHolder h;
  load(h);
  CHECK(cnnrt_workspace_bytes(h.M) == 3 * 4096);
  void *ws = nullptr;
  REQUIRE(cnnrt_workspace_alloc(h.M, &ws) == CNNRT_OK);
  CHECK(reinterpret_cast<uintptr_t>(ws) % 256 == 0);
  std::vector<float> x = fakeInput(), y(1024, 0.0f);
  REQUIRE_MESSAGE(runHost(h.M, x, y, ws, cnnrt_workspace_bytes(h.M)) ==
                      CNNRT_OK,
                  lastError());
  CHECK(y == expected(x));

  double seconds[2] = {0, 0};
  x = fakeInput(2.0f);
  REQUIRE(runHost(h.M, x, y, ws, cnnrt_workspace_bytes(h.M), seconds) ==
          CNNRT_OK);
  CHECK(y == expected(x));
  CHECK(seconds[0] >= 0);
  CHECK(seconds[1] >= 0);

  SUBCASE("a workspace too small, or on the host") {
    CHECK(runHost(h.M, x, y, ws, 4096) == CNNRT_ERR_WORKSPACE);
    CHECK(contains(lastError(), "model 'fakecuda' is a CUDA model: it needs "
                                "a device workspace of 12288 bytes"));
    void *host = std::aligned_alloc(256, 1 << 16);
    CHECK(runHost(h.M, x, y, host, 1 << 16) == CNNRT_ERR_WORKSPACE);
    CHECK(contains(lastError(), "model 'fakecuda': the workspace (allocate a "
                                "CUDA model's with cnnrt_workspace_alloc) at "
                                "0x"));
    CHECK(contains(lastError(), "is not device memory "
                                "(CUDA_ERROR_INVALID_VALUE)"));
    std::free(host);
  }
  SUBCASE("a failing launch") {
    ScopedEnv failing("FAKE_CUDA_LAUNCH_FAIL", "1");
    CHECK(runHost(h.M, x, y, ws, cnnrt_workspace_bytes(h.M)) ==
          CNNRT_ERR_DEVICE);
    CHECK(lastError() == "model 'fakecuda': launch 0 (fake_double): "
                         "cuLaunchKernel failed: CUDA_ERROR_LAUNCH_FAILED");
  }
  cnnrt_workspace_free(ws);
}

TEST_CASE("cuda fake: cnnrt_run_device, streams and timing") {
  Fake fake;
  ModelHolder h;
  load(h);
  void *dx = nullptr, *dy = nullptr, *ws = nullptr, *stream = nullptr;
  REQUIRE(cnnrt_device_alloc(h.M, 4096, &dx) == CNNRT_OK);
  REQUIRE(cnnrt_device_alloc(h.M, 4096, &dy) == CNNRT_OK);
  REQUIRE(cnnrt_device_alloc(h.M, 4096, &ws) == CNNRT_OK);
  REQUIRE(cnnrt_stream_create(h.M, &stream) == CNNRT_OK);
  std::vector<float> x = fakeInput(), y(1024, 0.0f);
  REQUIRE(cnnrt_copy_to_device(h.M, dx, x.data(), 4096) == CNNRT_OK);
  const void *in[1] = {dx};
  void *out[1] = {dy};
  REQUIRE_MESSAGE(cnnrt_run_device(h.M, in, 1, out, 1, ws, stream) == CNNRT_OK,
                  lastError());
  REQUIRE(cnnrt_stream_synchronize(h.M, stream) == CNNRT_OK);
  REQUIRE(cnnrt_copy_from_device(h.M, y.data(), dy, 4096) == CNNRT_OK);
  CHECK(y == expected(x));

  double seconds[70];
  REQUIRE(cnnrt_time_device_runs(h.M, in, 1, out, 1, ws, stream, 70, seconds) ==
          CNNRT_OK);
  for (double s : seconds)
    CHECK(s >= 0);
  CHECK(cnnrt_time_device_runs(h.M, in, 1, out, 1, ws, stream, 0, seconds) ==
        CNNRT_ERR_INVALID_ARGUMENT);

  // Host pointers, short buffers, counts.
  std::vector<float> host(1024);
  const void *hostIn[1] = {host.data()};
  CHECK(cnnrt_run_device(h.M, hostIn, 1, out, 1, ws, stream) ==
        CNNRT_ERR_INVALID_ARGUMENT);
  CHECK(contains(lastError(), "model 'fakecuda': input 0 'x' at 0x"));
  CHECK(contains(lastError(), " is not device memory"));
  const void *shortIn[1] = {static_cast<char *>(dx) + 256};
  CHECK(cnnrt_run_device(h.M, shortIn, 1, out, 1, ws, stream) ==
        CNNRT_ERR_TENSOR_SIZE);
  CHECK(contains(lastError(), "its device allocation ends 256 bytes before "
                              "that"));
  CHECK(cnnrt_run_device(h.M, in, 1, out, 1, nullptr, stream) ==
        CNNRT_ERR_WORKSPACE);
  CHECK(cnnrt_run_device(h.M, in, 0, out, 1, ws, stream) ==
        CNNRT_ERR_TENSOR_COUNT);
  const void *nullIn[1] = {nullptr};
  CHECK(cnnrt_run_device(h.M, nullIn, 1, out, 1, ws, stream) ==
        CNNRT_ERR_NULL_BUFFER);

  cnnrt_stream_destroy(h.M, stream);
  cnnrt_device_free(h.M, dx);
  cnnrt_workspace_free(dy); // either free works on device memory
  cnnrt_device_free(h.M, host.data());
  CHECK(contains(lastError(), "is not device memory from cnnrt_device_alloc"));
  cnnrt_device_free(h.M, ws);
}

TEST_CASE("cuda fake: device memory outlives its model") {
  Fake fake;
  void *ws = nullptr;
  {
    ModelHolder h;
    load(h);
    REQUIRE(cnnrt_workspace_alloc(h.M, &ws) == CNNRT_OK);
  }
  CHECK(fake.live() > 0); // the workspace and the context it holds
  cnnrt_workspace_free(ws);
}

TEST_CASE("cuda fake: external weights are uploaded") {
  Fake fake;
  TempDir dir("cudaweights");
  std::string so = dir.file("fake_cuda_weights.so");
  std::filesystem::copy_file(fakePath("fake_cuda_weights"), so);
  std::vector<float> w = fakeWeights();
  writeFile(dir.file("fakecuda.weights"), w.data(), 16);
  ModelHolder h;
  REQUIRE_MESSAGE(cnnrt_load(so.c_str(), &h.M) == CNNRT_OK, lastError());
  void *ws = nullptr;
  REQUIRE(cnnrt_workspace_alloc(h.M, &ws) == CNNRT_OK);
  std::vector<float> x = fakeInput(), y(1024, 0.0f);
  REQUIRE(runHost(h.M, x, y, ws, cnnrt_workspace_bytes(h.M)) == CNNRT_OK);
  CHECK(y == expected(x));
  cnnrt_workspace_free(ws);
}
