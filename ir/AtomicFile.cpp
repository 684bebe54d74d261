//===- AtomicFile.cpp - Writing files with nothing half-written -----------===//
#include "ir/AtomicFile.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace cnnc {

bool writeFileAtomically(const std::string &path, DiagEngine &diag,
                         const std::function<void(std::ostream &)> &write) {
  std::string tmp = path + ".tmp" + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (out)
      write(out);
    if (!out) {
      std::remove(tmp.c_str());
      diag.error(SourceLoc{}, "cannot write '{}'", path);
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    diag.error(SourceLoc{}, "cannot write '{}': {}", path, ec.message());
    return false;
  }
  return true;
}

bool writeFileAtomically(const std::string &path, std::string_view data,
                         DiagEngine &diag) {
  return writeFileAtomically(path, diag, [&](std::ostream &out) {
    out.write(data.data(), std::streamsize(data.size()));
  });
}

} // namespace cnnc
