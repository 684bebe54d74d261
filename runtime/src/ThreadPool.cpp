//===- ThreadPool.cpp - The pool behind cnnc_exec_ctx.parallel_for ------===//
//
// A model calls parallel_for some 50-200 times per run, so dispatch must be
// cheap: the caller publishes a job by bumping one atomic word (generation
// and number of parts), workers spin on it briefly before sleeping on a
// condition variable, and the caller runs part 0 itself, then waits for a
// counter of pending parts to reach zero.
//
// Partition: [0, n) is split into parts = min(n, threads) contiguous ranges
// whose sizes differ by at most one; part i always goes to thread i, so a
// model's work split depends only on n and the pool's size.
//
//===----------------------------------------------------------------------===//
#include "Internal.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include <sched.h>

namespace {

/// Most threads a pool may have (the job word keeps the part count in 16
/// bits).
constexpr int32_t MaxThreads = 4096;
/// How long a worker spins for the next job, and the caller for the last
/// part, before sleeping.
constexpr std::chrono::microseconds SpinTime(100);

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/// Waits actively until `done()` or SpinTime passes; returns done(). The
/// first iterations only pause (the next job usually comes within a few
/// microseconds); later ones also yield the core, so on an oversubscribed
/// machine the threads being waited for get to run.
template <typename F> bool spinUntil(F &&done) {
  constexpr unsigned PauseOnly = 256;
  auto deadline = std::chrono::steady_clock::now() + SpinTime;
  for (unsigned i = 1;; ++i) {
    if (done())
      return true;
    if (i < PauseOnly) {
      cpuRelax();
      continue;
    }
    sched_yield();
    if (i % 16 == 0 && std::chrono::steady_clock::now() > deadline)
      return done();
  }
}

/// The hardware threads this process may run on.
int32_t hardwareThreads() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
    return CPU_COUNT(&set);
  unsigned n = std::thread::hardware_concurrency();
  return n ? int32_t(n) : 1;
}

/// [begin, end) of part `i` of `parts` over [0, n).
inline void partRange(int64_t n, int64_t parts, int64_t i, int64_t &begin,
                      int64_t &end) {
  int64_t q = n / parts, r = n % parts;
  begin = i * q + (i < r ? i : r);
  end = begin + q + (i < r ? 1 : 0);
}

} // namespace

struct cnnrt_pool {
  int32_t Threads = 1;
  std::vector<std::thread> Workers;
  /// Serialises loops started by different threads.
  std::mutex RunMutex;
  /// Guards the sleeping side of Job and Pending.
  std::mutex M;
  std::condition_variable WorkCv, DoneCv;
  /// Generation << 16 | parts of the current job.
  std::atomic<uint64_t> Job{0};
  std::atomic<int32_t> Pending{0};
  std::atomic<bool> Stop{false};
  /// The current job; written by the caller before Job is bumped, read by
  /// the workers of that job only.
  cnnc_task_fn Fn = nullptr;
  void *Arg = nullptr;
  int64_t N = 0;
};

namespace {
/// The pool whose loop this thread is running a part of (nested calls to
/// the same pool run inline instead of deadlocking).
thread_local const cnnrt_pool *InsidePool = nullptr;

struct InsideScope {
  const cnnrt_pool *Saved;
  explicit InsideScope(const cnnrt_pool *p) : Saved(InsidePool) {
    InsidePool = p;
  }
  ~InsideScope() { InsidePool = Saved; }
};

/// Thread `index` of the pool: runs its part of each job until stopped.
void workerLoop(cnnrt_pool *p, int32_t index) {
  InsideScope inside(p);
  uint64_t seen = 0;
  for (;;) {
    auto changed = [&] {
      return p->Job.load(std::memory_order_acquire) >> 16 != seen;
    };
    if (!spinUntil(changed)) {
      std::unique_lock<std::mutex> lock(p->M);
      p->WorkCv.wait(lock, changed);
    }
    if (p->Stop.load(std::memory_order_acquire))
      return;
    uint64_t job = p->Job.load(std::memory_order_acquire);
    seen = job >> 16;
    int64_t parts = int64_t(job & 0xffff);
    if (index >= parts)
      continue;
    int64_t begin, end;
    partRange(p->N, parts, index, begin, end);
    p->Fn(p->Arg, begin, end);
    if (p->Pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      { std::lock_guard<std::mutex> lock(p->M); }
      p->DoneCv.notify_one();
    }
  }
}

/// Starts a job of `parts` parts (0 to stop the workers).
void publish(cnnrt_pool *p, int32_t parts) {
  {
    std::lock_guard<std::mutex> lock(p->M);
    uint64_t gen = (p->Job.load(std::memory_order_relaxed) >> 16) + 1;
    p->Job.store(gen << 16 | uint64_t(parts), std::memory_order_release);
  }
  p->WorkCv.notify_all();
}

/// Waits until the workers have finished their parts.
void waitDone(cnnrt_pool *p) {
  auto done = [&] { return p->Pending.load(std::memory_order_acquire) == 0; };
  if (spinUntil(done))
    return;
  std::unique_lock<std::mutex> lock(p->M);
  p->DoneCv.wait(lock, done);
}

} // namespace

void cnnrt_parallel_for(void *pool, int64_t n, cnnc_task_fn fn, void *arg) {
  if (n <= 0 || !fn)
    return;
  auto *p = static_cast<cnnrt_pool *>(pool);
  if (!p || n == 1 || p->Threads <= 1 || InsidePool == p) {
    fn(arg, 0, n);
    return;
  }
  std::lock_guard<std::mutex> run(p->RunMutex);
  int32_t parts = n < p->Threads ? int32_t(n) : p->Threads;
  p->Fn = fn;
  p->Arg = arg;
  p->N = n;
  p->Pending.store(parts - 1, std::memory_order_relaxed);
  publish(p, parts);
  int64_t begin, end;
  partRange(n, parts, 0, begin, end);
  {
    InsideScope inside(p);
    fn(arg, begin, end);
  }
  waitDone(p);
}

cnnrt_status cnnrt_pool_create(int32_t threads, cnnrt_pool **pool) {
  using namespace cnnrt;
  if (pool)
    *pool = nullptr;
  if (!pool || threads < 0 || threads > MaxThreads)
    return fail(CNNRT_ERR_INVALID_ARGUMENT,
                pool ? cat("cnnrt_pool_create: ", threads,
                           " threads; expected 0 (all hardware threads) to ",
                           MaxThreads)
                     : std::string("cnnrt_pool_create: null pool pointer"));
  return guarded([&] {
    auto *p = new cnnrt_pool;
    p->Threads = threads == 0 ? hardwareThreads() : threads;
    if (p->Threads > MaxThreads)
      p->Threads = MaxThreads;
    try {
      p->Workers.reserve(size_t(p->Threads - 1));
      for (int32_t i = 1; i < p->Threads; ++i)
        p->Workers.emplace_back([p, i] { workerLoop(p, i); });
    } catch (const std::system_error &e) {
      cnnrt_pool_destroy(p);
      return fail(CNNRT_ERR_THREADS,
                  cat("cannot start ", p->Threads, " threads: ", e.what()));
    }
    *pool = p;
    return CNNRT_OK;
  });
}

void cnnrt_pool_destroy(cnnrt_pool *pool) {
  if (!pool)
    return;
  pool->Stop.store(true, std::memory_order_release);
  publish(pool, 0);
  for (std::thread &t : pool->Workers)
    t.join();
  delete pool;
}

int32_t cnnrt_pool_threads(const cnnrt_pool *pool) {
  return pool ? pool->Threads : 1;
}
