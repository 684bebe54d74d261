//===- Artifact.cpp - The shared object of a CUDA model ------------------===//
#include "compiler/cuda/Artifact.h"
#include "compiler/host/Descriptor.h"

#include "ir/Summary.h"

#include "cnnc/abi.h"

#include <llvm/IR/Constants.h>
#include <llvm/IR/DerivedTypes.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/GlobalVariable.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <fmt/format.h>

namespace cnnc::cuda {

namespace {

/// Builds the globals of the descriptor; mirrors abi.h field by field.
class DataBuilder {
public:
  DataBuilder(llvm::LLVMContext &ctx, llvm::Module &m, std::string prefix)
      : Ctx(ctx), M(m), Prefix(std::move(prefix)),
        I8(llvm::Type::getInt8Ty(ctx)), I32(llvm::Type::getInt32Ty(ctx)),
        I64(llvm::Type::getInt64Ty(ctx)), I8Ptr(I8->getPointerTo()) {}

  llvm::Constant *i32(int64_t v) { return llvm::ConstantInt::get(I32, v); }
  llvm::Constant *i64(uint64_t v) { return llvm::ConstantInt::get(I64, v); }
  llvm::Constant *null() {
    return llvm::ConstantPointerNull::get(
        llvm::cast<llvm::PointerType>(I8Ptr));
  }

  /// A private constant global holding `init`, as an i8*.
  llvm::Constant *global(llvm::Constant *init, const std::string &name,
                         unsigned align = 8) {
    auto *gv = new llvm::GlobalVariable(M, init->getType(), true,
                                        llvm::GlobalValue::PrivateLinkage,
                                        init, Prefix + "." + name);
    gv->setAlignment(llvm::Align(align));
    return llvm::ConstantExpr::getBitCast(gv, I8Ptr);
  }
  llvm::Constant *cString(const std::string &s, const std::string &name) {
    return global(llvm::ConstantDataArray::getString(Ctx, s), name, 1);
  }
  llvm::Constant *bytes(const std::string &data, const std::string &name,
                        unsigned align) {
    return global(llvm::ConstantDataArray::get(
                      Ctx, llvm::ArrayRef<uint8_t>(
                               reinterpret_cast<const uint8_t *>(data.data()),
                               data.size())),
                  name, align);
  }
  /// An array of structs of type `ty`, as an i8*.
  llvm::Constant *array(llvm::StructType *ty,
                        const std::vector<llvm::Constant *> &elems,
                        const std::string &name) {
    if (elems.empty())
      return null();
    auto *arrTy = llvm::ArrayType::get(ty, elems.size());
    return global(llvm::ConstantArray::get(arrTy, elems), name);
  }
  llvm::Constant *pointers(const std::vector<llvm::Constant *> &elems,
                           const std::string &name) {
    auto *arrTy = llvm::ArrayType::get(I8Ptr, elems.size());
    return global(llvm::ConstantArray::get(arrTy, elems), name);
  }

