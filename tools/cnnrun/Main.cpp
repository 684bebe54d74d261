//===- Main.cpp - cnnrun: run, check and benchmark a compiled model -------===//
//
// cnnrun MODEL.so [--input X.npy ...] [--output Y.npy ...] [--threads N]
//        [--device cpu|cuda] [--bench N] [--profile] [--check MODEL.ir]
//        [--seed S] [--tolerance T] [--verify]
//
// A CPU model runs on a thread pool; a CUDA model (cnnc --target=cuda) on
// GPU 0, its inputs and outputs copied to and from device buffers
// (Device.cpp).
//
// Exit status: 0 on success, 1 on a runtime error or a failed check, 2 on a
// bad command line.
//
//===----------------------------------------------------------------------===//
#include "tools/cnnrun/Runner.h"
#include "tools/cnnrun/Session.h"
#include "tools/common/OutputSummary.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>

using namespace cnnc;

namespace {

/// Prints the errors as cnnrun's: located ones as `file:line:col: ...`,
/// the others as `cnnrun: error: ...`. Warnings (shape inference's, about
/// the --check model) are not cnnrun's business and are dropped.
void printDiags(const DiagEngine &diag) {
  for (const Diagnostic &d : diag.diagnostics()) {
    if (d.severity == Severity::Warning)
      continue;
    std::string text = DiagEngine::format(d);
    if (!d.loc.valid() && text.rfind("cnnc: ", 0) == 0)
      text = "cnnrun: " + text.substr(6);
    std::fprintf(stderr, "%s\n", text.c_str());
  }
}

std::string header(const Session &s, const RunOptions &opts) {
  const cnnc_model_desc &d = *cnnrt_model_desc(s.Model);
  int32_t threads = cnnrt_pool_threads(s.Pool);
  std::string where =
      s.Cuda ? "device cuda, " + deviceText(s.Model)
             : fmt::format("target {}", d.target_cpu ? d.target_cpu : "?");
  std::string on =
      s.Cuda ? ""
             : fmt::format(", {} thread{}", threads, threads == 1 ? "" : "s");
  return fmt::format(
      "# model '{}' from '{}': {}, {} input{}, {} "
      "output{}, workspace {} bytes, {:.3f} MFLOP{}\n",
      d.name, opts.model, where, d.num_inputs, d.num_inputs == 1 ? "" : "s",
      d.num_outputs, d.num_outputs == 1 ? "" : "s",
      cnnrt_workspace_bytes(s.Model), double(d.flops) * 1e-6, on);
}

/// --device: the model must run where it was compiled for.
bool checkDevice(const Session &s, const RunOptions &opts, DiagEngine &diag) {
  std::string have = cnnrt_model_device(s.Model);
  if (opts.device.empty() || opts.device == have)
    return true;
  if (have == "cpu")
    diag.error(SourceLoc{},
               "--device {}: model '{}' ('{}') is a CPU model; compile it "
               "with cnnc --target=cuda to run it on a GPU",
               opts.device, cnnrt_model_name(s.Model), opts.model);
  else
    diag.error(SourceLoc{},
               "--device {}: model '{}' ('{}') is a CUDA model (compiled "
               "with --target=cuda); compile it without --target=cuda to run "
               "it on the CPU",
               opts.device, cnnrt_model_name(s.Model), opts.model);
  return false;
}

/// Copies the inputs into aligned buffers and makes room for the outputs.
void prepareBuffers(Session &s, const std::vector<Tensor> &inputs) {
  const cnnc_model_desc &d = *cnnrt_model_desc(s.Model);
  for (int32_t i = 0; i < d.num_inputs; ++i) {
    uint64_t bytes = uint64_t(d.inputs[i].bytes);
    void *p = s.alloc(bytes);
    std::memcpy(p, inputs[size_t(i)].ptr(), bytes);
    s.Ins.push_back({p, bytes});
  }
  for (int32_t i = 0; i < d.num_outputs; ++i) {
    uint64_t bytes = uint64_t(d.outputs[i].bytes);
    s.Outs.push_back({s.alloc(bytes), bytes});
  }
}

cnnrt_status runOnce(Session &s) {
  if (s.Cuda)
    return runOnDevice(s);
  return cnnrt_run(s.Model, s.Ins.data(), int32_t(s.Ins.size()), s.Outs.data(),
                   int32_t(s.Outs.size()), s.Workspace,
                   cnnrt_workspace_bytes(s.Model), s.Pool);
}

/// One warm-up, then `runs` timed runs: min, median, p90 and GFLOP/s.
bool bench(Session &s, int64_t runs, DiagEngine &diag, std::string &report) {
  if (s.Cuda)
    return benchDevice(s, runs, diag, report);
  if (!ok(runOnce(s), diag))
    return false;
  std::vector<double> ms;
  for (int64_t i = 0; i < runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    if (!ok(runOnce(s), diag))
      return false;
    ms.push_back(std::chrono::duration<double, std::milli>(
                     std::chrono::steady_clock::now() - t0)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  size_t n = ms.size();
  double p90 = ms[std::min(n - 1, (n * 9 + 9) / 10 - 1)];
  double gflops =
      double(cnnrt_model_flops(s.Model)) / (ms.front() * 1e-3) * 1e-9;
  report += fmt::format("# bench: {} run{} on {} thread{}: min {:.3f} ms, "
                        "median {:.3f} ms, p90 {:.3f} ms, {:.2f} GFLOP/s\n",
                        n, n == 1 ? "" : "s", cnnrt_pool_threads(s.Pool),
                        cnnrt_pool_threads(s.Pool) == 1 ? "" : "s", ms.front(),
                        ms[n / 2], p90, gflops);
  return true;
}

/// --profile: the --bench runs (or one) with per-kernel times (for a CUDA
/// model, cnnrt_run_profiled times each launch with CUDA events, the host
/// buffers staged through the device workspace).
bool profile(Session &s, const RunOptions &opts, DiagEngine &diag,
             std::string &report) {
  auto run = [&](double *seconds) {
    return cnnrt_run_profiled(s.Model, s.Ins.data(), int32_t(s.Ins.size()),
                              s.Outs.data(), int32_t(s.Outs.size()),
                              s.Workspace, cnnrt_workspace_bytes(s.Model),
                              s.Pool, seconds);
  };
  int32_t threads = cnnrt_pool_threads(s.Pool);
  std::string where =
      s.Cuda ? deviceText(s.Model)
             : fmt::format("{} thread{}", threads, threads == 1 ? "" : "s");
  return profileModel(s.Model, std::max<int64_t>(opts.bench, 1), where, run,
                      diag, report);
}

bool runModel(const RunOptions &opts, DiagEngine &diag, std::string &report) {
  Session s;
  if (!ok(cnnrt_load(opts.model.c_str(), &s.Model), diag) ||
      !checkDevice(s, opts, diag))
    return false;
  if (opts.verify) {
    if (!ok(cnnrt_verify_weights(s.Model), diag))
      return false;
    const cnnc_model_desc &d = *cnnrt_model_desc(s.Model);
    report += fmt::format("# weights verified: {} bytes, checksum {:#018x}\n",
                          d.weights_bytes, d.weights_hash);
  }
  s.Cuda = std::string(cnnrt_model_device(s.Model)) == "cuda";
  // A CUDA model runs no host threads: no pool.
  if ((!s.Cuda && !ok(cnnrt_pool_create(opts.threads, &s.Pool), diag)) ||
      !ok(cnnrt_workspace_alloc(s.Model, &s.Workspace), diag))
    return false;
  report += header(s, opts);
  std::vector<Tensor> inputs;
  if (!makeInputs(s.Model, opts, diag, inputs, report))
    return false;
  prepareBuffers(s, inputs);
  if (s.Cuda && !prepareDevice(s, diag))
    return false;
  auto t0 = std::chrono::steady_clock::now();
  if (!ok(runOnce(s), diag))
    return false;
  double ms = std::chrono::duration<double, std::milli>(
                  std::chrono::steady_clock::now() - t0)
                  .count();
  report += fmt::format("# ran in {:.3f} ms\n", ms);
  // The outputs below are then those of the last profiled run.
  if (opts.profile && !profile(s, opts, diag, report))
    return false;
  std::vector<Tensor> outputs;
  for (const cnnrt_output &o : s.Outs) {
    Tensor t(tensorShape(*cnnrt_output_desc(s.Model, int32_t(outputs.size()))));
    std::memcpy(t.ptr(), o.data, o.bytes);
    report += describeTensor(
        tensorName(*cnnrt_output_desc(s.Model, int32_t(outputs.size()))), t,
        opts.printOutputs);
    outputs.push_back(std::move(t));
  }
  if (!writeOutputs(s.Model, opts, outputs, diag, report))
    return false;
  if (!opts.check.empty() &&
      !checkAgainstInterpreter(s.Model, opts, inputs, outputs, diag, report))
    return false;
  return opts.bench == 0 || bench(s, opts.bench, diag, report);
}

} // namespace

int main(int argc, char **argv) {
  std::optional<RunOptions> opts = parseRunOptions(argc, argv);
  if (!opts)
    return 2;
  if (opts->help) {
    printRunUsage();
    return 0;
  }
  if (opts->version) {
    std::printf("cnnrun 0.1.0 (libcnnrt %s, model ABI %d)\n",
                CNNRT_VERSION_STRING, CNNC_ABI_VERSION);
    return 0;
  }
  DiagEngine diag;
  diag.setPrintImmediately(false);
  std::string report;
  bool good;
  try {
    good = runModel(*opts, diag, report);
  } catch (const std::bad_alloc &) {
    diag.error(SourceLoc{}, "out of memory");
    good = false;
  }
  std::fwrite(report.data(), 1, report.size(), stdout);
  std::fflush(stdout);
  printDiags(diag);
  return good ? 0 : 1;
}
