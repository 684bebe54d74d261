//===- TestUtil.h - Helpers of the runtime's tests --------------*- C++ -*-===//
#ifndef CNNC_TESTS_RUNTIME_TESTUTIL_H
#define CNNC_TESTS_RUNTIME_TESTUTIL_H

#include "cnnc/runtime.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace cnnrt_test {

/// The fake model NAME.so built beside the tests.
inline std::string fakePath(const std::string &name) {
  return std::string(CNNRT_FAKE_DIR) + "/" + name + ".so";
}

/// A fresh directory, removed with everything in it at scope exit.
class TempDir {
public:
  explicit TempDir(const std::string &tag) {
    static int counter = 0;
    Path = std::filesystem::temp_directory_path() /
           ("cnnrt-test-" + std::to_string(getpid()) + "-" + tag + "-" +
            std::to_string(counter++));
    std::filesystem::remove_all(Path);
    std::filesystem::create_directories(Path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(Path, ec);
  }
  std::string file(const std::string &name) const {
    return (Path / name).string();
  }

private:
  std::filesystem::path Path;
};

inline void writeFile(const std::string &path, const void *data, size_t bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char *>(data), std::streamsize(bytes));
  REQUIRE(out.good());
}

/// Sets an environment variable for a scope.
class ScopedEnv {
public:
  ScopedEnv(const char *name, const char *value) : Name(name) {
    setenv(name, value, 1);
  }
  ~ScopedEnv() { unsetenv(Name); }

private:
  const char *Name;
};

/// Owns a loaded model.
struct ModelHolder {
  cnnrt_model *M = nullptr;
  ~ModelHolder() { cnnrt_unload(M); }
};

/// The message of the last failure, as a std::string.
inline std::string lastError() { return cnnrt_last_error(); }

inline bool contains(const std::string &s, const std::string &part) {
  return s.find(part) != std::string::npos;
}

/// The fake model's input: 1024 floats with varied values.
inline std::vector<float> fakeInput(float scale = 1.0f) {
  std::vector<float> x(1024);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = scale * (float(i % 37) - 18.0f) / 8.0f;
  return x;
}

/// The fake model's weights file contents.
inline std::vector<float> fakeWeights() { return {0.5f, 1.5f, 2.5f, 3.5f}; }

} // namespace cnnrt_test

#endif
