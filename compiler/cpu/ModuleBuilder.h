//===- ModuleBuilder.h - Builds the LLVM module of a CPU model --*- C++ -*-===//
//
// Private to the CPU backend's code generation: the state of building one
// model's module (see Codegen.h for what it produces). Its members are
// defined in Codegen.cpp, the profiling ones (--profile: the clock, the
// per-call time accumulation and the descriptor's profile table) in
// CodegenProfile.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CPU_MODULEBUILDER_H
#define CNNC_COMPILER_CPU_MODULEBUILDER_H

#include "compiler/cpu/Codegen.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

namespace cnnc::cpu {

class ModuleBuilder {
public:
  /// Builds a model's module (build) when given its graph and lowering,
  /// or only kernel bodies (buildKernels) when they are null.
  ModuleBuilder(llvm::LLVMContext &c, const Graph *g, LowerCtx *l,
                const Target &t, const CodegenOptions &o)
      : Ctx(c), GP(g), LoweredP(l), T(t), Opts(o), B(c) {
    I8 = llvm::Type::getInt8Ty(Ctx);
    I32 = llvm::Type::getInt32Ty(Ctx);
    I64 = llvm::Type::getInt64Ty(Ctx);
    I8Ptr = llvm::Type::getInt8PtrTy(Ctx);
    TaskFnTy = llvm::FunctionType::get(B.getVoidTy(), {I8Ptr, I64, I64}, false);
    auto *pfTy = llvm::FunctionType::get(
        B.getVoidTy(), {I8Ptr, I64, TaskFnTy->getPointerTo(), I8Ptr}, false);
    DoublePtr = llvm::Type::getDoublePtrTy(Ctx);
    // cnnc_exec_ctx: parallel_for, pool, num_threads, weights,
    // profile_seconds.
    ExecCtxTy = llvm::StructType::create(
        Ctx, {pfTy->getPointerTo(), I8Ptr, I32, I8Ptr, DoublePtr},
        "cnnc_exec_ctx");
  }

  std::unique_ptr<llvm::Module> build(std::string &error);
  /// The module of `jobs`' bodies (buildKernelModule).
  std::unique_ptr<llvm::Module> buildKernels(const std::vector<KernelJob> &jobs,
                                             std::string &error);
  const std::vector<SpecialisedKernel> &kernels() const { return Kernels; }
  const std::vector<KernelJob> &jobs() const { return Jobs; }

private:
  bool loadKernels(std::string &error, bool lazy = false);
  /// The parameters a shared body folds: those of the call that made it,
  /// read through `base` (its bufs[-1] slot) where `mask` is 1.
  struct SharedParams {
    llvm::Value *base;
    llvm::Constant *bytes;
    std::vector<uint8_t> mask;
  };
  llvm::Function *specialise(const KernelCall &call, size_t index,
                             bool &shared, std::string &error);
  llvm::Function *makeClone(llvm::Function *f, KernelId kernel,
                            const std::vector<uint8_t> &params, bool shared,
                            const std::string &label);
  uint64_t costOf(llvm::Function *f);
  bool buildJobsHere(std::string &error);
  /// Ends a module: drops the library code nothing reaches, stamps the
  /// target on every function and verifies; the module, or nullptr with
  /// `error` set.
  std::unique_ptr<llvm::Module> finish(std::string &error);
  void flatten(llvm::Function &f, const SharedParams *sp = nullptr);
  void foldParams(llvm::Function &f, const SharedParams *sp);
  bool foldSharedLoads(llvm::Function &f, const SharedParams &sp);
  void markParamsInvariant(llvm::Function &f, llvm::Value *base);
  llvm::Function *buildDispatch();
  llvm::Function *buildRun(std::string &error);
  llvm::Function *buildClock();
  llvm::Value *profileBase(llvm::Value *ctx, llvm::Value *scratch);
  void addElapsed(llvm::Value *base, size_t index, llvm::Value *start);
  llvm::Constant *profileTable(llvm::StructType *entryTy);
  llvm::Constant *internedString(const std::string &s);
  llvm::Value *bufferPtr(const Buffer &b, llvm::Value *inputs,
                         llvm::Value *outputs, llvm::Value *ws,
                         llvm::Value *weights);
  llvm::Constant *cString(const std::string &s, const std::string &name);
  void buildDescriptor(llvm::Function *run);
  void stampTarget();
  void dropUnusedLibraryCode();

  llvm::LLVMContext &Ctx;
  const Graph *GP;
  LowerCtx *LoweredP;
  // The graph and its lowering (build only).
  const Graph &graph() const { return *GP; }
  LowerCtx &lowered() const { return *LoweredP; }
  const Target &T;
  const CodegenOptions &Opts;
  llvm::IRBuilder<> B;
  std::unique_ptr<llvm::Module> M;
  llvm::Type *I8, *I32, *I64, *I8Ptr, *DoublePtr;
  llvm::FunctionType *TaskFnTy;
  llvm::StructType *ExecCtxTy;
  using CloneKey = std::pair<std::string, std::vector<uint8_t>>;
  /// Bodies with every parameter constant, by (kernel, params).
  std::map<CloneKey, llvm::Function *> Clones;
  /// Shared bodies, by (kernel, shaping key), and the distinct parameter
  /// sets of the calls with each shaping key (Specialise.h).
  std::map<CloneKey, llvm::Function *> SharedClones;
  std::map<CloneKey, std::set<std::vector<uint8_t>>> ShapingGroups;
  std::map<llvm::Function *, size_t> KernelIndex;
  std::vector<SpecialisedKernel> Kernels;
  std::vector<KernelJob> Jobs;               // deferKernels
  std::map<llvm::Function *, uint64_t> Costs; // of library kernels
  std::map<std::string, llvm::Constant *> Strings;
  llvm::Function *Clock = nullptr; // cnnc.clock, with --profile only
};

} // namespace cnnc::cpu

#endif
