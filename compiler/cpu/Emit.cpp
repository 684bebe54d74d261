//===- Emit.cpp - Object code, assembly and shared objects -----------------===//
#include "compiler/cpu/Emit.h"

#include <llvm/ADT/SmallString.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/Process.h>
#include <llvm/Support/Program.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <fmt/format.h>

#include <cstdlib>

namespace cnnc::cpu {

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

std::string printModule(const llvm::Module &m) {
  std::string s;
  llvm::raw_string_ostream os(s);
  m.print(os, nullptr);
  return os.str();
}

bool linkSharedObject(const std::string &objPath, const std::string &soPath,
                      std::string &error) {
  const char *env = std::getenv("CNNC_LINKER");
  std::string name = env && *env ? env : "cc";
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
  std::vector<llvm::StringRef> args = {
      *program,          "-shared",       "-o",
      soPath,            objPath,         "-Wl,--as-needed",
      "-lm",             "-Wl,-z,noexecstack", "-Wl,-z,relro",
      "-Wl,-z,now",      "-Wl,--hash-style=gnu"};
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
    error = fmt::format("linking '{}' failed{}{}{}", soPath,
                        execError.empty() ? "" : ": " + execError,
                        text.empty() ? "" : ":\n", text);
    return false;
  }
  llvm::sys::fs::remove(log);
  return true;
}

} // namespace cnnc::cpu
