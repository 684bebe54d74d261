//===- Parallel.cpp - A model's module in parts, compiled on all cores ----===//
#include "compiler/cpu/Parallel.h"

#include "compiler/cpu/Emit.h"
#include "compiler/cpu/Target.h"

#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/Bitcode/BitcodeWriter.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <numeric>
#include <thread>

namespace cnnc::cpu {

std::vector<ModulePart> makeParts(llvm::Module &glue,
                                  const std::vector<KernelJob> &jobs,
                                  size_t maxParts, uint64_t minPartCost) {
  uint64_t total = 0;
  for (const KernelJob &j : jobs)
    total += j.cost;
  size_t groups = std::clamp<uint64_t>(
      total / std::max<uint64_t>(minPartCost, 1), 1,
      std::max<size_t>(1, std::min(maxParts - 1, jobs.size())));
  std::vector<ModulePart> parts(groups + 1);
  llvm::raw_svector_ostream os(parts[0].bitcode);
  llvm::WriteBitcodeToFile(glue, os);
  parts[0].cost = 1;
  std::vector<size_t> order(jobs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return jobs[a].cost > jobs[b].cost;
  });
  for (size_t i : order) {
    size_t best = 1;
    for (size_t p = 2; p <= groups; ++p)
      if (parts[p].cost < parts[best].cost)
        best = p;
    parts[best].jobs.push_back(jobs[i]);
    parts[best].cost += jobs[i].cost;
  }
  return parts;
}

bool compileParts(const std::vector<ModulePart> &parts, const Target &mainTarget,
                  const CodegenOptions &codegen, const std::string &cpu,
                  const std::string &features, int optLevel, unsigned jobs,
                  std::vector<llvm::SmallVector<char, 0>> &objects,
                  PartTimes &times, std::string &error) {
  objects.assign(parts.size(), {});
  std::vector<size_t> order(parts.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return parts[a].cost > parts[b].cost;
  });
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::string firstError;
  std::atomic<bool> failed{false};
  auto fail = [&](const std::string &e) {
    std::lock_guard<std::mutex> lock(mu);
    if (firstError.empty())
      firstError = e;
    failed = true;
  };
  auto worker = [&](bool mainThread) {
    std::string err;
    std::unique_ptr<Target> own;
    if (!mainThread && !(own = resolveTarget(cpu, features, err))) {
      fail(err);
      return;
    }
    const Target *target = mainThread ? &mainTarget : own.get();
    using Clock = std::chrono::steady_clock;
    for (size_t i; !failed && (i = next++) < order.size();) {
      const ModulePart &part = parts[order[i]];
      llvm::LLVMContext ctx;
      auto tb = Clock::now();
      std::unique_ptr<llvm::Module> m;
      if (!part.jobs.empty()) {
        m = buildKernelModule(ctx, *target, codegen, part.jobs, err);
        if (!m) {
          fail(err);
          return;
        }
      } else {
        auto buf = llvm::MemoryBuffer::getMemBuffer(
            llvm::StringRef(part.bitcode.data(), part.bitcode.size()), "part",
            false);
        auto parsed = llvm::parseBitcodeFile(buf->getMemBufferRef(), ctx);
        if (!parsed) {
          fail("cannot read back a module part: " +
               llvm::toString(parsed.takeError()));
          return;
        }
        m = std::move(*parsed);
      }
      auto t0 = Clock::now();
      if (optLevel > 0)
        optimizeModule(*m, *target, optLevel);
      auto t1 = Clock::now();
      if (!emitMachineCode(*m, *target, FileKind::Object,
                           objects[order[i]], err)) {
        fail(err);
        return;
      }
      auto t2 = Clock::now();
      std::lock_guard<std::mutex> lock(mu);
      times.build += std::chrono::duration<double>(t0 - tb).count();
      times.optimise += std::chrono::duration<double>(t1 - t0).count();
      times.emit += std::chrono::duration<double>(t2 - t1).count();
    }
  };
  size_t threads = std::max<size_t>(1, std::min<size_t>(jobs, parts.size()));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t)
    pool.emplace_back(worker, false);
  worker(true);
  for (std::thread &t : pool)
    t.join();
  if (failed)
    error = firstError;
  return !failed;
}

} // namespace cnnc::cpu
