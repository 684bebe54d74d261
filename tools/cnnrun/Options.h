//===- Options.h - cnnrun's command line ------------------------*- C++ -*-===//
#ifndef CNNC_TOOLS_CNNRUN_OPTIONS_H
#define CNNC_TOOLS_CNNRUN_OPTIONS_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cnnc {

struct RunOptions {
  std::string model;                ///< The compiled model (.so).
  std::vector<std::string> inputs;  ///< [NAME=]FILE.npy, in input order.
  std::vector<std::string> outputs; ///< [NAME=]FILE.npy, in output order.
  int32_t threads = 0;              ///< 0: the hardware threads.
  std::string device;      ///< --device: "cpu", "cuda", or "" (the model's).
  int64_t bench = 0;       ///< Timed runs; 0: no benchmark.
  std::string check;       ///< MODEL.ir to compare against.
  uint64_t seed = 0;       ///< Seed of the random inputs.
  double tolerance = 1e-4; ///< Largest relative error of --check.
  bool printOutputs = false;
  bool verify = false;  ///< Check the weights' checksum before running.
  bool profile = false; ///< Per-kernel times (cnnc --profile).
  bool help = false;
  bool version = false;
};

/// Parses argv; on a usage error prints `cnnrun: error: ...` and returns
/// nullopt (the caller exits with status 2).
std::optional<RunOptions> parseRunOptions(int argc, char **argv);
void printRunUsage();

} // namespace cnnc

#endif
