//===- CudaTest.cpp - CUDA models: loading, checks and runs ---------------===//
//
// Runs on every machine. Without a driver: the no-driver messages, the
// descriptor checks (a table of malformed variants of FakeCudaModel.c's
// descriptor), and the device functions refusing CPU models. With the fake
// driver (FakeCudaDriver.c, through CNNRT_CUDA_DRIVER): image choice,
// weights upload, cnnrt_run, cnnrt_run_device, events, device memory, and
// that every driver object is released.
//
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

#include <cstring>
#include <dlfcn.h>
#include <functional>

using namespace cnnrt_test;

extern "C" const cnnc_model_desc *fakecuda_cnnc_model(void);

namespace {

const char *const NoDriver = "/nonexistent/libcuda.so.1";

/// A copy of the fake CUDA descriptor, every table of it mutable.
struct DescCopy {
  cnnc_model_desc Desc;
  cnnc_cuda_module Module;
  std::vector<cnnc_cuda_image> Images;
  std::vector<cnnc_cuda_launch> Launches;
  std::vector<std::vector<cnnc_buffer_ref>> Args;

  DescCopy() {
    Desc = *fakecuda_cnnc_model();
    Module = *Desc.cuda;
    Images.assign(Module.images, Module.images + Module.num_images);
    Launches.assign(Module.launches, Module.launches + Module.num_launches);
    for (cnnc_cuda_launch &l : Launches) {
      Args.emplace_back(l.args, l.args + l.num_args);
      Args.back().resize(CNNC_CUDA_MAX_ARGS + 1);
    }
    for (size_t i = 0; i < Launches.size(); ++i)
      Launches[i].args = Args[i].data();
    Module.images = Images.data();
    Module.launches = Launches.data();
    Desc.cuda = &Module;
  }
};

/// Loads `desc` expecting `status`; returns the message.
std::string loadDescFails(const cnnc_model_desc *desc, cnnrt_status status) {
  cnnrt_model *m = nullptr;
  cnnrt_status s = cnnrt_load_desc(desc, nullptr, &m);
  CHECK(m == nullptr);
  CHECK_MESSAGE(s == status, "got ", cnnrt_status_name(s), ": ", lastError());
  cnnrt_unload(m);
  return lastError();
}

/// The fake driver, and its leak counters.
struct FakeDriver {
  std::string Path = fakePath("fake_libcuda");
  void *Lib = dlopen(Path.c_str(), RTLD_NOW | RTLD_LOCAL);
  ScopedEnv Env{"CNNRT_CUDA_DRIVER", Path.c_str()};

  ~FakeDriver() {
    if (Lib)
      dlclose(Lib);
  }
  long live() const {
    return reinterpret_cast<long (*)()>(dlsym(Lib, "fake_cuda_live"))();
  }
  int depth() const {
    return reinterpret_cast<int (*)()>(dlsym(Lib, "fake_cuda_ctx_depth"))();
  }
};

} // namespace

TEST_CASE("cuda: no driver") {
  ScopedEnv env("CNNRT_CUDA_DRIVER", NoDriver);
  std::string msg = loadDescFails(fakecuda_cnnc_model(), CNNRT_ERR_NO_DEVICE);
  CHECK(msg == std::string("model 'fakecuda' is a CUDA model (compiled with "
                           "--target=cuda), but the CUDA driver named by "
                           "CNNRT_CUDA_DRIVER could not be loaded: ") +
                   NoDriver +
                   ": cannot open shared object file: No such file or "
                   "directory; run it on a machine with an NVIDIA GPU and "
                   "driver, or compile it for the CPU");
  // The same from a shared object, named by its path.
  cnnrt_model *m = nullptr;
  CHECK(cnnrt_load(fakePath("fake_cuda").c_str(), &m) == CNNRT_ERR_NO_DEVICE);
  CHECK(contains(lastError(), "'" + fakePath("fake_cuda") +
                                  "' is a CUDA model (compiled with "
                                  "--target=cuda)"));
}

TEST_CASE("cuda: the default driver, libcuda.so.1") {
  unsetenv("CNNRT_CUDA_DRIVER");
  void *real = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (real) {
    dlclose(real);
    MESSAGE("this machine has libcuda.so.1: the no-driver case is not "
            "testable here");
    return;
  }
  std::string msg = loadDescFails(fakecuda_cnnc_model(), CNNRT_ERR_NO_DEVICE);
  CHECK(contains(msg, "but the CUDA driver could not be loaded: "
                      "libcuda.so.1: cannot open shared object file"));
}

