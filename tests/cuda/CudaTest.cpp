//===- CudaTest.cpp - CUDA kernels against the reference interpreter ------===//
//
// cnnc-cuda-test [--filter SUBSTR] [--pipeline default|PASSES] [--batch N]
//                [--jobs N] [--no-nvrtc] [--no-emulate] [--require-all-ops]
//                [--device] PATH...
//
// For every case (a .ir file, or every .ir file of a folder) it lowers the
// graph with the CUDA backend and builds its CUDA C. Cases are then taken
// in batches (each case's kernels in a namespace of their own, one program
// per batch, so the library is parsed once per batch):
//
//  1. NVRTC compiles the batch for sm_80 and sm_90 (a cubin each, which
//     runs ptxas inside NVRTC) and ptxas checks the PTX for sm_90 again as
//     a file: every kernel must compile. A failing batch is retried case
//     by case to name the culprit.
//  2. The host compiler compiles the same kernels with tests/cuda/
//     HostShim.h and EmuRuntime.cpp into a shared object that runs each
//     launch's grid on the host (blocks in turn, threads as fibers,
//     __syncthreads as a barrier). Every launch runs with the buffers the
//     memory plan assigned; the outputs are compared with the reference
//     interpreter's (tolerance of tests/e2e/Cases.h). Workspace and
//     outputs start as NaN, so a kernel that reads what nobody wrote
//     fails; guard zones around every buffer catch writes out of bounds.
//
// --device instead compiles each case into a real CUDA model (.so) and
// runs it on GPU 0 through libcnnrt (cnnrt_run: host inputs, device
// workspace), comparing with the interpreter; without a CUDA driver or GPU
// it prints why and exits with 77, which ctest reports as skipped.
//
// --pipeline default runs the CUDA pipeline (cnnc --target=cuda's) after
// the interpreter computed the expected outputs from the graph as written.
// --require-all-ops fails when an op of the op table (but const) appears
// in no case. One line per failing case, then `N passed, M failed`.
//
// This checks the generated CUDA C compiles for real GPUs and computes the
// right values; timing and the runtime's driver path need a GPU (see
// tests/cuda/CMakeLists.txt for the tests that run there).
//
//===----------------------------------------------------------------------===//
#include "compiler/Driver.h"
#include "compiler/Pipeline.h"
#include "compiler/cuda/Compile.h"
#include "compiler/cuda/Library.h"
#include "compiler/cuda/Nvrtc.h"
#include "compiler/cuda/Source.h"
#include "ir/Interpreter.h"
#include "ir/Op.h"
#include "ir/Parser.h"
#include "ir/ShapeInference.h"
#include "ir/Verifier.h"
#include "passes/PassManager.h"
#include "tests/e2e/Cases.h"
#include "tests/e2e/RunCompiled.h"

#include "cnnc/runtime.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <dlfcn.h>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

using namespace cnnc;
namespace fs = std::filesystem;

