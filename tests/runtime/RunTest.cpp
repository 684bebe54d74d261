//===- RunTest.cpp - Running models: checks, results, concurrency ---------===//
#include "TestUtil.h"

#include "cnnc/runtime.hpp"

#include <cstring>
#include <thread>

using namespace cnnrt_test;

extern "C" const cnnc_model_desc *linked_cnnc_model(void);

namespace {

/// A loaded fake_add1 with a workspace and buffers.
struct Fixture {
  ModelHolder H;
  void *Ws = nullptr;
  std::vector<float> X = fakeInput(), Y = std::vector<float>(1024, -7.0f);
  cnnrt_input In{X.data(), 4096};
  cnnrt_output Out{Y.data(), 4096};

  Fixture() {
    REQUIRE(cnnrt_load(fakePath("fake_add1").c_str(), &H.M) == CNNRT_OK);
    REQUIRE(cnnrt_workspace_alloc(H.M, &Ws) == CNNRT_OK);
  }
  ~Fixture() { cnnrt_workspace_free(Ws); }
  cnnrt_status run(cnnrt_pool *pool = nullptr) {
    return cnnrt_run(H.M, &In, 1, &Out, 1, Ws, 4096, pool);
  }
};

} // namespace

TEST_CASE("run: y = x + 1, serial and on a pool") {
  Fixture f;
  REQUIRE(f.run() == CNNRT_OK);
  for (size_t i = 0; i < f.X.size(); ++i)
    REQUIRE(f.Y[i] == f.X[i] + 1.0f);
  cnnrt_pool *pool = nullptr;
  REQUIRE(cnnrt_pool_create(3, &pool) == CNNRT_OK);
  std::fill(f.Y.begin(), f.Y.end(), 0.0f);
  REQUIRE(f.run(pool) == CNNRT_OK);
  for (size_t i = 0; i < f.X.size(); ++i)
    REQUIRE(f.Y[i] == f.X[i] + 1.0f);
  cnnrt_pool_destroy(pool);
}

TEST_CASE("run: wrong number of tensors") {
  Fixture f;
  cnnrt_input two[2] = {f.In, f.In};
  CHECK(cnnrt_run(f.H.M, two, 2, &f.Out, 1, f.Ws, 4096, nullptr) ==
        CNNRT_ERR_TENSOR_COUNT);
  CHECK(lastError() == "model 'fake' has 1 input and 1 output, given 2 and 1");
  CHECK(cnnrt_run(f.H.M, &f.In, 1, &f.Out, 0, f.Ws, 4096, nullptr) ==
        CNNRT_ERR_TENSOR_COUNT);
  CHECK(cnnrt_run(f.H.M, nullptr, 1, &f.Out, 1, f.Ws, 4096, nullptr) ==
        CNNRT_ERR_INVALID_ARGUMENT);
  CHECK(lastError() == "cnnrt_run: null inputs array for model 'fake'");
  CHECK(cnnrt_run(f.H.M, &f.In, -1, &f.Out, 1, f.Ws, 4096, nullptr) ==
        CNNRT_ERR_TENSOR_COUNT);
}

TEST_CASE("run: wrong byte sizes and null buffers") {
  Fixture f;
  cnnrt_input in = {f.X.data(), 4092};
  CHECK(cnnrt_run(f.H.M, &in, 1, &f.Out, 1, f.Ws, 4096, nullptr) ==
        CNNRT_ERR_TENSOR_SIZE);
  CHECK(lastError() == "model 'fake': input 0 'x' expects 4096 bytes, given "
                       "4092");
  cnnrt_output out = {f.Y.data(), 8192};
  CHECK(cnnrt_run(f.H.M, &f.In, 1, &out, 1, f.Ws, 4096, nullptr) ==
        CNNRT_ERR_TENSOR_SIZE);
  CHECK(lastError() == "model 'fake': output 0 'y' expects 4096 bytes, "
                       "given 8192");
  in = {nullptr, 4096};
  CHECK(cnnrt_run(f.H.M, &in, 1, &f.Out, 1, f.Ws, 4096, nullptr) ==
        CNNRT_ERR_NULL_BUFFER);
  CHECK(lastError() == "model 'fake': input 0 'x' has a null data pointer");
  out = {nullptr, 4096};
  CHECK(cnnrt_run(f.H.M, &f.In, 1, &out, 1, f.Ws, 4096, nullptr) ==
        CNNRT_ERR_NULL_BUFFER);
  CHECK(cnnrt_run(nullptr, &f.In, 1, &f.Out, 1, f.Ws, 4096, nullptr) ==
        CNNRT_ERR_INVALID_ARGUMENT);
  CHECK(lastError() == "cnnrt_run: null model");
  // Nothing was written by the refused runs.
  CHECK(f.Y[0] == -7.0f);
}