TEST_CASE("cuda: a library that is not the driver, cuInit failing, no GPU") {
  {
    ScopedEnv env("CNNRT_CUDA_DRIVER", fakePath("plain_lib").c_str());
    std::string msg = loadDescFails(fakecuda_cnnc_model(), CNNRT_ERR_NO_DEVICE);
    CHECK(contains(msg, "the CUDA driver '" + fakePath("plain_lib") +
                            "' has no 'cuGetErrorName'"));
  }
  {
    // cuInit's result is remembered per library: use a copy.
    TempDir dir("initfail");
    std::filesystem::copy_file(fakePath("fake_libcuda"), dir.file("cuda.so"));
    ScopedEnv env("CNNRT_CUDA_DRIVER", dir.file("cuda.so").c_str());
    ScopedEnv fail("FAKE_CUDA_INIT_FAIL", "1");
    std::string msg = loadDescFails(fakecuda_cnnc_model(), CNNRT_ERR_NO_DEVICE);
    CHECK(contains(msg, "' found no usable GPU: cuInit failed: "
                        "CUDA_ERROR_NO_DEVICE; run it on a machine"));
  }
  FakeDriver fake;
  ScopedEnv none("FAKE_CUDA_DEVICES", "0");
  std::string msg = loadDescFails(fakecuda_cnnc_model(), CNNRT_ERR_NO_DEVICE);
  CHECK(contains(msg, "but the CUDA driver reports no GPU; run it"));
  CHECK(fake.live() == 0);
}

TEST_CASE("cuda: malformed descriptors") {
  ScopedEnv env("CNNRT_CUDA_DRIVER", NoDriver);
  struct Case {
    const char *Message;
    std::function<void(DescCopy &)> Break;
  };
  const Case cases[] = {
      {"descriptor has an unknown device 7, expected 0 (cpu) or 1 (cuda)",
       [](DescCopy &c) { c.Desc.device = 7; }},
      {"descriptor has a null run function",
       [](DescCopy &c) { c.Desc.device = CNNC_DEVICE_CPU; }},
      {"descriptor of a CUDA model has no CUDA module (cuda is null)",
       [](DescCopy &c) { c.Desc.cuda = nullptr; }},
      {"CUDA model has 0 images (cubin or PTX), expected at least one",
       [](DescCopy &c) { c.Module.num_images = 0; }},
      {"CUDA image 1 has architecture 'sm90', expected sm_XY for a cubin",
       [](DescCopy &c) { c.Images[1].arch = "sm90"; }},
      {"CUDA image 2 has architecture 'sm_90', expected compute_XY for PTX",
       [](DescCopy &c) { c.Images[2].arch = "sm_90"; }},
      {"CUDA image 0 (sm_80) has no data",
       [](DescCopy &c) { c.Images[0].bytes = 0; }},
      {"CUDA image 2 (compute_90) is PTX without a terminating NUL",
       [](DescCopy &c) { --c.Images[2].bytes; }},
      {"CUDA kernel 1 has no name",
       [](DescCopy &c) {
         static const char *const names[2] = {"fake_double", ""};
         c.Module.kernel_names = names;
       }},
      {"CUDA model declares 2 launches but their table is missing",
       [](DescCopy &c) { c.Module.launches = nullptr; }},
      {"CUDA launch 1 runs kernel 2, the model has 2",
       [](DescCopy &c) { c.Launches[1].kernel = 2; }},
      {"CUDA launch 0 (fake_double) has 13 arguments, expected 0 to 12 with "
       "their table",
       [](DescCopy &c) { c.Launches[0].num_args = CNNC_CUDA_MAX_ARGS + 1; }},
      {"CUDA launch 0 (fake_double) has an empty grid 4x0x1",
       [](DescCopy &c) { c.Launches[0].grid[1] = 0; }},
      {"CUDA launch 1 (fake_finish) has an empty block 0x1x1",
       [](DescCopy &c) { c.Launches[1].block[0] = 0; }},
      {"CUDA launch 0 (fake_double) argument 0 refers to input 1, the model "
       "has 1",
       [](DescCopy &c) { c.Args[0][0].index = 1; }},
      {"CUDA launch 1 (fake_finish) argument 2 refers to output -1, the "
       "model has 1",
       [](DescCopy &c) { c.Args[1][2].index = -1; }},
      {"CUDA launch 0 (fake_double) argument 0 has offset 4096 into input 0 "
       "of 4096 bytes",
       [](DescCopy &c) { c.Args[0][0].offset = 4096; }},
      {"CUDA launch 0 (fake_double) argument 1 has offset 4096 into the "
       "workspace of 4096 bytes",
       [](DescCopy &c) { c.Args[0][1].offset = 4096; }},
      {"CUDA launch 1 (fake_finish) argument 1 has offset 16 into the "
       "weights of 16 bytes",
       [](DescCopy &c) { c.Args[1][1].offset = 16; }},
      {"CUDA launch 1 (fake_finish) argument 0 has an unknown buffer kind 9",
       [](DescCopy &c) { c.Args[1][0].kind = 9; }},
      {"CUDA model has both embedded weights and the weights file 'w.bin'",
       [](DescCopy &c) { c.Desc.weights_file = "w.bin"; }},
      {"CUDA model declares 16 bytes of embedded weights but has none",
       [](DescCopy &c) { c.Module.weights = nullptr; }},
      {"CUDA model has 1 profile entries for 2 launches (expected one per "
       "launch)",
       [](DescCopy &c) { c.Desc.num_profile_entries = 1; }},
  };
  for (const Case &k : cases) {
    CAPTURE(k.Message);
    DescCopy c;
    k.Break(c);
    std::string msg = loadDescFails(&c.Desc, CNNRT_ERR_BAD_DESCRIPTOR);
    CHECK(msg == std::string("model 'fakecuda': ") + k.Message);
  }
  // The intact copy gets past the checks (to the missing driver).
  DescCopy good;
  loadDescFails(&good.Desc, CNNRT_ERR_NO_DEVICE);
}

