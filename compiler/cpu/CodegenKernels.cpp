//===- CodegenKernels.cpp - Specialised kernel bodies ----------------------===//
//
// The members of ModuleBuilder (ModuleBuilder.h) that build kernel bodies
// from the kernel library: a clone per (kernel, parameters), flattened with
// its parameters folded (every one, or the shaping ones of a shared body,
// Specialise.h), and the module of deferred kernels a worker thread builds
// (buildKernelModule, Parallel.h). Codegen.cpp builds the model's module
// around them.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/Codegen.h"
#include "compiler/cpu/ModuleBuilder.h"

#include "compiler/cpu/Emit.h"
#include "compiler/cpu/Specialise.h"

#include <llvm/Analysis/ConstantFolding.h>
#include <llvm/Analysis/ValueTracking.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Transforms/Scalar/SCCP.h>
#include <llvm/Transforms/Scalar/SROA.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>
#include <llvm/Transforms/Utils/Cloning.h>
#include <llvm/Transforms/Utils/Mem2Reg.h>

#include <fmt/format.h>

namespace cnnc::cpu {

/// The LLVM instructions of `f` and the library code it reaches: the size
/// of what its clone will be, for balancing the parts.
uint64_t ModuleBuilder::costOf(llvm::Function *f) {
  auto it = Costs.find(f);
  if (it != Costs.end())
    return it->second;
  const llvm::GlobalValue *roots[] = {f};
  uint64_t n = 0;
  for (const llvm::GlobalValue *gv :
       reachableFrom(roots, llvm::SmallPtrSet<const llvm::GlobalValue *, 1>()))
    if (auto *fn = llvm::dyn_cast<llvm::Function>(gv))
      for (const llvm::BasicBlock &bb : *fn)
        n += bb.size();
  return Costs[f] = n;
}

/// The body of library kernel `f` specialised for `params`: every
/// parameter constant, or (shared) the shaping ones, the rest read from
/// bufs[-1]. Internal, named "k.<label>[.shared]".
llvm::Function *ModuleBuilder::makeClone(llvm::Function *f, KernelId kernel,
                                         const std::vector<uint8_t> &bytes,
                                         bool shared,
                                         const std::string &label) {
  if (f->isMaterializable())
    llvm::cantFail(f->materialize());
  auto *init = llvm::ConstantDataArray::get(
      Ctx, llvm::ArrayRef<uint8_t>(bytes.data(), bytes.size()));
  llvm::Function *clone;
  if (!shared) {
    auto *params = new llvm::GlobalVariable(
        *M, init->getType(), /*isConstant=*/true,
        llvm::GlobalValue::InternalLinkage, init, "cnnk.params." + label);
    params->setAlignment(llvm::Align(8));
    params->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
    llvm::ValueToValueMapTy vmap;
    vmap[f->getArg(0)] =
        llvm::ConstantExpr::getBitCast(params, f->getArg(0)->getType());
    clone = llvm::CloneFunction(f, vmap);
    clone->setName("k." + label);
    clone->setLinkage(llvm::GlobalValue::InternalLinkage);
    flatten(*clone);
  } else {
    // A task function that reads its parameters from bufs[-1] and calls
    // the library kernel; flattening inlines the kernel and folds the
    // shaping parameters, leaving loads of the others.
    clone = llvm::Function::Create(TaskFnTy, llvm::GlobalValue::InternalLinkage,
                                   "k." + label + ".shared", *M);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(Ctx, "entry", clone));
    llvm::Value *slots = b.CreateBitCast(clone->getArg(0), I8Ptr->getPointerTo());
    llvm::Value *base =
        b.CreateLoad(I8Ptr, b.CreateConstGEP1_64(I8Ptr, slots, -1), "params");
    b.CreateCall(f, {b.CreateBitCast(base, f->getArg(0)->getType()),
                     b.CreateBitCast(clone->getArg(0), f->getArg(1)->getType()),
                     clone->getArg(1), clone->getArg(2)});
    b.CreateRetVoid();
    // The params are dereferenceable, aligned and constant: loads of them
    // may be hoisted out of any loop or branch.
    auto md = [&](uint64_t v) {
      return llvm::MDNode::get(
          Ctx, {llvm::ConstantAsMetadata::get(B.getInt64(v))});
    };
    llvm::cast<llvm::LoadInst>(base)->setMetadata(
        llvm::LLVMContext::MD_dereferenceable, md(bytes.size()));
    llvm::cast<llvm::LoadInst>(base)->setMetadata(
        llvm::LLVMContext::MD_align, md(8));
    llvm::cast<llvm::LoadInst>(base)->setMetadata(
        llvm::LLVMContext::MD_nonnull, llvm::MDNode::get(Ctx, {}));
    SharedParams sp{base, init, constantMask(kernel, bytes)};
    flatten(*clone, &sp);
    markParamsInvariant(*clone, base);
  }
  clone->addFnAttr(llvm::Attribute::NoInline);
  return clone;
}

