//===- Codegen.cpp - LLVM module of a lowered model ----------------------===//
//
// The members of ModuleBuilder (ModuleBuilder.h) but the profiling ones,
// which are in CodegenProfile.cpp, and those building kernel bodies, in
// CodegenKernels.cpp; and buildModule, which runs it.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/Codegen.h"
#include "compiler/cpu/ModuleBuilder.h"

#include "cnnc/abi.h"
#include "compiler/cpu/KernelLibrary.h"
#include "compiler/cpu/Specialise.h"
#include "compiler/host/Descriptor.h"
#include "ir/Epilogue.h"
#include "ir/Summary.h"

#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Transforms/IPO/GlobalDCE.h>

#include <fmt/format.h>

#include <map>

namespace cnnc::cpu {

std::string libraryKernelName(KernelId id, const TargetInfo &target) {
  const KernelInfo &info = kernelInfo(id);
  std::string name = info.name;
  if (info.vectorised)
    name += "_v" + std::to_string(target.vectorWidth);
  return name;
}


namespace {

/// Calls with less work than this (an estimate in FLOPs, ~10 us on one
/// core) run on the caller's thread: handing them to the pool costs more
/// than it saves.
constexpr double kMinParallelFlops = 2e5;

/// A name usable inside an LLVM symbol: [A-Za-z0-9_.] only.
std::string symbolSafe(const std::string &s) {
  std::string r;
  for (char c : s)
    r += (isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  return r;
}

} // namespace

bool ModuleBuilder::loadKernels(std::string &error, bool lazy) {
  std::string_view bc = kernelBitcode();
  // The embedded bitcode lives as long as cnnc: a lazy module may read
  // function bodies from it later.
  llvm::MemoryBufferRef ref(llvm::StringRef(bc.data(), bc.size()),
                            "cnnc_kernels.bc");
  auto mod = lazy ? llvm::getLazyBitcodeModule(ref, Ctx)
                  : llvm::parseBitcodeFile(ref, Ctx);
  if (!mod) {
    error = "cannot read the embedded kernel bitcode: " +
            llvm::toString(mod.takeError());
    return false;
  }
  M = std::move(*mod);
  M->setModuleIdentifier(Opts.name);
  M->setSourceFileName(Opts.name);
  M->setTargetTriple(T.info.triple);
  M->setDataLayout(T.machine->createDataLayout());
  // Nothing of the library is exported: unused kernels are dropped by -O3.
  for (const char *keep : {"llvm.used", "llvm.compiler.used"})
    if (llvm::GlobalVariable *gv = M->getGlobalVariable(keep))
      gv->eraseFromParent();
  // Nor shared with another model: no comdat, or the linker would keep one
  // copy for two models built for different CPUs.
  for (llvm::Function &f : *M)
    if (!f.isDeclaration()) {
      f.setLinkage(llvm::GlobalValue::InternalLinkage);
      f.setComdat(nullptr);
    }
  for (llvm::GlobalVariable &gv : M->globals())
    if (!gv.isDeclaration()) {
      gv.setLinkage(llvm::GlobalValue::InternalLinkage);
      gv.setComdat(nullptr);
    }
  M->getComdatSymbolTable().clear();
  return true;
}

llvm::Function *ModuleBuilder::specialise(const KernelCall &call, size_t index,
                                          bool &shared, std::string &error) {
  const KernelInfo &info = kernelInfo(call.kernel);
  std::string library = libraryKernelName(call.kernel, T.info);
  std::string sym = "cnnk_" + library;
  // Shared when a call with other parameters has the same shaping ones
  // (Specialise.h); identical calls share a fully specialised body.
  CloneKey sharedKey{sym, shapingKey(call.kernel, call.params)};
  shared = Opts.shareKernels &&
           !runtimeParams(call.kernel, call.params).empty() &&
           ShapingGroups[sharedKey].size() >= 2;
  CloneKey key = shared ? sharedKey : CloneKey{sym, call.params};
  std::map<CloneKey, llvm::Function *> &clones =
      shared ? SharedClones : Clones;
  auto it = clones.find(key);
  if (it != clones.end()) {
    Kernels[KernelIndex[it->second]].calls.push_back(index);
    return it->second;
  }
  llvm::Function *f = M->getFunction(sym);
  if (!f || f->isDeclaration() || f->arg_size() != 4) {
    error = fmt::format("kernel '{}' is missing from the kernel library", sym);
    return nullptr;
  }
  if (call.params.size() != info.paramsSize) {
    error = fmt::format("kernel '{}' given {} parameter bytes, expects {}", sym,
                        call.params.size(), info.paramsSize);
    return nullptr;
  }
  std::string label = std::string(info.name) + "." +
                      symbolSafe(call.node ? call.node->name() : "out");
  llvm::Function *clone;
  if (Opts.deferKernels) {
    // Declared here, built by buildKernelModule (or buildJobsHere).
    clone = llvm::Function::Create(TaskFnTy, llvm::GlobalValue::ExternalLinkage,
                                   Opts.name + ".k." + label +
                                       (shared ? ".shared" : ""),
                                   *M);
    clone->setVisibility(llvm::GlobalValue::HiddenVisibility);
    Jobs.push_back({clone->getName().str(), sym, call.kernel, shared,
                    call.params, label, costOf(f)});
  } else {
    clone = makeClone(f, call.kernel, call.params, shared, label);
  }
  clones[key] = clone;
  KernelIndex[clone] = Kernels.size();
  Kernels.push_back({clone->getName().str(), library, {index}});
  return clone;
}

/// cnnc.dispatch(ctx, fn, arg, n): the host's parallel_for when the context
/// has one and there is more than one task, else fn(arg, 0, n) inline.
llvm::Function *ModuleBuilder::buildDispatch() {
  auto *ty = llvm::FunctionType::get(
      B.getVoidTy(),
      {ExecCtxTy->getPointerTo(), TaskFnTy->getPointerTo(), I8Ptr, I64}, false);
  auto *f = llvm::Function::Create(ty, llvm::GlobalValue::InternalLinkage,
                                   "cnnc.dispatch", *M);
  // Kept out of line: inlined, its serial branch would call each kernel
  // directly and the inliner would copy every kernel into the run function
  // (twice the code, and one huge function to compile).
  f->addFnAttr(llvm::Attribute::NoInline);
  llvm::Value *ctx = f->getArg(0), *fn = f->getArg(1), *arg = f->getArg(2),
              *n = f->getArg(3);
  auto *entry = llvm::BasicBlock::Create(Ctx, "entry", f);
  auto *haveCtx = llvm::BasicBlock::Create(Ctx, "have_ctx", f);
  auto *parallel = llvm::BasicBlock::Create(Ctx, "parallel", f);
  auto *serial = llvm::BasicBlock::Create(Ctx, "serial", f);
  B.SetInsertPoint(entry);
  llvm::Value *many = B.CreateICmpSGT(n, B.getInt64(1));
  llvm::Value *nonNull = B.CreateIsNotNull(ctx);
  B.CreateCondBr(B.CreateAnd(many, nonNull), haveCtx, serial);
  B.SetInsertPoint(haveCtx);
  llvm::Value *pf = B.CreateLoad(ExecCtxTy->getElementType(0),
                                 B.CreateStructGEP(ExecCtxTy, ctx, 0));
  B.CreateCondBr(B.CreateIsNotNull(pf), parallel, serial);
  B.SetInsertPoint(parallel);
  llvm::Value *pool = B.CreateLoad(I8Ptr, B.CreateStructGEP(ExecCtxTy, ctx, 1));
  auto *pfTy = llvm::cast<llvm::FunctionType>(
      ExecCtxTy->getElementType(0)->getPointerElementType());
  B.CreateCall(pfTy, pf, {pool, n, fn, arg});
  B.CreateRetVoid();
  B.SetInsertPoint(serial);
  B.CreateCall(TaskFnTy, fn, {arg, B.getInt64(0), n});
  B.CreateRetVoid();
  return f;
}

llvm::Value *ModuleBuilder::bufferPtr(const Buffer &b, llvm::Value *inputs,
                                      llvm::Value *outputs, llvm::Value *ws,
                                      llvm::Value *weights) {
  switch (b.kind) {
  case Buffer::Input:
    return B.CreateLoad(I8Ptr, B.CreateConstGEP1_64(I8Ptr, inputs, b.index));
  case Buffer::Output:
    return B.CreateLoad(I8Ptr, B.CreateConstGEP1_64(I8Ptr, outputs, b.index));
  case Buffer::Workspace:
    return B.CreateConstInBoundsGEP1_64(I8, ws, uint64_t(b.offset));
  case Buffer::Weights:
    return B.CreateConstInBoundsGEP1_64(I8, weights, uint64_t(b.offset));
  }
  return nullptr;
}

/// i32 run(const void *const *inputs, void *const *outputs, void *workspace,
///         const cnnc_exec_ctx *ctx)
llvm::Function *ModuleBuilder::buildRun(std::string &error) {
  llvm::Function *dispatch = buildDispatch();
  if (Opts.profile)
    Clock = buildClock();
  auto *ty =
      llvm::FunctionType::get(I32,
                              {I8Ptr->getPointerTo(), I8Ptr->getPointerTo(),
                               I8Ptr, ExecCtxTy->getPointerTo()},
                              false);
  auto *run = llvm::Function::Create(ty, llvm::GlobalValue::InternalLinkage,
                                     Opts.name + ".run", *M);
  llvm::Value *inputs = run->getArg(0), *outputs = run->getArg(1),
              *ws = run->getArg(2), *ctx = run->getArg(3);
  auto *entry = llvm::BasicBlock::Create(Ctx, "entry", run);
  B.SetInsertPoint(entry);

  // Slot 0 holds the parameters of a shared kernel body, the kernel's
  // buffers follow: the kernel gets &slots[1] (Specialise.h).
  size_t maxBufs = 1;
  for (const KernelCall &c : lowered().calls()) {
    maxBufs = std::max(maxBufs, c.buffers.size());
    ShapingGroups[{"cnnk_" + libraryKernelName(c.kernel, T.info),
                   shapingKey(c.kernel, c.params)}]
        .insert(c.params);
  }
  auto *slotsTy = llvm::ArrayType::get(I8Ptr, maxBufs + 1);
  llvm::Value *slots = B.CreateAlloca(slotsTy, nullptr, "bufs");
  // Where the times go when the caller gives no profile array.
  size_t numCalls = lowered().calls().size();
  llvm::Value *scratch =
      Opts.profile
          ? B.CreateAlloca(llvm::ArrayType::get(B.getDoubleTy(), numCalls),
                           nullptr, "profile_scratch")
          : nullptr;

  llvm::Value *weights = nullptr;
  if (Opts.externalWeights) {
    // The weights come from the context; without them, fail cleanly.
    auto *load = llvm::BasicBlock::Create(Ctx, "load_weights", run);
    auto *fail = llvm::BasicBlock::Create(Ctx, "no_weights", run);
    auto *body = llvm::BasicBlock::Create(Ctx, "body", run);
    B.CreateCondBr(B.CreateIsNotNull(ctx), load, fail);
    B.SetInsertPoint(fail);
    B.CreateRet(B.getInt32(CNNC_RUN_NO_WEIGHTS));
    B.SetInsertPoint(load);
    weights = B.CreateLoad(I8Ptr, B.CreateStructGEP(ExecCtxTy, ctx, 3));
    B.CreateCondBr(B.CreateIsNotNull(weights), body, fail);
    B.SetInsertPoint(body);
  } else if (Opts.weightsObject) {
    auto *ty = llvm::ArrayType::get(I8, lowered().weights().size());
    auto *gv = new llvm::GlobalVariable(*M, ty, true,
                                        llvm::GlobalValue::ExternalLinkage,
                                        nullptr, Opts.name + ".weights");
    gv->setVisibility(llvm::GlobalValue::HiddenVisibility);
    gv->setAlignment(llvm::Align(64));
    weights = B.CreateBitCast(gv, I8Ptr);
  } else {
    const WeightBlob &bytes = lowered().weights();
    auto *init = llvm::ConstantDataArray::get(
        Ctx, llvm::ArrayRef<uint8_t>(bytes.data(), bytes.size()));
    auto *gv = new llvm::GlobalVariable(*M, init->getType(), true,
                                        llvm::GlobalValue::InternalLinkage,
                                        init, Opts.name + ".weights");
    gv->setAlignment(llvm::Align(64));
    weights = B.CreateBitCast(gv, I8Ptr);
  }

  llvm::Value *profile = scratch ? profileBase(ctx, scratch) : nullptr;
  for (size_t ci = 0; ci < numCalls; ++ci) {
    const KernelCall &c = lowered().calls()[ci];
    bool shared = false;
    llvm::Function *k = specialise(c, ci, shared, error);
    if (!k)
      return nullptr;
    if (shared) {
      auto *init = llvm::ConstantDataArray::get(
          Ctx, llvm::ArrayRef<uint8_t>(c.params.data(), c.params.size()));
      auto *params = new llvm::GlobalVariable(
          *M, init->getType(), /*isConstant=*/true,
          llvm::GlobalValue::PrivateLinkage, init,
          "cnnk.params." + k->getName() + "." + std::to_string(ci));
      params->setAlignment(llvm::Align(8));
      B.CreateStore(B.CreateBitCast(params, I8Ptr),
                    B.CreateConstInBoundsGEP2_64(slotsTy, slots, 0, 0));
    }
    for (size_t i = 0; i < c.buffers.size(); ++i) {
      llvm::Value *p = bufferPtr(c.buffers[i], inputs, outputs, ws, weights);
      B.CreateStore(p, B.CreateConstInBoundsGEP2_64(slotsTy, slots, 0, i + 1));
    }
    llvm::Value *bufs = B.CreateConstInBoundsGEP2_64(slotsTy, slots, 0, 1);
    llvm::Value *arg = B.CreateBitCast(bufs, I8Ptr);
    llvm::Value *start = profile ? B.CreateCall(Clock) : nullptr;
    if (c.flops > 0 && c.flops < kMinParallelFlops)
      B.CreateCall(k, {B.CreateBitCast(bufs, k->getArg(0)->getType()),
                       B.getInt64(0), B.getInt64(c.tasks)});
    else
      B.CreateCall(dispatch, {ctx, B.CreateBitCast(k, TaskFnTy->getPointerTo()),
                              arg, B.getInt64(c.tasks)});
    if (profile)
      addElapsed(profile, ci, start);
  }
  B.CreateRet(B.getInt32(CNNC_RUN_OK));
  return run;
}

llvm::Constant *ModuleBuilder::cString(const std::string &s,
                                       const std::string &name) {
  return host::privateString(*M, s, name);
}

void ModuleBuilder::buildDescriptor(llvm::Function *run) {
  host::DescriptorParts d;
  d.name = Opts.name;
  d.target = T.info.cpu;
  d.features = T.requiredFeatures;
  d.graph = &graph();
  d.workspaceBytes = lowered().workspaceBytes();
  d.externalWeights = Opts.externalWeights;
  d.weightsFile = Opts.weightsFile;
  d.weightsBytes = lowered().weights().size();
  d.weightsHash = Opts.weightsHash;
  d.run = run;
  if (Opts.profile) {
    d.profile = profileTable(host::profileEntryType(Ctx));
    d.profiled = int32_t(lowered().calls().size());
  }
  d.device = CNNC_DEVICE_CPU;
  // The embedded weights (the global the run function reads), for
  // cnnrt_verify_weights.
  if (llvm::GlobalVariable *w = M->getNamedGlobal(Opts.name + ".weights");
      w && !Opts.externalWeights)
    d.embeddedWeights = w;
  d.genericEntry = Opts.genericEntry;
  host::buildDescriptor(*M, d);
}

/// Removes the library's functions and globals nothing refers to (the
/// kernels no call uses, and what only they used).
void ModuleBuilder::dropUnusedLibraryCode() {
  llvm::ModulePassManager mpm;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb;
  pb.registerModuleAnalyses(mam);
  mpm.addPass(llvm::GlobalDCEPass());
  mpm.run(*M, mam);
}

/// Code generation obeys each function's target-cpu/target-features, not
/// the TargetMachine: stamp the target on every function.
void ModuleBuilder::stampTarget() {
  for (llvm::Function &f : *M) {
    if (f.isDeclaration())
      continue;
    f.addFnAttr("target-cpu", T.info.cpu);
    f.addFnAttr("target-features", T.info.features);
    f.removeFnAttr("tune-cpu");
    f.addFnAttr(llvm::Attribute::NoUnwind);
    // Spill slots of 32/64-byte vectors are aligned accesses; LLVM 14
    // otherwise assumed an aligned incoming stack in internal fastcc
    // functions (micro-kernels calling libm in their epilogue) and faulted.
    f.addFnAttr("stackrealign");
    if (T.info.vectorWidth == 16) {
      f.addFnAttr("prefer-vector-width", "512");
      f.addFnAttr("min-legal-vector-width", "512");
    }
  }
}

std::unique_ptr<llvm::Module> ModuleBuilder::finish(std::string &error) {
  dropUnusedLibraryCode();
  stampTarget();
  std::string msg;
  llvm::raw_string_ostream os(msg);
  if (llvm::verifyModule(*M, &os)) {
    error = "generated module is broken: " + os.str();
    return nullptr;
  }
  return std::move(M);
}

std::unique_ptr<llvm::Module> ModuleBuilder::build(std::string &error) {
  if (!loadKernels(error))
    return nullptr;
  llvm::Function *run = buildRun(error);
  if (!run)
    return nullptr;
  buildDescriptor(run);
  uint64_t cost = 0;
  for (const KernelJob &job : Jobs)
    cost += job.cost;
  if (!Jobs.empty() && cost < Opts.deferMinCost && !buildJobsHere(error))
    return nullptr;
  return finish(error);
}

std::unique_ptr<llvm::Module>
buildModule(llvm::LLVMContext &llvmCtx, const Graph &g, LowerCtx &lowered,
            const Target &target, const CodegenOptions &opts,
            std::string &error, std::vector<SpecialisedKernel> *kernels,
            std::vector<KernelJob> *jobs) {
  ModuleBuilder mb(llvmCtx, &g, &lowered, target, opts);
  std::unique_ptr<llvm::Module> m = mb.build(error);
  if (m && kernels)
    *kernels = mb.kernels();
  if (m && jobs)
    *jobs = mb.jobs();
  return m;
}

} // namespace cnnc::cpu
