//===- Emit.cpp - Object code, assembly and shared objects
//-----------------===//
#include "compiler/cpu/Emit.h"
#include "compiler/cpu/WeightsObject.h"

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
  llvm::raw_svector_ostream os(out);
  llvm::legacy::PassManager pm;
  auto fileType = kind == FileKind::Object ? llvm::CGFT_ObjectFile
                                           : llvm::CGFT_AssemblyFile;
  if (target.machine->addPassesToEmitFile(pm, os, nullptr, fileType)) {
    error = "the target cannot emit this file type";
    return false;
  }
  pm.run(m);
  return true;
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

LinkInput::~LinkInput() {
  os_.reset();
  if (fd_ >= 0)
    ::close(fd_);
  if (!inMemory_ && !path_.empty())
    std::remove(path_.c_str());
}

bool LinkInput::open(const std::string &name, const std::string &fallbackPath,
                     std::string &error) {
#if defined(MFD_ALLOW_SEALING)
  // No MFD_CLOEXEC: the linker (a child of a child) inherits the file.
  if (memoryFilesLinkable())
    if (int fd = ::memfd_create(name.c_str(), 0); fd >= 0)
      adopt(fd);
#else
  (void)name;
#endif
  if (fd_ < 0) {
    fd_ = ::open(fallbackPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                 0644);
    if (fd_ < 0) {
      error = fmt::format("cannot write '{}': {}", fallbackPath,
                          std::strerror(errno));
      return false;
    }
    path_ = fallbackPath;
  }
  os_ = std::make_unique<llvm::raw_fd_ostream>(fd_, /*shouldClose=*/false);
  return true;
}

llvm::raw_pwrite_stream &LinkInput::os() { return *os_; }

void LinkInput::adopt(int fd) {
  fd_ = fd;
  inMemory_ = true;
  path_ = fmt::format("/dev/fd/{}", fd_);
}

bool memoryFilesLinkable() {
  static const bool linkable = [] {
#if defined(MFD_ALLOW_SEALING)
    int fd = ::memfd_create("cnnc-probe", MFD_CLOEXEC);
    if (fd < 0)
      return false;
    bool ok = ::access(fmt::format("/dev/fd/{}", fd).c_str(), R_OK) == 0;
    ::close(fd);
    return ok;
#else
    return false;
#endif
  }();
  return linkable;
}

bool LinkInput::finish(std::string &error) {
  os_->flush();
  bool ok = !os_->has_error();
  if (!ok) {
    error = fmt::format("cannot write the linker input '{}': {}", path_,
                        os_->error().message());
    os_->clear_error();
  }
  os_.reset();
  return ok;
}

bool writeLinkInput(LinkInput &in, const std::string &name,
                    const std::string &fallbackPath, std::string_view bytes,
                    std::string &error) {
  if (!in.open(name, fallbackPath, error))
    return false;
  in.os().write(bytes.data(), bytes.size());
  return in.finish(error);
}

bool linkObjects(const std::vector<std::string> &objPaths,
                 const std::string &outPath, bool relocatable,
                 std::string &error, bool weightsLast) {
  const char *env = std::getenv("CNNC_LINKER");
  bool chosen = env && *env;
  std::string name = chosen ? env : "cc";
  auto program = llvm::sys::findProgramByName(name);
  if (!program) {
    error = fmt::format("cannot find the linker driver '{}' (install a C "
                        "compiler, or set CNNC_LINKER)",
                        name);
    return false;
  }
  llvm::SmallString<128> log;
  int fd;
  if (llvm::sys::fs::createTemporaryFile("cnnc-link", "log", fd, log)) {
    error = "cannot create a temporary file for the linker's messages";
    return false;
  }
  llvm::sys::Process::SafelyCloseFileDescriptor(fd);
  std::vector<llvm::StringRef> args = {*program};
  // lld links a model with hundreds of megabytes of weights in a fraction
  // of the time of GNU ld; the driver's default linker where it is absent.
  bool lld = !chosen && llvm::sys::findProgramByName("ld.lld");
  if (lld)
    args.push_back("-fuse-ld=lld");
  // An input script that adds to lld's default layout (GNU ld reads such
  // a script differently and refuses it).
  llvm::SmallString<128> script;
  struct Remover {
    llvm::SmallString<128> &path;
    ~Remover() {
      if (!path.empty())
        llvm::sys::fs::remove(path);
    }
  } removeScript{script};
  if (weightsLast && lld && !relocatable) {
    int sfd;
    if (llvm::sys::fs::createTemporaryFile("cnnc-weights", "ld", sfd, script)) {
      error = "cannot create a temporary file for the linker script";
      return false;
    }
    llvm::raw_fd_ostream os(sfd, /*shouldClose=*/true);
    os << "SECTIONS { " kWeightsSectionName " : { *(" kWeightsSectionName
          ") } } INSERT AFTER .bss;\n";
  }
  if (relocatable) {
    args.insert(args.end(), {"-r", "-nostdlib", "-o", outPath});
    args.insert(args.end(), objPaths.begin(), objPaths.end());
  } else {
    args.insert(args.end(), {"-shared", "-o", outPath});
    args.insert(args.end(), objPaths.begin(), objPaths.end());
    if (!script.empty())
      args.push_back(script);
    args.insert(args.end(),
                {"-Wl,--as-needed", "-lm", "-Wl,-z,noexecstack",
                 "-Wl,-z,relro", "-Wl,-z,now", "-Wl,--hash-style=gnu"});
  }
  llvm::Optional<llvm::StringRef> redirects[] = {
      llvm::None, llvm::StringRef(log), llvm::StringRef(log)};
  std::string execError;
  int rc = llvm::sys::ExecuteAndWait(*program, args, llvm::None, redirects,
                                     /*SecondsToWait=*/300, 0, &execError);
  if (rc != 0) {
    std::string text;
    if (auto buf = llvm::MemoryBuffer::getFile(log))
      text = (*buf)->getBuffer().str();
    llvm::sys::fs::remove(log);
    error = fmt::format("linking '{}' failed{}{}{}", outPath,
                        execError.empty() ? "" : ": " + execError,
                        text.empty() ? "" : ":\n", text);
    return false;
  }
  llvm::sys::fs::remove(log);
  return true;
}

bool linkSharedObject(const std::string &objPath, const std::string &soPath,
                      std::string &error) {
  return linkObjects({objPath}, soPath, /*relocatable=*/false, error);
}

} // namespace cnnc::cpu
