//===- Link.cpp - Linking objects into a model's artefact -----------------===//
#include "compiler/host/Link.h"
#include "compiler/host/WeightsObject.h"

#include <llvm/ADT/SmallString.h>
#include <llvm/ADT/Optional.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/Process.h>
#include <llvm/Support/Program.h>

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

namespace cnnc::host {

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

} // namespace cnnc::host
