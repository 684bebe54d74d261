//===- Parallel.cpp - A model's module in parts, compiled on all cores ----===//
#include "compiler/cpu/Parallel.h"

#include "compiler/cpu/Emit.h"
#include "compiler/cpu/Target.h"

#include <llvm/ADT/SmallPtrSet.h>
#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/Bitcode/BitcodeWriter.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Transforms/Utils/Cloning.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <numeric>
#include <thread>

namespace cnnc::cpu {

namespace {

uint64_t instructionCount(const llvm::Function &f) {
  uint64_t n = 0;
  for (const llvm::BasicBlock &bb : f)
    n += bb.size();
  return n;
}

/// Drops the declarations nothing in `m` refers to any more, and aliases.
void dropUnusedDeclarations(llvm::Module &m) {
  for (llvm::GlobalAlias &a : llvm::make_early_inc_range(m.aliases()))
    if (a.use_empty())
      a.eraseFromParent();
  bool erased = true;
  while (erased) {
    erased = false;
    for (llvm::Function &g : llvm::make_early_inc_range(m))
      if (g.isDeclaration() && g.use_empty() && !g.isIntrinsic()) {
        g.eraseFromParent();
        erased = true;
      }
    for (llvm::GlobalVariable &g : llvm::make_early_inc_range(m.globals()))
      if (g.isDeclaration() && g.use_empty()) {
        g.eraseFromParent();
        erased = true;
      }
  }
}

} // namespace

std::vector<ModulePart> splitModule(llvm::Module &m,
                                    const std::vector<SpecialisedKernel> &kernels,
                                    const std::string &prefix,
                                    size_t maxParts, uint64_t minPartCost) {
  std::vector<llvm::Function *> fns;
  uint64_t total = 0;
  for (const SpecialisedKernel &k : kernels)
    if (llvm::Function *f = m.getFunction(k.function))
      if (!f->isDeclaration()) {
        fns.push_back(f);
        total += instructionCount(*f);
      }
  maxParts = std::min<uint64_t>(maxParts, total / std::max<uint64_t>(minPartCost, 1));
  if (maxParts < 2 || fns.empty())
    return {};
  // The kernels, global so that the run function in another part calls
  // them, hidden so that a shared object does not export them.
  llvm::SmallPtrSet<const llvm::GlobalValue *, 32> kernelSet;
  for (llvm::Function *f : fns) {
    f->setName(prefix + "." + f->getName());
    f->setLinkage(llvm::GlobalValue::ExternalLinkage);
    f->setVisibility(llvm::GlobalValue::HiddenVisibility);
    kernelSet.insert(f);
  }
  // The glue: what the exported definitions reach, but the kernels.
  std::vector<const llvm::GlobalValue *> glueRoots;
  for (llvm::GlobalValue &gv : m.global_values())
    if (!gv.isDeclaration() && !gv.hasLocalLinkage() && !kernelSet.count(&gv))
      glueRoots.push_back(&gv);
  auto glue = reachableFrom(glueRoots, kernelSet);
  uint64_t glueCost = 0;
  for (const llvm::GlobalValue *gv : glue)
    if (auto *f = llvm::dyn_cast<llvm::Function>(gv))
      glueCost += instructionCount(*f);

  // Largest first, each to the lightest part (ties: the lower index): the
  // glue counts as one more unit of work.
  size_t numParts = std::max<size_t>(1, std::min(maxParts, fns.size() + 1));
  std::vector<std::vector<const llvm::GlobalValue *>> roots(numParts);
  std::vector<ModulePart> parts(numParts);
  std::vector<size_t> order(fns.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<uint64_t> cost(fns.size());
  for (size_t i = 0; i < fns.size(); ++i)
    cost[i] = instructionCount(*fns[i]);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return cost[a] > cost[b]; });
  auto lightest = [&] {
    size_t best = 0;
    for (size_t p = 1; p < numParts; ++p)
      if (parts[p].cost < parts[best].cost)
        best = p;
    return best;
  };
  bool glueDone = false;
  for (size_t i = 0; i <= order.size(); ++i) {
    bool glueNow = !glueDone && (i == order.size() || glueCost >= cost[order[i]]);
    if (glueNow) {
      size_t p = lightest();
      roots[p].insert(roots[p].end(), glueRoots.begin(), glueRoots.end());
      parts[p].cost += glueCost;
      glueDone = true;
    }
    if (i == order.size())
      break;
    size_t p = lightest();
    roots[p].push_back(fns[order[i]]);
    parts[p].cost += cost[order[i]];
    ++parts[p].kernels;
  }

  for (size_t p = 0; p < numParts; ++p) {
    // Each part's own kernels are its roots; another part's kernels are
    // declarations in it.
    llvm::SmallPtrSet<const llvm::GlobalValue *, 32> others = kernelSet;
    for (const llvm::GlobalValue *r : roots[p])
      others.erase(r);
    auto keep = reachableFrom(roots[p], others);
    llvm::ValueToValueMapTy vmap;
    std::unique_ptr<llvm::Module> part =
        llvm::CloneModule(m, vmap, [&](const llvm::GlobalValue *gv) {
          return keep.count(gv) != 0;
        });
    part->setModuleIdentifier(prefix + ".part" + std::to_string(p));
    // Library code not reached stays behind as declarations of internal
    // names: drop them.
    dropUnusedDeclarations(*part);
    llvm::raw_svector_ostream os(parts[p].bitcode);
    llvm::WriteBitcodeToFile(*part, os);
  }
  return parts;
}

bool compileParts(const std::vector<ModulePart> &parts, const Target &mainTarget,
                  const std::string &cpu,
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
      auto buf = llvm::MemoryBuffer::getMemBuffer(
          llvm::StringRef(part.bitcode.data(), part.bitcode.size()), "part",
          false);
      auto mod = llvm::parseBitcodeFile(buf->getMemBufferRef(), ctx);
      if (!mod) {
        fail("cannot read back a module part: " +
             llvm::toString(mod.takeError()));
        return;
      }
      auto t0 = Clock::now();
      if (optLevel > 0)
        optimizeModule(**mod, *target, optLevel);
      auto t1 = Clock::now();
      if (!emitMachineCode(**mod, *target, FileKind::Object,
                           objects[order[i]], err)) {
        fail(err);
        return;
      }
      auto t2 = Clock::now();
      std::lock_guard<std::mutex> lock(mu);
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