/// Builds the deferred kernels in this module after all (a small model:
/// one module compiles faster than parts): each declaration gets its body.
bool ModuleBuilder::buildJobsHere(std::string &error) {
  for (const KernelJob &job : Jobs) {
    llvm::Function *f = M->getFunction(job.library);
    llvm::Function *decl = M->getFunction(job.function);
    if (!f || !decl) {
      error = fmt::format("kernel '{}' is missing", job.library);
      return false;
    }
    llvm::Function *clone =
        makeClone(f, job.kernel, job.params, job.shared, job.label);
    // A full clone keeps the library kernel's argument types, the
    // declaration has the task function's: the same ABI.
    decl->replaceAllUsesWith(
        llvm::ConstantExpr::getBitCast(clone, decl->getType()));
    decl->eraseFromParent();
    clone->setName(job.function);
    clone->setLinkage(llvm::GlobalValue::InternalLinkage);
  }
  Jobs.clear();
  return true;
}

/// Inlines every call of a library function into `f`, transitively, so the
/// constant parameters reach all of the kernel's code: left to itself, the
/// inliner keeps a large template shared by several clones out of line,
/// and that shared copy sees no constants. Functions the library marks
/// noinline (micro-kernels, whose shape is in their template arguments)
/// stay shared, to bound code size; but those named "cnnkInlineInClone"
/// (out of line only for the shared micro-kernels) are inlined.
void ModuleBuilder::flatten(llvm::Function &f, const SharedParams *sp) {
  for (int depth = 0; depth < 16; ++depth) {
    std::vector<llvm::CallBase *> calls;
    for (llvm::BasicBlock &bb : f)
      for (llvm::Instruction &i : bb)
        if (auto *cb = llvm::dyn_cast<llvm::CallBase>(&i))
          if (llvm::Function *callee = cb->getCalledFunction())
            if (!callee->isDeclaration() && callee != &f &&
                (!callee->hasFnAttribute(llvm::Attribute::NoInline) ||
                 callee->getName().contains("cnnkInlineInClone")))
              calls.push_back(cb);
    if (calls.empty())
      return;
    for (llvm::CallBase *cb : calls) {
      llvm::Function *callee = cb->getCalledFunction();
      if (callee->isMaterializable())
        llvm::cantFail(callee->materialize());
      llvm::InlineFunctionInfo info;
      (void)llvm::InlineFunction(*cb, info);
    }
    foldParams(f, sp);
  }
}

/// Folds what the constant parameters decide before the next inlining
/// round: the library's unoptimised code keeps its arguments in stack slots
/// (promoted to registers first), then the loads from the params global,
/// the branches and switches on them; the blocks no longer reached go. The
/// activation switch of an epilogue then inlines only the case the kernel
/// uses, not every activation's vector code for -O3 to delete at far
/// greater cost.
void ModuleBuilder::foldParams(llvm::Function &f, const SharedParams *sp) {
  llvm::FunctionAnalysisManager fam;
  llvm::PassBuilder pb;
  pb.registerFunctionAnalyses(fam);
  auto run = [&](auto pass) {
    llvm::FunctionPassManager fpm;
    fpm.addPass(std::move(pass));
    fpm.run(f, fam);
    fam.clear();
  };
  run(llvm::PromotePass());
  if (sp) {
    // Struct copies of the params become loads first; then each folded
    // parameter may make another load's offset constant (an index from
    // the rank), so fold until nothing changes.
    run(llvm::SROAPass());
    for (int round = 0; round < 8 && foldSharedLoads(f, *sp); ++round)
      run(llvm::SCCPPass());
  }
  run(llvm::SCCPPass());
  run(llvm::SimplifyCFGPass());
}

