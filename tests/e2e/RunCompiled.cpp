//===- RunCompiled.cpp - Compile a graph, load it, run it -----------------===//
#include "tests/e2e/RunCompiled.h"

#include "cnnc/abi.h"
#include "cnnc/runtime.h"
#include "compiler/Driver.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>

using namespace cnnc;

namespace {

/// A parallel_for that splits [0, n) into uneven ranges and runs them in
/// reverse order on the calling thread: what any thread pool may do.
void unevenParallelFor(void *, int64_t n, cnnc_task_fn fn, void *arg) {
  int64_t cuts[] = {0, n / 3, n / 3 + (n > 7 ? 1 : 0), (2 * n) / 3 + 1, n};
  for (int i = 3; i >= 0; --i) {
    int64_t b = std::min(cuts[i], n), e = std::min(cuts[i + 1], n);
    if (b < e)
      fn(arg, b, e);
  }
}

/// Runs `desc` once on `in`; no outputs when the run reports an error.
/// Outputs and workspace start filled with junk, so reading what was never
/// written shows.
std::vector<std::vector<float>> runOnce(const cnnc_model_desc &desc,
                                        const std::vector<const void *> &in,
                                        const cnnc_exec_ctx *ctx) {
  std::vector<std::vector<float>> outs;
  std::vector<void *> outPtrs;
  for (int i = 0; i < desc.num_outputs; ++i)
    outs.emplace_back(size_t(desc.outputs[i].bytes / 4), -12345.0f);
  for (auto &o : outs)
    outPtrs.push_back(o.data());
  std::vector<float> ws(size_t(desc.workspace_bytes / 4 + 16), -777.0f);
  void *wsp = ws.data() +
              ((16 - (reinterpret_cast<uintptr_t>(ws.data()) / 4 % 16)) % 16);
  if (desc.run(in.data(), outPtrs.data(), wsp, ctx) != 0)
    outs.clear();
  return outs;
}

/// Runs a loaded model serially and split into `r`.
void runLoaded(const cnnc_model_desc &desc, const std::vector<Tensor> &inputs,
               CompiledRun &r) {
  std::vector<const void *> in;
  for (const Tensor &t : inputs)
    in.push_back(t.ptr());
  for (int i = 0; i < desc.num_outputs; ++i) {
    const cnnc_tensor_desc &o = desc.outputs[i];
    r.shapes.emplace_back(o.shape, o.shape + o.rank);
  }
  r.serial = runOnce(desc, in, nullptr);
  cnnc_exec_ctx ctx{unevenParallelFor, nullptr, 4, nullptr, nullptr, nullptr};
  r.split = runOnce(desc, in, &ctx);
  if (r.serial.empty())
    r.error = "    run failed\n";
}

} // namespace

std::string cnnc::errorsOf(const DiagEngine &diag) {
  std::string s;
  for (const Diagnostic &d : diag.diagnostics())
    if (d.severity != Severity::Warning)
      s += "    " + DiagEngine::format(d) + "\n";
  return s;
}

CompiledRun cnnc::compileAndRun(const Graph &g,
                                const std::vector<Tensor> &inputs,
                                const std::string &soPath,
                                const TestTarget &target) {
  CompiledRun r;
  DiagEngine diag;
  diag.setPrintImmediately(false);
  CompileOptions co;
  co.output = soPath;
  co.name = "m";
  co.targetCpu = target.cpu;
  co.targetFeatures = target.features;
  if (!compileGraph(g, co, diag)) {
    r.error = "    does not compile\n" + errorsOf(diag);
    return r;
  }
  cnnrt_model *model = nullptr;
  cnnrt_status s = cnnrt_load(co.output.c_str(), &model);
  std::filesystem::remove(co.output);
  if (s == CNNRT_ERR_CPU_FEATURES) {
    r.refused = cnnrt_last_error();
    return r;
  }
  if (s != CNNRT_OK) {
    r.error = fmt::format("    cannot load ({}): {}\n", cnnrt_status_name(s),
                          cnnrt_last_error());
    return r;
  }
  runLoaded(*cnnrt_model_desc(model), inputs, r);
  cnnrt_unload(model);
  return r;
}