namespace {

struct Options {
  std::string filter, pipeline;
  size_t batch = 24;
  unsigned jobs = 2;
  bool nvrtc = true, emulate = true, requireAll = false, device = false;
};

/// One case, lowered.
struct Case {
  fs::path path;
  /// The engine the graph was parsed with: its nodes' locations point into
  /// the file names it holds, so it lives as long as the graph.
  std::unique_ptr<DiagEngine> parseDiag;
  std::unique_ptr<Graph> g;
  std::vector<Tensor> inputs, expected;
  std::vector<cuda::Launch> launches;
  std::vector<uint8_t> weights;
  int64_t workspace = 0;
  cuda::Program prog;
  std::set<OpKind> ops;
  bool failed = false;
  std::string log;
  void fail(std::string what) {
    failed = true;
    log += what;
  }
};

void prepare(Case &c, const Options &opts) {
  c.parseDiag = std::make_unique<DiagEngine>();
  DiagEngine &diag = *c.parseDiag;
  diag.setPrintImmediately(false);
  c.g = parseGraphFile(c.path.string(), diag);
  if (!c.g)
    return c.fail("    does not parse\n" + errorsOf(diag));
  for (const auto &n : c.g->nodes())
    c.ops.insert(n->kind());
  if (!verifyGraph(*c.g, diag) || !inferShapes(*c.g, diag))
    return c.fail("    does not verify or infer shapes\n" + errorsOf(diag));
  c.inputs = caseInputs(*c.g, c.path, diag);
  std::optional<std::vector<Tensor>> expected = interpret(*c.g, c.inputs, diag);
  if (!expected)
    return c.fail("    the interpreter fails\n" + errorsOf(diag));
  c.expected = std::move(*expected);
  if (!opts.pipeline.empty()) {
    PassManager pm;
    PassTarget target = gpuPassTarget();
    pm.setTarget(target);
    std::string text(opts.pipeline == "default"
                         ? defaultPipeline(2, PassTarget::Device::Cuda)
                         : opts.pipeline);
    if (!pm.parsePipeline(text, diag) || !pm.run(*c.g, diag))
      return c.fail("    the pass pipeline fails\n" + errorsOf(diag));
  }
  cuda::LowerCtx lc(*c.g, cuda::GpuTarget(), diag);
  if (!cuda::lowerGraph(*c.g, lc))
    return c.fail("    does not lower for cuda\n" + errorsOf(diag));
  c.launches = lc.launches();
  c.weights.assign(lc.weights().data(),
                   lc.weights().data() + lc.weights().size());
  c.workspace = lc.workspaceBytes();
  c.prog = cuda::buildProgram(c.launches);
}

//===--- A batch's program ------------------------------------------------===//

/// The kernels of cases [b, e) in namespaces c<i>; for the host, adapters
/// from `const void *` to the by-value Args and their table.
std::string batchText(std::vector<Case> &cases, size_t b, size_t e, bool host) {
  std::string text = cuda::libraryIncludes();
  std::string table;
  for (size_t i = b; i < e; ++i) {
    if (cases[i].failed)
      continue;
    text += fmt::format("namespace c{} {{\n", i);
    for (const cuda::Kernel &k : cases[i].prog.kernels) {
      std::string src = k.source;
      size_t at = src.find("extern \"C\" ");
      if (at != std::string::npos)
        src.erase(at, 11);
      text += src;
      if (host) {
        text += fmt::format("static void call_{0}(const void *p) {{ "
                            "{0}(*static_cast<const cnnk::Args *>(p)); }}\n",
                            k.function);
        table += fmt::format("  &c{}::call_{},\n", i, k.function);
      }
    }
    text += fmt::format("}} // namespace c{}\n", i);
  }
  if (host)
    text += "extern \"C\" void (*const cnnemu_table[])(const void *) = {\n" +
            table + "  nullptr};\n";
  return text;
}

std::string runCommand(const std::string &cmd, int &status) {
  std::string out;
  FILE *p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) {
    status = -1;
    return "cannot run: " + cmd;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    out.append(buf, n);
  status = pclose(p);
  return out;
}

/// NVRTC for sm_80 and sm_90, then ptxas on the PTX. Empty on success.
std::string checkNvrtc(const std::string &text, const fs::path &dir) {
  cuda::NvrtcResult nv;
  std::string error;
  if (!cuda::compileWithNvrtc(text, {80, 90}, nv, error))
    return error;
  fs::path ptx = dir / "batch.ptx";
  {
    std::ofstream os(ptx);
    const std::string &p = nv.images.back().data;
    os.write(p.data(), std::streamsize(std::strlen(p.c_str())));
  }
  int status = 0;
  std::string out = runCommand(fmt::format("'{}' -arch=sm_90 '{}' -o /dev/null",
                                           CNNC_PTXAS_PATH, ptx.string()),
                               status);
  return status == 0 ? "" : "ptxas rejects the PTX:\n" + out;
}

void nvrtcBatch(std::vector<Case> &cases, size_t b, size_t e,
                const fs::path &dir) {
  if (checkNvrtc(batchText(cases, b, e, false), dir).empty())
    return;
  for (size_t i = b; i < e; ++i)
    if (!cases[i].failed) {
      std::string err = checkNvrtc(batchText(cases, i, i + 1, false), dir);
      if (!err.empty())
        cases[i].fail("    NVRTC / ptxas fails: " + err + "\n");
    }
}

//===--- Emulation --------------------------------------------------------===//

constexpr size_t kGuard = 64; // floats of guard zone on each side
constexpr uint32_t kGuardBits = 0x7fc0dead;
constexpr uint32_t kFillBits = 0x7fc0beef; // a NaN: "never written"

/// A buffer with guard zones.
struct Guarded {
  std::vector<uint32_t> mem;
  explicit Guarded(size_t floats, uint32_t fill = kFillBits)
      : mem(floats + 2 * kGuard, kGuardBits) {
    std::fill(mem.begin() + kGuard, mem.end() - kGuard, fill);
  }
  float *data() { return reinterpret_cast<float *>(mem.data() + kGuard); }
  bool intact() const {
    for (size_t i = 0; i < kGuard; ++i)
      if (mem[i] != kGuardBits || mem[mem.size() - 1 - i] != kGuardBits)
        return false;
    return true;
  }
};

using LaunchFn = int (*)(void (*)(const void *), const void *, const unsigned *,
                         const unsigned *);
using KernelFn = void (*)(const void *);

void emulateCase(Case &c, const KernelFn *table, size_t &next,
                 LaunchFn launch) {
  const Graph &g = *c.g;
  std::vector<Guarded> in, out;
  for (const Tensor &t : c.inputs) {
    in.emplace_back(t.data.size());
    std::memcpy(in.back().data(), t.data.data(), t.data.size() * 4);
  }
  for (const Value *v : g.outputs())
    out.emplace_back(size_t(numElements(v->type().shape)));
  Guarded ws(size_t(c.workspace + 3) / 4);
  Guarded weights((c.weights.size() + 3) / 4);
  if (!c.weights.empty())
    std::memcpy(weights.data(), c.weights.data(), c.weights.size());
  const KernelFn *kernels = table + next;
  next += c.prog.kernels.size();
  for (size_t li = 0; li < c.launches.size(); ++li) {
    const cuda::Launch &l = c.launches[li];
    struct {
      float *p[cuda::kMaxArgs];
    } args = {};
    for (size_t a = 0; a < l.buffers.size(); ++a) {
      const Buffer &b = l.buffers[a];
      float *base = b.kind == Buffer::Input       ? in[size_t(b.index)].data()
                    : b.kind == Buffer::Output    ? out[size_t(b.index)].data()
                    : b.kind == Buffer::Workspace ? ws.data()
                                                  : weights.data();
      args.p[a] = base + b.offset / 4;
    }
    unsigned grid[3] = {unsigned(l.grid.x), unsigned(l.grid.y),
                        unsigned(l.grid.z)};
    unsigned block[3] = {unsigned(l.block.x), unsigned(l.block.y),
                         unsigned(l.block.z)};
    launch(kernels[c.prog.launchKernel[li]], &args, grid, block);
  }
  bool ok = ws.intact() && weights.intact();
  for (const Guarded &b : in)
    ok &= b.intact();
  for (const Guarded &b : out)
    ok &= b.intact();
  if (!ok)
    c.fail("    a kernel wrote outside its buffers (guard zone changed)\n");
  for (size_t i = 0; i < c.expected.size(); ++i)
    if (!compareOutput(g.outputs()[i]->name(), out[i].data(), c.expected[i],
                       c.log))
      c.failed = true;
}

void emulateBatch(std::vector<Case> &cases, size_t b, size_t e,
                  const fs::path &dir) {
  std::error_code ec;
  fs::create_directories(dir / "cnnk", ec);
  for (const cuda::LibraryFile &f : cuda::libraryFiles()) {
    std::ofstream os(dir / f.name);
    os << f.text;
  }
  {
    std::ofstream os(dir / "batch.cu");
    os << batchText(cases, b, e, true);
  }
  fs::path so = dir / "emu.so";
  int status = 0;
  std::string out = runCommand(
      fmt::format("'{}' -std=c++17 -O1 -fPIC -shared -w -x c++ -include "
                  "'{}/tests/cuda/HostShim.h' -I'{}' -I'{}' '{}' '{}' -o '{}'",
                  CNNC_HOST_CXX, CNNC_SOURCE_DIR, dir.string(), CNNC_SOURCE_DIR,
                  (dir / "batch.cu").string(), CNNC_EMU_RUNTIME, so.string()),
      status);
  if (status != 0) {
    for (size_t i = b; i < e; ++i)
      if (!cases[i].failed)
        cases[i].fail("    the host compiler rejects the kernels:\n" +
                      out.substr(0, 4000) + "\n");
    return;
  }
  void *h = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  auto launch =
      h ? reinterpret_cast<LaunchFn>(dlsym(h, "cnnemu_launch")) : nullptr;
  auto table = h ? reinterpret_cast<const KernelFn *>(dlsym(h, "cnnemu_table"))
                 : nullptr;
  if (!launch || !table) {
    for (size_t i = b; i < e; ++i)
      cases[i].fail(
          fmt::format("    cannot load the emulation: {}\n", dlerror()));
    return;
  }
  size_t next = 0;
  for (size_t i = b; i < e; ++i)
    if (!cases[i].failed)
      emulateCase(cases[i], table, next, launch);
  dlclose(h);
}

//===--- On a GPU ---------------------------------------------------------===//

void runOnDevice(Case &c, const fs::path &dir) {
  DiagEngine diag;
  diag.setPrintImmediately(false);
  CompileOptions co;
  co.backend = Backend::Cuda;
  co.output = (dir / (c.path.stem().string() + ".so")).string();
  if (!compileGraph(*c.g, co, diag))
    return c.fail("    does not compile for cuda\n" + errorsOf(diag));
  cnnrt_model *m = nullptr;
  if (cnnrt_status s = cnnrt_load(co.output.c_str(), &m); s != CNNRT_OK)
    return c.fail(fmt::format("    cannot load ({}): {}\n",
                              cnnrt_status_name(s), cnnrt_last_error()));
  std::vector<cnnrt_input> in;
  for (const Tensor &t : c.inputs)
    in.push_back({t.data.data(), uint64_t(t.data.size() * 4)});
  std::vector<std::vector<float>> outs;
  std::vector<cnnrt_output> out;
  for (const Value *v : c.g->outputs())
    outs.emplace_back(size_t(numElements(v->type().shape)));
  for (auto &o : outs)
    out.push_back({o.data(), uint64_t(o.size() * 4)});
  void *ws = nullptr;
  cnnrt_status s = cnnrt_workspace_alloc(m, &ws);
  if (s == CNNRT_OK)
    s = cnnrt_run(m, in.data(), int32_t(in.size()), out.data(),
                  int32_t(out.size()), ws, cnnrt_workspace_bytes(m), nullptr);
  if (s != CNNRT_OK)
    c.fail(fmt::format("    run fails: {}\n", cnnrt_last_error()));
  cnnrt_workspace_free(ws);
  cnnrt_unload(m);
  for (size_t i = 0; s == CNNRT_OK && i < c.expected.size(); ++i)
    if (!compareOutput(c.g->outputs()[i]->name(), outs[i].data(), c.expected[i],
                       c.log))
      c.failed = true;
}

} // namespace

