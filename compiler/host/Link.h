//===- Link.h - Linking objects into a model's artefact ---------*- C++ -*-===//
//
// The link both backends end with: the objects a model is made of (code,
// and the weights, compiler/host/WeightsObject.h) handed to the system's
// C compiler driver as memory files, linked into a shared object or one
// relocatable object.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_HOST_LINK_H
#define CNNC_COMPILER_HOST_LINK_H

#include <llvm/Support/raw_ostream.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cnnc::host {

/// One input of a link, written here and read by the linker: an anonymous
/// memory file (memfd_create, without close-on-exec, so the linker, which
/// inherits it, reads it as /dev/fd/N) or, where the system has none, a
/// file at the fallback path, removed when this goes. Temporary objects so
/// stay off the disk: a VGG-16's 550 MB of weights were written to disk
/// twice (their object, then the linked artefact), 0.4-4 s on this
/// project's machines where the memory file takes 0.2 s.
class LinkInput {
public:
  LinkInput() = default;
  LinkInput(const LinkInput &) = delete;
  LinkInput &operator=(const LinkInput &) = delete;
  ~LinkInput();

  /// Creates it (`name` labels the memory file). False with `error` set
  /// when neither a memory file nor `fallbackPath` can be created.
  bool open(const std::string &name, const std::string &fallbackPath,
            std::string &error);
  /// Where the object is written; valid between open and finish.
  llvm::raw_pwrite_stream &os();
  /// Ends the writing: false with `error` set when a write failed.
  bool finish(std::string &error);
  /// Takes a memory file written elsewhere (memoryFilesLinkable()).
  void adopt(int fd);
  /// The path the linker reads.
  const std::string &path() const { return path_; }

private:
  int fd_ = -1;
  bool inMemory_ = false;
  std::string path_;
  std::unique_ptr<llvm::raw_fd_ostream> os_;
};

/// Whether the linker can read memory files here (memfd_create and
/// /dev/fd exist).
bool memoryFilesLinkable();

/// Writes `bytes` to a new LinkInput `in` (see LinkInput::open).
bool writeLinkInput(LinkInput &in, const std::string &name,
                    const std::string &fallbackPath, std::string_view bytes,
                    std::string &error);

/// Links the objects `objPaths` into `outPath`: a shared object depending
/// on libc and libm only, or with `relocatable` one relocatable object (ld
/// -r). Uses the system C compiler driver (`cc`, or $CNNC_LINKER), with
/// lld where it is installed. On failure `error` holds the linker's message.
/// With `weightsLast`, a shared object linked by lld gets the weights'
/// section (WeightsObject.h) in a loadable segment of its own after all
/// others, where host::fillWeights can put its bytes.
bool linkObjects(const std::vector<std::string> &objPaths,
                 const std::string &outPath, bool relocatable,
                 std::string &error, bool weightsLast = false);

/// Links the object file `objPath` into the shared object `soPath` with the
/// system C compiler driver (`cc`, or $CNNC_LINKER), depending on libc and
/// libm only. On failure `error` holds the linker's message.
bool linkSharedObject(const std::string &objPath, const std::string &soPath,
                      std::string &error);

} // namespace cnnc::host

#endif
