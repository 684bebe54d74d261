//===- EmuRuntime.cpp - Runs CUDA kernels on the host, for tests ----------===//
//
// Compiled into the same shared object as a model's CUDA C (built by the
// host compiler with HostShim.h). cnnemu_launch runs a kernel's grid one
// block after another; within a block every thread is a fiber (ucontext)
// on the calling thread. __syncthreads() returns to the scheduler, which
// resumes every thread of the block in turn, so a round ends with all
// live threads at the same barrier: the semantics of bar.sync, without
// warps. This finds indexing, tiling and barrier bugs of the generated
// kernels on a machine with no GPU; it says nothing about speed.
//
//===----------------------------------------------------------------------===//
#include "tests/cuda/HostShim.h"

#include <cstdlib>
#include <ucontext.h>
#include <vector>

extern "C" {
cnnemu_dim3 cnnemu_threadIdx, cnnemu_blockIdx, cnnemu_blockDim, cnnemu_gridDim;
}

namespace {

constexpr size_t kStackBytes = 256 * 1024;

struct Fiber {
  ucontext_t ctx;
  cnnemu_dim3 idx;
  bool done = false;
  std::vector<char> stack;
};

struct Scheduler {
  ucontext_t main;
  std::vector<Fiber> fibers;
  size_t current = 0;
  void (*kernel)(const void *) = nullptr;
  const void *args = nullptr;
};

Scheduler *S = nullptr;

void fiberEntry() {
  S->kernel(S->args);
  S->fibers[S->current].done = true;
  // Returning resumes uc_link: the scheduler.
}

} // namespace

extern "C" void cnnemu_syncthreads(void) {
  Fiber &f = S->fibers[S->current];
  swapcontext(&f.ctx, &S->main);
}

/// Runs kernel(args) over grid x block. `call` adapts the kernel's by-value
/// parameter: it is called as call(args). Returns 0.
extern "C" int cnnemu_launch(void (*call)(const void *), const void *args,
                             const unsigned grid[3], const unsigned block[3]) {
  Scheduler sched;
  Scheduler *outer = S;
  S = &sched;
  sched.kernel = call;
  sched.args = args;
  size_t threads = size_t(block[0]) * block[1] * block[2];
  sched.fibers.resize(threads);
  for (Fiber &f : sched.fibers)
    f.stack.resize(kStackBytes);
  cnnemu_gridDim = {grid[0], grid[1], grid[2]};
  cnnemu_blockDim = {block[0], block[1], block[2]};
  for (unsigned bz = 0; bz < grid[2]; ++bz)
    for (unsigned by = 0; by < grid[1]; ++by)
      for (unsigned bx = 0; bx < grid[0]; ++bx) {
        cnnemu_blockIdx = {bx, by, bz};
        for (size_t t = 0; t < threads; ++t) {
          Fiber &f = sched.fibers[t];
          f.done = false;
          f.idx = {unsigned(t % block[0]), unsigned(t / block[0] % block[1]),
                   unsigned(t / (size_t(block[0]) * block[1]))};
          getcontext(&f.ctx);
          f.ctx.uc_stack.ss_sp = f.stack.data();
          f.ctx.uc_stack.ss_size = f.stack.size();
          f.ctx.uc_link = &sched.main;
          makecontext(&f.ctx, fiberEntry, 0);
        }
        // Rounds: resume every live thread until it finishes or reaches a
        // barrier; the block is done when every thread has finished.
        bool live = true;
        while (live) {
          live = false;
          for (size_t t = 0; t < threads; ++t) {
            Fiber &f = sched.fibers[t];
            if (f.done)
              continue;
            sched.current = t;
            cnnemu_threadIdx = f.idx;
            swapcontext(&sched.main, &f.ctx);
            live |= !f.done;
          }
        }
      }
  S = outer;
  return 0;
}
