//===- Options.cpp - cnnrun's command line --------------------------------===//
#include "tools/cnnrun/Options.h"
#include "ir/Attr.h"

#include <cstdio>
#include <fmt/format.h>

namespace cnnc {

void printRunUsage() {
  std::printf(
      "usage: cnnrun MODEL.so [options]\n"
      "\n"
      "Loads a model compiled by cnnc, runs it once and prints each "
      "output's\n"
      "shape and statistics (and the top-5 classes of a classifier).\n"
      "\n"
      "  --input [NAME=]X.npy   an input (in model order, or by name); "
      "missing\n"
      "                         inputs are seeded random in [-1, 1), the "
      "same\n"
      "                         as `cnnc --interpret` uses\n"
      "  --seed N               seed of the random inputs (default 0)\n"
      "  --output [NAME=]Y.npy  write an output (in model order, or by "
      "name)\n"
      "  --print-outputs        print every output value\n"
      "  --threads N            threads to run on (default: all hardware "
      "threads)\n"
      "  --device cpu|cuda      where the model must run (default: where it "
      "was\n"
      "                         compiled for); a CUDA model (cnnc "
      "--target=cuda)\n"
      "                         runs on GPU 0, its inputs and outputs "
      "copied to\n"
      "                         and from device memory; the runtime loads "
      "the\n"
      "                         CUDA driver (libcuda.so.1, or "
      "$CNNRT_CUDA_DRIVER)\n"
      "                         only for such a model\n"
      "  --bench N              one warm-up run, then N timed runs: min, "
      "median\n"
      "                         and p90 latency, GFLOP/s (on a GPU: CUDA "
      "events\n"
      "                         around each run, without the copies)\n"
      "  --profile              time every kernel call over the --bench runs "
      "(or\n"
      "                         one run) and print a table per kernel: "
      "time,\n"
      "                         share, GFLOP/s; needs a model compiled with\n"
      "                         cnnc --profile (on a GPU: each launch, "
      "timed\n"
      "                         with CUDA events)\n"
      "  --check MODEL.ir       run MODEL.ir in the reference interpreter on "
      "the\n"
      "                         same inputs and compare; fails when an "
      "output's\n"
      "                         max relative error exceeds the tolerance\n"
      "  --tolerance T          relative tolerance of --check (default "
      "1e-4)\n"
      "  --verify               first recompute the checksum of the model's "
      "weights\n"
      "                         (embedded or external) and fail if it "
      "differs from\n"
      "                         the one cnnc recorded: a damaged model\n"
      "  --help, --version\n"
      "\n"
      "Exit status: 0 on success, 1 on a runtime error or a failed check, 2 "
      "on\n"
      "a bad command line.\n");
}

namespace {

std::optional<RunOptions> usageError(const std::string &msg) {
  std::fprintf(stderr, "cnnrun: error: %s (see cnnrun --help)\n", msg.c_str());
  return std::nullopt;
}

/// Parses a whole integer in [lo, hi].
std::optional<int64_t> intIn(const std::string &text, int64_t lo, int64_t hi) {
  std::optional<int64_t> v = parseIntText(text);
  if (!v || *v < lo || *v > hi)
    return std::nullopt;
  return v;
}

/// Stores the value of an option that takes one; returns an error message
/// or "".
std::string setValue(RunOptions &o, const std::string &opt,
                     const std::string &value) {
  if (opt == "--input") {
    o.inputs.push_back(value);
  } else if (opt == "--output") {
    o.outputs.push_back(value);
  } else if (opt == "--check") {
    o.check = value;
  } else if (opt == "--device") {
    if (value != "cpu" && value != "cuda")
      return fmt::format("--device expects 'cpu' or 'cuda', found '{}'", value);
    o.device = value;
  } else if (opt == "--threads") {
    std::optional<int64_t> v = intIn(value, 0, 4096);
    if (!v)
      return fmt::format("--threads expects an integer in [0, 4096], found "
                         "'{}'",
                         value);
    o.threads = int32_t(*v);
  } else if (opt == "--bench") {
    std::optional<int64_t> v = intIn(value, 1, 1000000000);
    if (!v)
      return fmt::format("--bench expects a positive number of runs, found "
                         "'{}'",
                         value);
    o.bench = *v;
  } else if (opt == "--seed") {
    std::optional<int64_t> v = intIn(value, 0, INT64_MAX);
    if (!v)
      return fmt::format("--seed expects a non-negative integer, found '{}'",
                         value);
    o.seed = uint64_t(*v);
  } else if (opt == "--tolerance") {
    std::optional<double> v = parseFloatText(value);
    if (!v || !(*v >= 0) || *v == INFINITY)
      return fmt::format("--tolerance expects a non-negative number, found "
                         "'{}'",
                         value);
    o.tolerance = *v;
  }
  return "";
}

bool takesValue(const std::string &a) {
  return a == "--input" || a == "--output" || a == "--check" ||
         a == "--device" || a == "--threads" || a == "--bench" ||
         a == "--seed" || a == "--tolerance";
}

} // namespace

std::optional<RunOptions> parseRunOptions(int argc, char **argv) {
  RunOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    // Also accept --opt=value.
    size_t eq = a.find('=');
    if (a.rfind("--", 0) == 0 && eq != std::string::npos &&
        takesValue(a.substr(0, eq))) {
      std::string err = setValue(o, a.substr(0, eq), a.substr(eq + 1));
      if (!err.empty())
        return usageError(err);
    } else if (takesValue(a)) {
      if (i + 1 >= argc)
        return usageError(fmt::format("'{}' needs a value", a));
      std::string err = setValue(o, a, argv[++i]);
      if (!err.empty())
        return usageError(err);
    } else if (a == "--print-outputs") {
      o.printOutputs = true;
    } else if (a == "--profile") {
      o.profile = true;
    } else if (a == "--verify") {
      o.verify = true;
    } else if (a == "--help" || a == "-h") {
      o.help = true;
    } else if (a == "--version") {
      o.version = true;
    } else if (a.size() > 1 && a[0] == '-') {
      return usageError(fmt::format("unknown option '{}'", a));
    } else if (o.model.empty()) {
      o.model = a;
    } else {
      return usageError(
          fmt::format("more than one model given ('{}' and '{}')", o.model, a));
    }
  }
  if (!o.help && !o.version && o.model.empty())
    return usageError("no model given");
  return o;
}

} // namespace cnnc