TEST_CASE("run: workspace null, too small, misaligned") {
  Fixture f;
  CHECK(cnnrt_run(f.H.M, &f.In, 1, &f.Out, 1, nullptr, 4096, nullptr) ==
        CNNRT_ERR_WORKSPACE);
  CHECK(lastError() == "model 'fake' needs a workspace of 4096 bytes, given "
                       "a null pointer");
  CHECK(cnnrt_run(f.H.M, &f.In, 1, &f.Out, 1, f.Ws, 4095, nullptr) ==
        CNNRT_ERR_WORKSPACE);
  CHECK(lastError() == "model 'fake' needs a workspace of 4096 bytes, given "
                       "4095");
  void *big = cnnrt_aligned_alloc(8192);
  REQUIRE(big);
  CHECK(reinterpret_cast<uintptr_t>(big) % CNNC_WORKSPACE_ALIGN == 0);
  void *off = static_cast<char *>(big) + 4;
  CHECK(cnnrt_run(f.H.M, &f.In, 1, &f.Out, 1, off, 8188, nullptr) ==
        CNNRT_ERR_WORKSPACE);
  CHECK(contains(lastError(), "the workspace must be 64-byte aligned"));
  CHECK(contains(lastError(), "is off by 4"));
  // A larger aligned workspace is fine.
  CHECK(cnnrt_run(f.H.M, &f.In, 1, &f.Out, 1, big, 8192, nullptr) == CNNRT_OK);
  cnnrt_workspace_free(big);
  void *tiny = cnnrt_aligned_alloc(0);
  CHECK(tiny != nullptr);
  cnnrt_workspace_free(tiny);
}

TEST_CASE("run: external weights reach the model") {
  TempDir dir("runweights");
  std::vector<float> w = fakeWeights();
  writeFile(dir.file("fake.weights"), w.data(), 16);
  ModelHolder h;
  REQUIRE(cnnrt_load_desc(linked_cnnc_model(), dir.file("").c_str(), &h.M) ==
          CNNRT_OK);
  std::vector<float> x = fakeInput(), y(1024);
  void *ws = nullptr;
  REQUIRE(cnnrt_workspace_alloc(h.M, &ws) == CNNRT_OK);
  cnnrt_input in = {x.data(), 4096};
  cnnrt_output out = {y.data(), 4096};
  REQUIRE(cnnrt_run(h.M, &in, 1, &out, 1, ws, 4096, nullptr) == CNNRT_OK);
  for (size_t i = 0; i < y.size(); ++i)
    REQUIRE(y[i] == x[i] + 1.0f + w[i % 4]);
  cnnrt_workspace_free(ws);
}

TEST_CASE("run: two threads, one model, separate workspaces") {
  Fixture f;
  REQUIRE(f.run() == CNNRT_OK);
  cnnrt_pool *shared = nullptr;
  REQUIRE(cnnrt_pool_create(2, &shared) == CNNRT_OK);
  auto worker = [&](int id, bool ownPool, std::vector<float> &y) {
    cnnrt_pool *pool = shared;
    if (ownPool)
      REQUIRE(cnnrt_pool_create(2, &pool) == CNNRT_OK);
    void *ws = nullptr;
    REQUIRE(cnnrt_workspace_alloc(f.H.M, &ws) == CNNRT_OK);
    std::vector<float> x = fakeInput(float(id + 1));
    cnnrt_input in = {x.data(), 4096};
    cnnrt_output out = {y.data(), 4096};
    for (int r = 0; r < 200; ++r) {
      REQUIRE(cnnrt_run(f.H.M, &in, 1, &out, 1, ws, 4096, pool) == CNNRT_OK);
      for (size_t i = 0; i < y.size(); i += 97)
        REQUIRE(y[i] == x[i] + 1.0f);
    }
    cnnrt_workspace_free(ws);
    if (ownPool)
      cnnrt_pool_destroy(pool);
  };
  for (bool ownPool : {true, false}) {
    CAPTURE(ownPool);
    std::vector<float> y0(1024), y1(1024);
    std::thread t0(worker, 0, ownPool, std::ref(y0));
    std::thread t1(worker, 1, ownPool, std::ref(y1));
    t0.join();
    t1.join();
    std::vector<float> x0 = fakeInput(1.0f), x1 = fakeInput(2.0f);
    for (size_t i = 0; i < 1024; ++i) {
      REQUIRE(y0[i] == x0[i] + 1.0f);
      REQUIRE(y1[i] == x1[i] + 1.0f);
    }
  }
  cnnrt_pool_destroy(shared);
}

TEST_CASE("C++ wrapper: RAII and exceptions") {
  cnnrt::Model m = cnnrt::Model::load(fakePath("fake_add1"));
  CHECK(m.name() == "fake");
  CHECK(m.input(0).bytes == 4096);
  CHECK_THROWS_AS(m.output(3), cnnrt::Error);
  cnnrt::Workspace ws(m);
  cnnrt::Pool pool(2);
  CHECK(pool.threads() == 2);
  std::vector<float> x = fakeInput(), y(1024);
  m.run({{x.data(), 4096}}, {{y.data(), 4096}}, ws, &pool);
  CHECK(y[5] == x[5] + 1.0f);
  try {
    m.run({{x.data(), 4096}}, {}, ws);
    FAIL("run with no outputs did not throw");
  } catch (const cnnrt::Error &e) {
    CHECK(e.status() == CNNRT_ERR_TENSOR_COUNT);
    CHECK(contains(e.what(), "given 1 and 0"));
  }
  CHECK_THROWS_AS(cnnrt::Model::load("/no/such/model.so"), cnnrt::Error);
}
