//===- Emit.cpp - Object code, assembly and shared objects
//-----------------===//
#include "compiler/cpu/Emit.h"

#include <llvm/ADT/SmallPtrSet.h>
#include <llvm/ADT/SmallString.h>
#include <llvm/Analysis/AliasAnalysis.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Passes/StandardInstrumentations.h>
#include <llvm/Support/CommandLine.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/Process.h>
#include <llvm/Support/Program.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Transforms/Utils/Cloning.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace cnnc::cpu {

void optimizeModule(llvm::Module &m, const Target &target, int optLevel) {
  llvm::PipelineTuningOptions pto;
  pto.LoopVectorization = true;
  pto.SLPVectorization = true;
  pto.LoopUnrolling = true;
  static bool parsed = [] {
    const char *argv[] = {"cnnc"};
    llvm::cl::ParseCommandLineOptions(1, argv, "", &llvm::errs(),
                                      "CNNC_LLVM_OPTIONS");
    return true;
  }();
  (void)parsed;
  llvm::PassInstrumentationCallbacks pic;
  llvm::StandardInstrumentations si(false);
  llvm::PassBuilder pb(target.machine.get(), pto, llvm::None, &pic);
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  fam.registerPass([&] { return pb.buildDefaultAAPipeline(); });
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  si.registerCallbacks(pic, &fam);
  // cnnc's -O3 runs LLVM's O2 pipeline: the kernels are vectorised and
  // register-tiled by hand, and O3's additions (more aggressive unrolling
  // and inlining, argument promotion) made none of ResNet-18/50,
  // MobileNetV2, EfficientNet-B0 or DenseNet-121 faster (min of 20-30
  // runs, alternated: within +-1%) while costing 5-10% of compile time.
  llvm::OptimizationLevel level = optLevel <= 1 ? llvm::OptimizationLevel::O1
                                                : llvm::OptimizationLevel::O2;
  // buildModule already dropped the library's unused kernels, so the
  // pipeline spends its time on the specialised clones only.
  llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(level);
  mpm.run(m, mam);
}

bool emitMachineCode(llvm::Module &m, const Target &target, FileKind kind,
                     llvm::SmallVectorImpl<char> &out, std::string &error) {
  return host::emitMachineCode(m, *target.machine, kind, out, error);
}

llvm::SmallPtrSet<const llvm::GlobalValue *, 16>
reachableFrom(llvm::ArrayRef<const llvm::GlobalValue *> roots,
              const llvm::SmallPtrSetImpl<const llvm::GlobalValue *> &stop) {
  llvm::SmallPtrSet<const llvm::GlobalValue *, 16> seen;
  llvm::SmallPtrSet<const llvm::Constant *, 32> visitedConsts;
  std::vector<const llvm::GlobalValue *> work(roots.begin(), roots.end());
  std::vector<const llvm::Constant *> consts;
  auto use = [&](const llvm::Value *v) {
    if (auto *gv = llvm::dyn_cast<llvm::GlobalValue>(v))
      work.push_back(gv);
    else if (auto *c = llvm::dyn_cast<llvm::Constant>(v))
      consts.push_back(c);
  };
  while (!work.empty() || !consts.empty()) {
    if (!consts.empty()) {
      const llvm::Constant *c = consts.back();
      consts.pop_back();
      if (visitedConsts.insert(c).second)
        for (const llvm::Value *op : c->operands())
          use(op);
      continue;
    }
    const llvm::GlobalValue *gv = work.back();
    work.pop_back();
    if (stop.count(gv) || !seen.insert(gv).second)
      continue;
    if (auto *var = llvm::dyn_cast<llvm::GlobalVariable>(gv)) {
      if (var->hasInitializer())
        use(var->getInitializer());
    } else if (auto *f = llvm::dyn_cast<llvm::Function>(gv)) {
      for (const llvm::BasicBlock &bb : *f)
        for (const llvm::Instruction &i : bb)
          for (const llvm::Value *op : i.operands())
            use(op);
    }
  }
  return seen;
}

std::unique_ptr<llvm::Module> extractFunction(const llvm::Module &m,
                                              const std::string &name) {
  const llvm::Function *root = m.getFunction(name);
  if (!root || root->isDeclaration())
    return nullptr;
  const llvm::GlobalValue *roots[] = {root};
  auto keep = reachableFrom(roots, llvm::SmallPtrSet<const llvm::GlobalValue *, 1>());
  llvm::ValueToValueMapTy vmap;
  std::unique_ptr<llvm::Module> out =
      llvm::CloneModule(m, vmap, [&](const llvm::GlobalValue *gv) {
        return keep.count(gv) != 0;
      });
  out->setModuleIdentifier(name);
  llvm::Function *f = out->getFunction(name);
  f->setLinkage(llvm::GlobalValue::ExternalLinkage);
  f->setVisibility(llvm::GlobalValue::DefaultVisibility);
  // Drop what nothing in the kernel refers to: the other functions and
  // globals (now declarations), and aliases of code left out.
  for (llvm::GlobalAlias &a : llvm::make_early_inc_range(out->aliases()))
    a.eraseFromParent();
  bool erased = true;
  while (erased) {
    erased = false;
    for (llvm::Function &g : llvm::make_early_inc_range(*out))
      if (g.isDeclaration() && g.use_empty()) {
        g.eraseFromParent();
        erased = true;
      }
    for (llvm::GlobalVariable &g : llvm::make_early_inc_range(out->globals()))
      if (g.isDeclaration() && g.use_empty()) {
        g.eraseFromParent();
        erased = true;
      }
  }
  return out;
}

std::string printModule(const llvm::Module &m) {
  std::string s;
  llvm::raw_string_ostream os(s);
  m.print(os, nullptr);
  return os.str();
}

} // namespace cnnc::cpu
