//===- FuzzUtil.h - helpers shared by the fuzz targets -----------*- C++
//-*-===//
//
// The fuzz targets (tests/fuzz/*.cpp) each define LLVMFuzzerTestOneInput.
// Built two ways: with libFuzzer, AddressSanitizer and UBSan by
// scripts/fuzz.sh (clang 14, coverage-guided), and in the normal build with
// StandaloneMain.cpp, which replays the seed corpus and random mutations of
// it for a few seconds (ctest's fuzz-* entries). What a target may do with
// an input: report errors, never crash, hang, leak or read out of bounds.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_TESTS_FUZZ_FUZZUTIL_H
#define CNNC_TESTS_FUZZ_FUZZUTIL_H

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

namespace cnnc_fuzz {

/// A file holding the input for readers that take a path, in /dev/shm
/// when it exists; removed when the object goes.
class TempFile {
public:
  TempFile(const uint8_t *data, size_t size, const char *suffix) {
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    Path = std::string(dir) + "/cnnc-fuzz-" + std::to_string(getpid()) + suffix;
    if (FILE *f = std::fopen(Path.c_str(), "wb")) {
      if (size)
        std::fwrite(data, 1, size, f);
      std::fclose(f);
    }
  }
  ~TempFile() { std::remove(Path.c_str()); }
  TempFile(const TempFile &) = delete;
  TempFile &operator=(const TempFile &) = delete;
  const std::string &path() const { return Path; }

private:
  std::string Path;
};

} // namespace cnnc_fuzz

#endif
