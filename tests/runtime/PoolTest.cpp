//===- PoolTest.cpp - The thread pool's parallel_for ----------------------===//
#include "TestUtil.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

using namespace cnnrt_test;

namespace {

/// Counts how often each index is visited and records the ranges.
struct Coverage {
  std::unique_ptr<std::atomic<int>[]> Hits;
  int64_t N;
  std::mutex M;
  std::vector<std::pair<int64_t, int64_t>> Ranges;

  explicit Coverage(int64_t n)
      : Hits(new std::atomic<int>[size_t(std::max<int64_t>(n, 1))]), N(n) {
    for (int64_t i = 0; i < n; ++i)
      Hits[size_t(i)] = 0;
  }
  static void task(void *arg, int64_t begin, int64_t end) {
    auto *c = static_cast<Coverage *>(arg);
    for (int64_t i = begin; i < end; ++i)
      c->Hits[size_t(i)]++;
    std::lock_guard<std::mutex> lock(c->M);
    c->Ranges.push_back({begin, end});
  }
  bool exactlyOnce() const {
    for (int64_t i = 0; i < N; ++i)
      if (Hits[size_t(i)] != 1)
        return false;
    return true;
  }
};

} // namespace

TEST_CASE("pool: parallel_for covers [0, n) exactly once") {
  for (int32_t threads : {1, 2, 3, 4, 7, 8, 16}) {
    cnnrt_pool *pool = nullptr;
    REQUIRE(cnnrt_pool_create(threads, &pool) == CNNRT_OK);
    CHECK(cnnrt_pool_threads(pool) == threads);
    for (int64_t n : {0, 1, 2, 3, 5, 7, 8, 15, 16, 17, 100, 1000, 4097}) {
      CAPTURE(threads);
      CAPTURE(n);
      Coverage c(n);
      cnnrt_parallel_for(pool, n, Coverage::task, &c);
      REQUIRE(c.exactlyOnce());
      // Contiguous ranges, one per part, sizes differing by at most one.
      size_t parts = n == 0 ? 0 : size_t(std::min<int64_t>(n, threads));
      REQUIRE(c.Ranges.size() == parts);
      int64_t lo = INT64_MAX, hi = 0;
      for (auto [b, e] : c.Ranges) {
        lo = std::min(lo, e - b);
        hi = std::max(hi, e - b);
      }
      if (parts)
        CHECK(hi - lo <= 1);
    }
    cnnrt_pool_destroy(pool);
  }
}

TEST_CASE("pool: a null pool runs inline") {
  Coverage c(10);
  cnnrt_parallel_for(nullptr, 10, Coverage::task, &c);
  CHECK(c.exactlyOnce());
  CHECK(c.Ranges.size() == 1);
  CHECK(cnnrt_pool_threads(nullptr) == 1);
  cnnrt_pool_destroy(nullptr);
}

TEST_CASE("pool: bad arguments") {
  cnnrt_pool *pool = reinterpret_cast<cnnrt_pool *>(&pool);
  CHECK(cnnrt_pool_create(-1, &pool) == CNNRT_ERR_INVALID_ARGUMENT);
  CHECK(pool == nullptr);
  CHECK(lastError() == "cnnrt_pool_create: -1 threads; expected 0 (all "
                       "hardware threads) to 4096");
  CHECK(cnnrt_pool_create(2, nullptr) == CNNRT_ERR_INVALID_ARGUMENT);
  REQUIRE(cnnrt_pool_create(0, &pool) == CNNRT_OK);
  CHECK(cnnrt_pool_threads(pool) >= 1);
  cnnrt_pool_destroy(pool);
}

namespace {
struct Nested {
  cnnrt_pool *Pool;
  std::vector<std::unique_ptr<Coverage>> *Inner;
  static void task(void *arg, int64_t begin, int64_t end) {
    auto *n = static_cast<Nested *>(arg);
    // A loop inside a loop of the same pool runs inline.
    for (int64_t i = begin; i < end; ++i)
      cnnrt_parallel_for(n->Pool, 1, Coverage::task,
                         (*n->Inner)[size_t(i)].get());
  }
};
} // namespace

TEST_CASE("pool: nested loops on the same pool do not deadlock") {
  cnnrt_pool *pool = nullptr;
  REQUIRE(cnnrt_pool_create(4, &pool) == CNNRT_OK);
  std::vector<std::unique_ptr<Coverage>> inner;
  for (int i = 0; i < 8; ++i)
    inner.push_back(std::make_unique<Coverage>(1));
  Nested n{pool, &inner};
  cnnrt_parallel_for(pool, 8, Nested::task, &n);
  for (const auto &c : inner)
    CHECK(c->exactlyOnce());
  cnnrt_pool_destroy(pool);
}

TEST_CASE("pool: loops from several threads on one pool take turns") {
  cnnrt_pool *pool = nullptr;
  REQUIRE(cnnrt_pool_create(3, &pool) == CNNRT_OK);
  std::atomic<int> failures{0};
  auto caller = [&] {
    for (int r = 0; r < 300; ++r) {
      Coverage c(50 + r % 7);
      cnnrt_parallel_for(pool, c.N, Coverage::task, &c);
      if (!c.exactlyOnce())
        ++failures;
    }
  };
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back(caller);
  for (std::thread &t : ts)
    t.join();
  CHECK(failures == 0);
  cnnrt_pool_destroy(pool);
}

TEST_CASE("pool: back-to-back loops are cheap") {
  cnnrt_pool *pool = nullptr;
  REQUIRE(cnnrt_pool_create(2, &pool) == CNNRT_OK);
  constexpr int Loops = 20000;
  std::atomic<int64_t> sum{0};
  auto add = [](void *arg, int64_t begin, int64_t end) {
    static_cast<std::atomic<int64_t> *>(arg)->fetch_add(end - begin);
  };
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < Loops; ++i)
    cnnrt_parallel_for(pool, 64, add, &sum);
  double us = std::chrono::duration<double, std::micro>(
                  std::chrono::steady_clock::now() - t0)
                  .count() /
              Loops;
  CHECK(sum == int64_t(Loops) * 64);
  MESSAGE("parallel_for on 2 threads: ", us, " us per loop");
  cnnrt_pool_destroy(pool);
}