/// The run-time parameters of a shared body never change while it runs:
/// its loads of them say so (!invariant.load), or LLVM, seeing them
/// through a pointer that might alias the outputs, reloads them after every
/// store and hoists nothing out of the loops.
void ModuleBuilder::markParamsInvariant(llvm::Function &f, llvm::Value *base) {
  llvm::MDNode *empty = llvm::MDNode::get(Ctx, {});
  for (llvm::BasicBlock &bb : f)
    for (llvm::Instruction &i : bb)
      if (auto *ld = llvm::dyn_cast<llvm::LoadInst>(&i))
        if (ld == base ||
            llvm::getUnderlyingObject(ld->getPointerOperand()) == base)
          ld->setMetadata(llvm::LLVMContext::MD_invariant_load, empty);
}

/// Replaces each load of a shaping parameter (a constant offset from the
/// params pointer, every byte of it constant in the mask) by its value.
/// Loads of run-time parameters, or at offsets not known here, stay.
bool ModuleBuilder::foldSharedLoads(llvm::Function &f, const SharedParams &sp) {
  const llvm::DataLayout &dl = M->getDataLayout();
  std::vector<std::pair<llvm::LoadInst *, llvm::Constant *>> folds;
  for (llvm::BasicBlock &bb : f)
    for (llvm::Instruction &i : bb) {
      auto *ld = llvm::dyn_cast<llvm::LoadInst>(&i);
      if (!ld || !ld->isSimple())
        continue;
      int64_t off = 0;
      llvm::Value *base = llvm::GetPointerBaseWithConstantOffset(
          ld->getPointerOperand(), off, dl);
      if (base != sp.base)
        continue;
      uint64_t size = dl.getTypeStoreSize(ld->getType()).getFixedSize();
      if (off < 0 || uint64_t(off) + size > sp.mask.size())
        continue;
      bool constant = true;
      for (uint64_t k = 0; k < size && constant; ++k)
        constant = sp.mask[size_t(off) + k] != 0;
      if (!constant)
        continue;
      if (llvm::Constant *c = llvm::ConstantFoldLoadFromConst(
              sp.bytes, ld->getType(), llvm::APInt(64, uint64_t(off)), dl))
        folds.push_back({ld, c});
    }
  for (auto &[ld, c] : folds) {
    ld->replaceAllUsesWith(c);
    ld->eraseFromParent();
  }
  return !folds.empty();
}

std::unique_ptr<llvm::Module>
ModuleBuilder::buildKernels(const std::vector<KernelJob> &jobs,
                            std::string &error) {
  // Lazily: a part reads the bodies of the library functions its kernels
  // reach, not the whole library.
  if (!loadKernels(error, /*lazy=*/true))
    return nullptr;
  for (const KernelJob &job : jobs) {
    llvm::Function *f = M->getFunction(job.library);
    if (!f || f->isDeclaration() || f->arg_size() != 4) {
      error = fmt::format("kernel '{}' is missing from the kernel library",
                          job.library);
      return nullptr;
    }
    llvm::Function *clone =
        makeClone(f, job.kernel, job.params, job.shared, job.label);
    clone->setName(job.function);
    clone->setLinkage(llvm::GlobalValue::ExternalLinkage);
    clone->setVisibility(llvm::GlobalValue::HiddenVisibility);
  }
  // What the clones still call (the shared micro-kernels) is read in, the
  // rest of the library dropped unread.
  for (bool more = true; more;) {
    more = false;
    for (llvm::Function &fn : *M)
      if (fn.isMaterializable() && !fn.use_empty()) {
        llvm::cantFail(fn.materialize());
        more = true;
      }
  }
  for (llvm::Function &fn : llvm::make_early_inc_range(*M))
    if (fn.isMaterializable())
      fn.eraseFromParent();
  if (llvm::Error e = M->materializeAll()) {
    error = "cannot read the embedded kernel bitcode: " +
            llvm::toString(std::move(e));
    return nullptr;
  }
  return finish(error);
}

std::unique_ptr<llvm::Module>
buildKernelModule(llvm::LLVMContext &llvmCtx, const Target &target,
                  const CodegenOptions &opts,
                  const std::vector<KernelJob> &jobs, std::string &error) {
  ModuleBuilder mb(llvmCtx, nullptr, nullptr, target, opts);
  return mb.buildKernels(jobs, error);
}

} // namespace cnnc::cpu
