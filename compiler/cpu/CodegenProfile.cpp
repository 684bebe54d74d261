//===- CodegenProfile.cpp - Per-kernel timing in the run function ---------===//
//
// With `cnnc --profile` the run function reads a clock around every kernel
// call and adds the elapsed seconds to ctx->profile_seconds (or its own
// scratch); the descriptor lists what each call computes. Without it none
// of this code is generated.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/ModuleBuilder.h"

#include <llvm/IR/Constants.h>

namespace cnnc::cpu {

/// double cnnc.clock(): CLOCK_MONOTONIC in seconds, from libc's
/// clock_gettime (struct timespec is two 64-bit fields on x86-64 Linux).
llvm::Function *ModuleBuilder::buildClock() {
  auto *tsTy = llvm::StructType::get(Ctx, {I64, I64});
  llvm::FunctionCallee gettime = M->getOrInsertFunction(
      "clock_gettime",
      llvm::FunctionType::get(I32, {I32, tsTy->getPointerTo()}, false));
  auto *f = llvm::Function::Create(
      llvm::FunctionType::get(B.getDoubleTy(), false),
      llvm::GlobalValue::InternalLinkage, "cnnc.clock", *M);
  B.SetInsertPoint(llvm::BasicBlock::Create(Ctx, "entry", f));
  llvm::Value *ts = B.CreateAlloca(tsTy);
  constexpr int32_t kClockMonotonic = 1;
  B.CreateCall(gettime, {B.getInt32(kClockMonotonic), ts});
  llvm::Value *sec = B.CreateLoad(I64, B.CreateStructGEP(tsTy, ts, 0));
  llvm::Value *nsec = B.CreateLoad(I64, B.CreateStructGEP(tsTy, ts, 1));
  B.CreateRet(
      B.CreateFAdd(B.CreateSIToFP(sec, B.getDoubleTy()),
                   B.CreateFMul(B.CreateSIToFP(nsec, B.getDoubleTy()),
                                llvm::ConstantFP::get(B.getDoubleTy(), 1e-9))));
  return f;
}

/// The array the run adds call times to: ctx->profile_seconds when the
/// caller gave one, else the run's own scratch.
llvm::Value *ModuleBuilder::profileBase(llvm::Value *ctx,
                                        llvm::Value *scratch) {
  llvm::BasicBlock *from = B.GetInsertBlock();
  llvm::Function *run = from->getParent();
  auto *load = llvm::BasicBlock::Create(Ctx, "profile_ctx", run);
  auto *join = llvm::BasicBlock::Create(Ctx, "profile", run);
  B.CreateCondBr(B.CreateIsNotNull(ctx), load, join);
  B.SetInsertPoint(load);
  llvm::Value *given =
      B.CreateLoad(DoublePtr, B.CreateStructGEP(ExecCtxTy, ctx, 4));
  B.CreateBr(join);
  B.SetInsertPoint(join);
  llvm::PHINode *p = B.CreatePHI(DoublePtr, 2);
  p->addIncoming(
      llvm::ConstantPointerNull::get(llvm::cast<llvm::PointerType>(DoublePtr)),
      from);
  p->addIncoming(given, load);
  return B.CreateSelect(B.CreateIsNotNull(p), p,
                        B.CreateBitCast(scratch, DoublePtr));
}

/// base[index] += clock() - start.
void ModuleBuilder::addElapsed(llvm::Value *base, size_t index,
                               llvm::Value *start) {
  llvm::Value *elapsed = B.CreateFSub(B.CreateCall(Clock), start);
  llvm::Value *slot =
      B.CreateConstInBoundsGEP1_64(B.getDoubleTy(), base, uint64_t(index));
  B.CreateStore(B.CreateFAdd(B.CreateLoad(B.getDoubleTy(), slot), elapsed),
                slot);
}

llvm::Constant *ModuleBuilder::internedString(const std::string &s) {
  llvm::Constant *&c = Strings[s];
  if (!c)
    c = cString(s, Opts.name + ".str");
  return c;
}

/// cnnc_profile_entry[calls]: what each kernel call computes.
llvm::Constant *ModuleBuilder::profileTable(llvm::StructType *entryTy) {
  std::vector<llvm::Constant *> entries;
  for (const KernelCall &c : lowered().calls())
    entries.push_back(llvm::ConstantStruct::get(
        entryTy, {internedString(kernelLabel(c.node)),
                  internedString(libraryKernelName(c.kernel, T.info)),
                  internedString(c.node ? c.node->loc().str() : ""),
                  B.getInt64(uint64_t(c.flops))}));
  auto *arrTy = llvm::ArrayType::get(entryTy, entries.size());
  auto *gv = new llvm::GlobalVariable(
      *M, arrTy, true, llvm::GlobalValue::PrivateLinkage,
      llvm::ConstantArray::get(arrTy, entries), Opts.name + ".profile");
  return llvm::ConstantExpr::getBitCast(gv, entryTy->getPointerTo());
}

} // namespace cnnc::cpu