TEST_CASE("cuda: device functions refuse a CPU model") {
  ModelHolder h;
  REQUIRE(cnnrt_load(fakePath("fake_add1").c_str(), &h.M) == CNNRT_OK);
  CHECK(std::string(cnnrt_model_device(h.M)) == "cpu");
  CHECK(cnnrt_model_device(nullptr) == nullptr);
  CHECK(lastError() == "cnnrt_model_device: null model");
  std::string wrong = "' is a CPU model; this function is for CUDA models "
                      "(compiled with cnnc --target=cuda)";
  void *p = &p;
  CHECK(cnnrt_device_alloc(h.M, 64, &p) == CNNRT_ERR_WRONG_DEVICE);
  CHECK(p == nullptr);
  CHECK(lastError() == "cnnrt_device_alloc: model 'fake" + wrong);
  float buf[4];
  CHECK(cnnrt_copy_to_device(h.M, buf, buf, 16) == CNNRT_ERR_WRONG_DEVICE);
  CHECK(cnnrt_copy_from_device(h.M, buf, buf, 16) == CNNRT_ERR_WRONG_DEVICE);
  CHECK(cnnrt_stream_create(h.M, &p) == CNNRT_ERR_WRONG_DEVICE);
  CHECK(cnnrt_stream_synchronize(h.M, nullptr) == CNNRT_ERR_WRONG_DEVICE);
  const void *in[1] = {buf};
  void *out[1] = {buf};
  CHECK(cnnrt_run_device(h.M, in, 1, out, 1, nullptr, nullptr) ==
        CNNRT_ERR_WRONG_DEVICE);
  CHECK(lastError() == "cnnrt_run_device: model 'fake" + wrong);
  double sec[1];
  CHECK(cnnrt_time_device_runs(h.M, in, 1, out, 1, nullptr, nullptr, 1, sec) ==
        CNNRT_ERR_WRONG_DEVICE);
  CHECK(cnnrt_device_name(h.M) == nullptr);
  CHECK(cnnrt_device_image(h.M) == nullptr);
  cnnrt_device_free(h.M, buf); // refused, buf untouched
  cnnrt_stream_destroy(h.M, buf);
  CHECK(cnnrt_run_device(nullptr, in, 1, out, 1, nullptr, nullptr) ==
        CNNRT_ERR_INVALID_ARGUMENT);
}
