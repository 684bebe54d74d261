//===- ConcurrentTest.cpp - One compiled model on several threads ---------===//
//
// cnnc-concurrent-test MODEL.so
//
// Loads a model compiled by cnnc through libcnnrt and checks that results
// depend on neither concurrency nor thread count: the serial result of two
// different inputs is the oracle; then two threads run the model at once,
// each on its own input and workspace, 5 times each, once with a pool of 2
// threads each and once with no pool, and every output must equal the
// serial one bit for bit.
//
//===----------------------------------------------------------------------===//
#include "cnnc/runtime.hpp"

#include <cstdio>
#include <cstring>
#include <thread>

namespace {

using Tensor = std::vector<float>;

Tensor input(const cnnrt::Model &m, int seed) {
  Tensor x(size_t(m.input(0).bytes / 4));
  uint32_t s = 12345u + uint32_t(seed) * 7919u;
  for (float &v : x) {
    s = s * 1664525u + 1013904223u;
    v = float(s >> 8) / float(1 << 24) * 2.0f - 1.0f;
  }
  return x;
}

Tensor runOnce(const cnnrt::Model &m, const Tensor &x,
               const cnnrt::Workspace &ws, const cnnrt::Pool *pool) {
  Tensor y(size_t(m.output(0).bytes / 4));
  m.run({{x.data(), uint64_t(m.input(0).bytes)}},
        {{y.data(), uint64_t(m.output(0).bytes)}}, ws, pool);
  return y;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: cnnc-concurrent-test MODEL.so\n");
    return 2;
  }
  try {
    cnnrt::Model m = cnnrt::Model::load(argv[1]);
    if (m.numInputs() != 1 || m.numOutputs() < 1) {
      std::fprintf(stderr, "expected a model with one input\n");
      return 1;
    }
    Tensor x[2] = {input(m, 0), input(m, 1)};
    Tensor expected[2];
    {
      cnnrt::Workspace ws(m);
      expected[0] = runOnce(m, x[0], ws, nullptr);
      expected[1] = runOnce(m, x[1], ws, nullptr);
    }
    if (expected[0] == expected[1]) {
      std::fprintf(stderr, "FAIL: both inputs give the same output\n");
      return 1;
    }
    int failures = 0;
    for (bool withPool : {true, false}) {
      auto worker = [&](int id) {
        cnnrt::Workspace ws(m);
        cnnrt::Pool pool(2);
        for (int r = 0; r < 5; ++r) {
          Tensor y = runOnce(m, x[id], ws, withPool ? &pool : nullptr);
          if (std::memcmp(y.data(), expected[id].data(), y.size() * 4)) {
            std::fprintf(stderr, "FAIL: thread %d run %d (%s) differs from "
                                 "the serial result\n",
                         id, r, withPool ? "pool of 2" : "no pool");
            ++failures;
          }
        }
      };
      std::thread t0(worker, 0), t1(worker, 1);
      t0.join();
      t1.join();
    }
    std::printf("%s: %s\n", argv[1], failures ? "FAIL" : "ok");
    return failures ? 1 : 0;
  } catch (const cnnrt::Error &e) {
    std::fprintf(stderr, "FAIL: %s\n", e.what());
    return 1;
  }
}