  llvm::LLVMContext &Ctx;
  llvm::Module &M;
  std::string Prefix;
  llvm::Type *I8, *I32, *I64, *I8Ptr;
};

} // namespace

std::unique_ptr<llvm::Module>
buildArtifactModule(llvm::LLVMContext &llvmCtx, const Graph &g, LowerCtx &lc,
                    const Program &prog, const std::vector<Image> &images,
                    const ArtifactOptions &opts) {
  auto m = std::make_unique<llvm::Module>(opts.name, llvmCtx);
  DataBuilder D(llvmCtx, *m, opts.name);
  auto *I32 = D.I32, *I64 = D.I64, *I8Ptr = D.I8Ptr;
  auto st = [&](std::vector<llvm::Type *> fields, const char *name) {
    return llvm::StructType::create(llvmCtx, fields, name);
  };
  auto *imageTy = st({I8Ptr, I32, I8Ptr, I64}, "cnnc_cuda_image");
  auto *refTy = st({I32, I32, I64}, "cnnc_buffer_ref");
  auto *launchTy = st({I32, I32, llvm::ArrayType::get(I32, 3),
                       llvm::ArrayType::get(I32, 3), I32, I8Ptr},
                      "cnnc_cuda_launch");
  auto *moduleTy =
      st({I32, I8Ptr, I32, I8Ptr, I32, I8Ptr, I8Ptr}, "cnnc_cuda_module");
  auto *profileTy = host::profileEntryType(llvmCtx);
  // Images.
  std::vector<llvm::Constant *> imgs;
  for (size_t i = 0; i < images.size(); ++i) {
    const Image &im = images[i];
    imgs.push_back(llvm::ConstantStruct::get(
        imageTy, {D.cString(im.arch, fmt::format("image.{}.arch", i)),
                  D.i32(im.isPtx), D.bytes(im.data, "image." + im.arch, 16),
                  D.i64(im.data.size())}));
  }
  // Kernel names.
  std::vector<llvm::Constant *> names;
  for (size_t k = 0; k < prog.kernels.size(); ++k)
    names.push_back(
        D.cString(prog.kernels[k].function, fmt::format("kernel.{}", k)));
  // Launches.
  std::vector<Launch> &launches = lc.launches();
  std::vector<llvm::Constant *> ls;
  for (size_t i = 0; i < launches.size(); ++i) {
    const Launch &l = launches[i];
    std::vector<llvm::Constant *> refs;
    for (const Buffer &b : l.buffers) {
      int32_t kind = b.kind == Buffer::Input    ? CNNC_BUFFER_INPUT
                     : b.kind == Buffer::Output ? CNNC_BUFFER_OUTPUT
                     : b.kind == Buffer::Workspace
                         ? CNNC_BUFFER_WORKSPACE
                         : CNNC_BUFFER_WEIGHTS;
      int64_t index = b.kind == Buffer::Input || b.kind == Buffer::Output
                          ? b.index
                          : 0;
      refs.push_back(llvm::ConstantStruct::get(
          refTy, {D.i32(kind), D.i32(index), D.i64(uint64_t(b.offset))}));
    }
    auto dims = [&](const Dim3 &d) {
      return llvm::ConstantArray::get(
          llvm::ArrayType::get(I32, 3),
          {D.i32(d.x), D.i32(d.y), D.i32(d.z)});
    };
    ls.push_back(llvm::ConstantStruct::get(
        launchTy,
        {D.i32(int64_t(prog.launchKernel[i])), D.i32(int64_t(refs.size())),
         dims(l.grid), dims(l.block), D.i32(0),
         D.array(refTy, refs, fmt::format("launch.{}.args", i))}));
  }
  llvm::Constant *weights = D.null();
  if (!opts.externalWeights && !lc.weights().empty()) {
    const WeightBlob &w = lc.weights();
    weights = D.bytes(std::string(reinterpret_cast<const char *>(w.data()),
                                  w.size()),
                      "weights", 256);
  }
  llvm::Constant *module = D.global(
      llvm::ConstantStruct::get(
          moduleTy, {D.i32(int64_t(imgs.size())),
                     D.array(imageTy, imgs, "images"),
                     D.i32(int64_t(names.size())),
                     D.pointers(names, "kernel_names"),
                     D.i32(int64_t(ls.size())),
                     D.array(launchTy, ls, "launches"), weights}),
      "cuda");

  // Profile entries: one per launch.
  std::vector<llvm::Constant *> prof;
  if (opts.profile)
    for (size_t i = 0; i < launches.size(); ++i) {
      const Launch &l = launches[i];
      prof.push_back(llvm::ConstantStruct::get(
          profileTy,
          {D.cString(launchLabel(l), fmt::format("profile.{}.name", i)),
           D.cString(prog.kernels[prog.launchKernel[i]].function,
                     fmt::format("profile.{}.kernel", i)),
           D.cString(l.node ? l.node->loc().str() : "",
                     fmt::format("profile.{}.source", i)),
           D.i64(uint64_t(l.flops))}));
    }

  host::DescriptorParts d;
  d.name = opts.name;
  d.target = "cuda";
  d.graph = &g;
  d.workspaceBytes = lc.workspaceBytes();
  d.externalWeights = opts.externalWeights;
  d.weightsFile = opts.weightsFile;
  d.weightsBytes = lc.weights().size();
  d.weightsHash = opts.weightsHash;
  d.profile = D.array(profileTy, prof, "profile");
  d.profiled = int32_t(prof.size());
  d.device = CNNC_DEVICE_CUDA;
  d.deviceData = module;
  d.embeddedWeights = opts.externalWeights ? nullptr : weights;
  d.genericEntry = opts.genericEntry;
  host::buildDescriptor(*m, d);
  return m;
}

} // namespace cnnc::cuda
