//===- StressTest.cpp - libcnnrt under load -------------------------------===//
//
// cnnrt-stress MODEL.ir MODEL.so: a model compiled by cnnc, under load.
//  - runs: 24 threads (more than any CI machine's cores) run the model
//    at once, 200 runs each over 8 inputs: half share one pool, a quarter
//    run serially, a quarter on pools of their own; every output is compared
//    bit for bit with the serial run of the same input, which itself must
//    match the reference interpreter on the IR (relative 1e-4 of the
//    output's scale).
//  - load/unload: the model is loaded, run and unloaded 300 times; the
//    process's resident memory after the last 250 must not have grown by
//    more than 8 MB over what it was after the first 50 (a leaked copy of
//    the model or of its workspace per cycle would add far more).
// Exit status 0 when every check holds; each failure is printed.
//
//===----------------------------------------------------------------------===//
#include "cnnc/runtime.h"
#include "ir/Interpreter.h"
#include "ir/Parser.h"
#include "ir/ShapeInference.h"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

std::mutex PrintMutex;
std::atomic<int> Failures{0};

template <typename... Args> void failure(const char *fmt, Args... args) {
  std::lock_guard<std::mutex> lock(PrintMutex);
  std::fprintf(stderr, "cnnrt-stress: FAIL: ");
  std::fprintf(stderr, fmt, args...);
  std::fprintf(stderr, "\n");
  ++Failures;
}

bool ok(cnnrt_status s, const char *what) {
  if (s == CNNRT_OK)
    return true;
  failure("%s: %s", what, cnnrt_last_error());
  return false;
}

/// Resident set size of this process in bytes (/proc/self/statm).
long residentBytes() {
  std::ifstream f("/proc/self/statm");
  long pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

using Floats = std::vector<float>;

/// One run of `m` on `in`; false (reported) on failure.
bool runOnce(const cnnrt_model *m, const Floats &in, Floats &out, void *ws,
             cnnrt_pool *pool) {
  cnnrt_input i{in.data(), in.size() * sizeof(float)};
  cnnrt_output o{out.data(), out.size() * sizeof(float)};
  return ok(cnnrt_run(m, &i, 1, &o, 1, ws, cnnrt_workspace_bytes(m), pool),
            "cnnrt_run");
}

int64_t elements(const cnnc_tensor_desc *d) { return d->bytes / 4; }

} // namespace

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: cnnrt-stress MODEL.ir MODEL.so\n");
    return 2;
  }
  cnnc::DiagEngine diag;
  std::unique_ptr<cnnc::Graph> g = cnnc::parseGraphFile(argv[1], diag);
  if (!g || !cnnc::inferShapes(*g, diag) || g->inputs().size() != 1 ||
      g->outputs().size() != 1) {
    std::fprintf(stderr,
                 "cnnrt-stress: %s: not a one-input one-output "
                 "model\n",
                 argv[1]);
    return 2;
  }
  cnnrt_model *m = nullptr;
  if (!ok(cnnrt_load(argv[2], &m), "cnnrt_load"))
    return 1;
  const int64_t inN = elements(cnnrt_input_desc(m, 0));
  const int64_t outN = elements(cnnrt_output_desc(m, 0));

  // Eight inputs, their serial results, checked against the interpreter.
  constexpr int Inputs = 8;
  std::vector<Floats> ins, want;
  void *ws = nullptr;
  if (!ok(cnnrt_workspace_alloc(m, &ws), "workspace"))
    return 1;
  for (int k = 0; k < Inputs; ++k) {
    std::vector<cnnc::Tensor> x = cnnc::randomInputs(*g, uint64_t(100 + k));
    ins.emplace_back(x[0].ptr(), x[0].ptr() + inN);
    Floats y(static_cast<size_t>(outN));
    runOnce(m, ins.back(), y, ws, nullptr);
    auto ref = cnnc::interpret(*g, x, diag);
    if (!ref) {
      std::fprintf(stderr, "cnnrt-stress: the interpreter failed\n");
      return 1;
    }
    const float *r = (*ref)[0].ptr();
    double scale = 0, err = 0;
    for (int64_t i = 0; i < outN; ++i)
      scale = std::max(scale, std::fabs(double(r[i])));
    for (int64_t i = 0; i < outN; ++i)
      err = std::max(err, std::fabs(double(y[size_t(i)]) - r[i]));
    if (err > 1e-4 * std::max(scale, 1e-6))
      failure("input %d: max error %g against the interpreter (scale %g)", k,
              err, scale);
    want.push_back(std::move(y));
  }
  cnnrt_workspace_free(ws);

  // Many threads at once.
  constexpr int Threads = 24, Runs = 200;
  cnnrt_pool *shared = nullptr;
  if (!ok(cnnrt_pool_create(2, &shared), "pool"))
    return 1;
  std::atomic<long> checked{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < Threads; ++t)
    threads.emplace_back([&, t] {
      cnnrt_pool *own = nullptr;
      cnnrt_pool *pool = nullptr;
      if (t % 2 == 0)
        pool = shared;
      else if (t % 4 == 1 && ok(cnnrt_pool_create(2, &own), "own pool"))
        pool = own;
      void *tws = nullptr;
      if (!ok(cnnrt_workspace_alloc(m, &tws), "thread workspace"))
        return;
      Floats y(static_cast<size_t>(outN));
      for (int r = 0; r < Runs; ++r) {
        int k = (t * 7 + r) % Inputs;
        std::fill(y.begin(), y.end(), NAN);
        if (!runOnce(m, ins[size_t(k)], y, tws, pool))
          break;
        if (std::memcmp(y.data(), want[size_t(k)].data(),
                        y.size() * sizeof(float)) != 0) {
          failure("thread %d run %d (input %d): output differs from the "
                  "serial run",
                  t, r, k);
          break;
        }
        ++checked;
      }
      cnnrt_workspace_free(tws);
      cnnrt_pool_destroy(own);
    });
  for (std::thread &th : threads)
    th.join();
  cnnrt_pool_destroy(shared);
  cnnrt_unload(m);
  std::printf("cnnrt-stress: %ld runs on %d threads checked\n", checked.load(),
              Threads);

  // Load, run, unload: memory must not grow.
  constexpr int Cycles = 300, Settle = 50;
  long settled = 0;
  for (int c = 0; c < Cycles; ++c) {
    cnnrt_model *mm = nullptr;
    void *cws = nullptr;
    if (!ok(cnnrt_load(argv[2], &mm), "reload") ||
        !ok(cnnrt_workspace_alloc(mm, &cws), "workspace"))
      break;
    Floats y(static_cast<size_t>(outN));
    runOnce(mm, ins[size_t(c % Inputs)], y, cws, nullptr);
    if (std::memcmp(y.data(), want[size_t(c % Inputs)].data(),
                    y.size() * sizeof(float)) != 0)
      failure("cycle %d: output differs after reloading", c);
    cnnrt_workspace_free(cws);
    cnnrt_unload(mm);
    if (c + 1 == Settle)
      settled = residentBytes();
  }
  long grown = residentBytes() - settled;
  std::printf("cnnrt-stress: %d load/run/unload cycles, resident memory "
              "grew %ld KB over the last %d\n",
              Cycles, grown / 1024, Cycles - Settle);
  if (grown > 8l << 20)
    failure("resident memory grew by %ld KB over %d load/unload cycles",
            grown / 1024, Cycles - Settle);
  if (Failures)
    return 1;
  std::printf("cnnrt-stress: ok\n");
  return 0;
}