int main(int argc, char **argv) {
  Options opts;
  std::vector<fs::path> paths;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--filter" && i + 1 < argc)
      opts.filter = argv[++i];
    else if (a == "--pipeline" && i + 1 < argc)
      opts.pipeline = argv[++i];
    else if (a == "--batch" && i + 1 < argc)
      opts.batch = size_t(std::max(1, std::atoi(argv[++i])));
    else if (a == "--jobs" && i + 1 < argc)
      opts.jobs = unsigned(std::max(1, std::atoi(argv[++i])));
    else if (a == "--no-nvrtc")
      opts.nvrtc = false;
    else if (a == "--no-emulate")
      opts.emulate = false;
    else if (a == "--device")
      opts.device = true;
    else if (a == "--require-all-ops")
      opts.requireAll = true;
    else if (!addCases(a, paths)) {
      fmt::print(stderr,
                 "cnnc-cuda-test: error: '{}' is not a .ir file or "
                 "a folder\n",
                 a);
      return 2;
    }
  }
  std::sort(paths.begin(), paths.end());
  std::erase_if(paths, [&](const fs::path &p) {
    return p.string().find(opts.filter) == std::string::npos;
  });
  if (paths.empty()) {
    fmt::print("no cases\n0 passed, 1 failed\n");
    return 1;
  }
  if (opts.nvrtc && !cuda::haveNvrtc()) {
    fmt::print(stderr, "cnnc-cuda-test: error: built without NVRTC; use "
                       "--no-nvrtc\n");
    return 2;
  }
  std::vector<Case> cases(paths.size());
  for (size_t i = 0; i < paths.size(); ++i)
    cases[i].path = paths[i];
  char tmpl[] = "/tmp/cnnc-cuda-test-XXXXXX";
  if (!mkdtemp(tmpl)) {
    fmt::print(stderr, "cnnc-cuda-test: error: cannot create a temporary "
                       "folder\n");
    return 1;
  }
  if (opts.device) {
    // One model at a time on the GPU. The first case that compiles also
    // tells whether there is a GPU at all.
    fs::path dir(tmpl);
    bool probed = false;
    for (Case &c : cases) {
      prepare(c, opts);
      if (c.failed)
        continue;
      runOnDevice(c, dir);
      if (!probed && !c.failed) {
        probed = true;
      } else if (!probed && c.log.find("no-device") != std::string::npos) {
        fs::remove_all(tmpl);
        fmt::print("skipped: no CUDA device to run on:\n{}", c.log);
        return 77;
      }
    }
    opts.nvrtc = opts.emulate = false;
  }
  size_t batches =
      opts.device ? 0 : (cases.size() + opts.batch - 1) / opts.batch;
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned j = 0; j < opts.jobs; ++j)
    workers.emplace_back([&] {
      for (size_t bi; (bi = next++) < batches;) {
        size_t b = bi * opts.batch, e = std::min(cases.size(), b + opts.batch);
        for (size_t i = b; i < e; ++i)
          prepare(cases[i], opts);
        fs::path dir = fs::path(tmpl) / fmt::format("batch{}", bi);
        fs::create_directories(dir);
        if (opts.nvrtc)
          nvrtcBatch(cases, b, e, dir);
        if (opts.emulate)
          emulateBatch(cases, b, e, dir);
      }
    });
  for (auto &w : workers)
    w.join();
  fs::remove_all(tmpl);

  std::vector<CaseOutcome> outcomes;
  for (Case &c : cases)
    outcomes.push_back({!c.failed, std::move(c.log), std::move(c.ops)});
  return reportCases(paths, outcomes, opts.requireAll);
}
