//===- Descriptor.cpp - The model descriptor of the ABI -------------------===//
#include "compiler/host/Descriptor.h"

#include "cnnc/abi.h"
#include "ir/Summary.h"

#include <llvm/IR/Constants.h>
#include <llvm/IR/DerivedTypes.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/GlobalVariable.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

#include <fmt/format.h>

#include <vector>

namespace cnnc::host {

namespace {

class Builder {
public:
  explicit Builder(llvm::Module &m)
      : M(m), Ctx(m.getContext()), B(Ctx), I8Ptr(B.getInt8PtrTy()),
        I32(B.getInt32Ty()), I64(B.getInt64Ty()) {}

  llvm::Constant *null() {
    return llvm::ConstantPointerNull::get(llvm::cast<llvm::PointerType>(I8Ptr));
  }
  llvm::Constant *orNull(llvm::Constant *c) {
    return c ? llvm::ConstantExpr::getBitCast(c, I8Ptr) : null();
  }

  llvm::Constant *cString(const std::string &s, const std::string &name) {
    return privateString(M, s, name);
  }

  /// cnnc_tensor_desc entries of `values`: name, dtype, rank, shape, bytes.
  llvm::Constant *tensors(llvm::StructType *ty,
                          const std::vector<Value *> &values,
                          const std::string &name) {
    std::vector<llvm::Constant *> descs;
    for (size_t i = 0; i < values.size(); ++i) {
      const Value *v = values[i];
      const Shape &shape = v->type().shape;
      std::vector<uint64_t> dims(shape.begin(), shape.end());
      auto *dimsInit = llvm::ConstantDataArray::get(Ctx, dims);
      auto *dimsGv = new llvm::GlobalVariable(
          M, dimsInit->getType(), true, llvm::GlobalValue::PrivateLinkage,
          dimsInit, fmt::format("{}.{}.shape", name, i));
      descs.push_back(llvm::ConstantStruct::get(
          ty, {cString(v->name(), fmt::format("{}.{}.name", name, i)),
               B.getInt32(CNNC_F32), B.getInt32(int32_t(shape.size())),
               llvm::ConstantExpr::getBitCast(dimsGv, I64->getPointerTo()),
               B.getInt64(uint64_t(numElements(shape)) * sizeof(float))}));
    }
    auto *arrTy = llvm::ArrayType::get(ty, descs.size());
    auto *gv = new llvm::GlobalVariable(
        M, arrTy, true, llvm::GlobalValue::PrivateLinkage,
        llvm::ConstantArray::get(arrTy, descs), name);
    return llvm::ConstantExpr::getBitCast(gv, ty->getPointerTo());
  }

  llvm::Module &M;
  llvm::LLVMContext &Ctx;
  llvm::IRBuilder<> B;
  llvm::Type *I8Ptr, *I32, *I64;
};

} // namespace

llvm::Constant *privateString(llvm::Module &m, const std::string &s,
                              const std::string &name) {
  auto *init = llvm::ConstantDataArray::getString(m.getContext(), s, true);
  auto *gv = new llvm::GlobalVariable(m, init->getType(), true,
                                      llvm::GlobalValue::PrivateLinkage, init,
                                      name);
  gv->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
  return llvm::ConstantExpr::getBitCast(
      gv, llvm::Type::getInt8PtrTy(m.getContext()));
}

llvm::StructType *profileEntryType(llvm::LLVMContext &ctx) {
  if (auto *t = llvm::StructType::getTypeByName(ctx, "cnnc_profile_entry"))
    return t;
  auto *i8p = llvm::Type::getInt8PtrTy(ctx);
  return llvm::StructType::create(
      ctx, {i8p, i8p, i8p, llvm::Type::getInt64Ty(ctx)}, "cnnc_profile_entry");
}

void buildDescriptor(llvm::Module &m, const DescriptorParts &p) {
  Builder D(m);
  llvm::LLVMContext &ctx = m.getContext();
  auto *I8Ptr = D.I8Ptr, *I32 = D.I32, *I64 = D.I64;
  // Mirrors cnnc_tensor_desc and cnnc_model_desc of abi.h field by field.
  auto *tensorTy = llvm::StructType::create(
      ctx, {I8Ptr, I32, I32, I64->getPointerTo(), I64}, "cnnc_tensor_desc");
  auto *descTy = llvm::StructType::create(
      ctx,
      {I32, I32, I64, I8Ptr, I8Ptr, I8Ptr, I32, I32,
       tensorTy->getPointerTo(), tensorTy->getPointerTo(), I64, I8Ptr, I64,
       I64, I64, I8Ptr, I32, I8Ptr, I32, I8Ptr, I8Ptr},
      "cnnc_model_desc");
  uint64_t descBytes = m.getDataLayout().getTypeAllocSize(descTy).getFixedSize();
  // FLOPs as users compare them: two per multiply-add of the graph's
  // layers (--emit=summary's MACs), whatever the kernels do besides.
  uint64_t flops = 0;
  for (const auto &node : p.graph->nodes())
    flops += 2 * uint64_t(nodeMacs(*node));
  const std::string &n = p.name;
  llvm::Constant *weightsFile =
      p.externalWeights ? D.cString(p.weightsFile, n + ".weights_file")
                        : D.null();
  const Graph &g = *p.graph;
  auto *init = llvm::ConstantStruct::get(
      descTy,
      {D.B.getInt32(CNNC_MODEL_MAGIC),
       D.B.getInt32(CNNC_ABI_VERSION),
       D.B.getInt64(descBytes),
       D.cString(n, n + ".name"),
       D.cString(p.target, n + ".cpu"),
       D.cString(p.features, n + ".features"),
       D.B.getInt32(int32_t(g.inputs().size())),
       D.B.getInt32(int32_t(g.outputs().size())),
       D.tensors(tensorTy, g.inputs(), n + ".inputs"),
       D.tensors(tensorTy, g.outputs(), n + ".outputs"),
       D.B.getInt64(uint64_t(p.workspaceBytes)),
       weightsFile,
       D.B.getInt64(p.weightsBytes),
       D.B.getInt64(p.weightsHash),
       D.B.getInt64(flops),
       D.orNull(p.run),
       D.B.getInt32(p.profiled),
       D.orNull(p.profile),
       D.B.getInt32(p.device),
       D.orNull(p.deviceData),
       D.orNull(p.embeddedWeights)});
  auto *desc = new llvm::GlobalVariable(
      m, descTy, true, llvm::GlobalValue::InternalLinkage, init, n + ".desc");
  desc->setAlignment(llvm::Align(8));

  auto *entryTy = llvm::FunctionType::get(I8Ptr, false);
  auto makeEntry = [&](const std::string &sym) {
    auto *f = llvm::Function::Create(entryTy, llvm::GlobalValue::ExternalLinkage,
                                     sym, m);
    f->addFnAttr(llvm::Attribute::NoUnwind);
    D.B.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", f));
    D.B.CreateRet(llvm::ConstantExpr::getBitCast(desc, I8Ptr));
  };
  makeEntry(n + "_cnnc_model");
  if (p.genericEntry)
    makeEntry("cnnc_model");
}

} // namespace cnnc::host
