//===- FuzzCompile.cpp - differential fuzz target: compiler vs interpreter ===//
//
// Random-program testing: the input drives a generator of small CNN graphs
// of supported ops (convs of every kind the kernels distinguish: plain,
// strided, dilated, grouped, depthwise, 1x1; activations; pools; batch
// norm; per-channel scale; residual adds; concats; a pooled gemm head),
// always valid by construction. Each graph is compiled by the CPU backend
// with the default pipeline (fusion, layouts, tiling, memory planning) into
// a shared object, loaded by libcnnrt and run on 1 and 2 threads; every
// output must match the reference interpreter on the graph as written
// (within 1e-4 of the output's scale plus 1e-3 relative) and the two runs
// must agree bit for bit. A mismatch prints the graph and traps;
// CNNC_FUZZ_PRINT=1 prints every graph.
//
//===----------------------------------------------------------------------===//
#include "FuzzUtil.h"
#include "cnnc/runtime.h"
#include "compiler/Driver.h"
#include "compiler/Pipeline.h"
#include "ir/Interpreter.h"
#include "ir/Parser.h"
#include "ir/ShapeInference.h"
#include "passes/PassManager.h"

// clang's own header; the gcc build names it by path (clang's include
// folder cannot be put on gcc's include path).
#ifdef CNNC_FUZZED_DATA_PROVIDER_PATH
#include CNNC_FUZZED_DATA_PROVIDER_PATH
#else
#include <fuzzer/FuzzedDataProvider.h>
#endif

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace cnnc;

namespace {

struct Val {
  std::string name;
  int64_t c, h, w; // [1, c, h, w]
};

const char *const Acts[] = {"relu",
                            "sigmoid",
                            "tanh",
                            "silu",
                            "hard_swish",
                            "gelu",
                            "leaky_relu {alpha=0.1}",
                            "clip {min=-0.5, max=0.5}",
                            "elu",
                            "softplus",
                            "mish",
                            "hard_sigmoid"};

/// Writes a random graph in IR text; returns it.
std::string generate(FuzzedDataProvider &p) {
  std::string ir = "graph fuzz {\n";
  int seed = 1, id = 0;
  auto fresh = [&](const char *base) {
    return std::string(base) + std::to_string(id++);
  };
  auto weight = [&](const std::string &shape) {
    std::string n = fresh("w");
    ir += "  %" + n + " = const random(" + std::to_string(seed++) +
          ", -0.5, 0.5) : f32[" + shape + "]\n";
    return n;
  };
  Val x{"x", p.ConsumeIntegralInRange<int64_t>(1, 12),
        p.ConsumeIntegralInRange<int64_t>(1, 14),
        p.ConsumeIntegralInRange<int64_t>(1, 14)};
  ir += "  input %x : f32[1," + std::to_string(x.c) + "," +
        std::to_string(x.h) + "," + std::to_string(x.w) + "]\n";
  std::vector<Val> vals{x};
  Val cur = x;
  auto emit = [&](const std::string &rhs, Val v) {
    ir += "  %" + v.name + " = " + rhs + "\n";
    vals.push_back(v);
    cur = v;
  };
  int ops = p.ConsumeIntegralInRange(1, 8);
  for (int i = 0; i < ops && p.remaining_bytes() > 0; ++i) {
    switch (p.ConsumeIntegralInRange(0, 7)) {
    case 0:
    case 1: { // conv
      int64_t k = p.ConsumeIntegralInRange<int64_t>(1, 3);
      int64_t s = p.ConsumeIntegralInRange<int64_t>(1, 2);
      int64_t d = p.ConsumeIntegralInRange(0, 3) == 0 ? 2 : 1;
      int64_t pad = p.ConsumeIntegralInRange<int64_t>(0, k / 2 * d);
      int64_t ext = (k - 1) * d + 1;
      if (cur.h + 2 * pad < ext || cur.w + 2 * pad < ext)
        break;
      int64_t groups = 1, m;
      int kind = p.ConsumeIntegralInRange(0, 3);
      if (kind == 0) { // depthwise
        groups = cur.c;
        m = cur.c * p.ConsumeIntegralInRange<int64_t>(1, 2);
      } else if (kind == 1 && cur.c % 2 == 0) { // grouped
        groups = 2;
        m = 2 * p.ConsumeIntegralInRange<int64_t>(1, 8);
      } else {
        m = p.ConsumeIntegralInRange<int64_t>(1, 20);
      }
      std::string w =
          weight(std::to_string(m) + "," + std::to_string(cur.c / groups) +
                 "," + std::to_string(k) + "," + std::to_string(k));
      std::string args = "%" + cur.name + ", %" + w;
      if (p.ConsumeBool())
        args += ", %" + weight(std::to_string(m));
      Val v{fresh("c"), m, (cur.h + 2 * pad - ext) / s + 1,
            (cur.w + 2 * pad - ext) / s + 1};
      std::string pads = std::to_string(pad);
      emit("conv(" + args + ") {stride=[" + std::to_string(s) + "," +
               std::to_string(s) + "], dilation=[" + std::to_string(d) + "," +
               std::to_string(d) + "], pads=[" + pads + "," + pads + "," +
               pads + "," + pads + "], groups=" + std::to_string(groups) + "}",
           v);
      break;
    }
    case 2: { // activation
      const char *a = Acts[p.ConsumeIntegralInRange<size_t>(
          0, sizeof Acts / sizeof *Acts - 1)];
      std::string op(a), attrs;
      if (size_t sp = op.find(' '); sp != std::string::npos) {
        attrs = op.substr(sp);
        op = op.substr(0, sp);
      }
      emit(op + "(%" + cur.name + ")" + attrs,
           Val{fresh("a"), cur.c, cur.h, cur.w});
      break;
    }
    case 3: { // pool
      int64_t k = p.ConsumeIntegralInRange<int64_t>(1, 3);
      int64_t s = p.ConsumeIntegralInRange<int64_t>(1, 2);
      int64_t pad = p.ConsumeIntegralInRange<int64_t>(0, k / 2);
      if (cur.h + 2 * pad < k || cur.w + 2 * pad < k)
        break;
      bool avg = p.ConsumeBool();
      std::string ks = std::to_string(k), ss = std::to_string(s),
                  ps = std::to_string(pad);
      emit(std::string(avg ? "avg_pool" : "max_pool") + "(%" + cur.name +
               ") {kernel=[" + ks + "," + ks + "], stride=[" + ss + "," + ss +
               "], pads=[" + ps + "," + ps + "," + ps + "," + ps + "]" +
               (avg && p.ConsumeBool() ? ", count_include_pad=0" : "") + "}",
           Val{fresh("p"), cur.c, (cur.h + 2 * pad - k) / s + 1,
               (cur.w + 2 * pad - k) / s + 1});
      break;
    }
    case 4: { // batch norm, or a per-channel scale
      std::string c = std::to_string(cur.c);
      if (p.ConsumeBool()) {
        std::string g = weight(c), b = weight(c), mean = weight(c);
        std::string var = fresh("w");
        ir += "  %" + var + " = const random(" + std::to_string(seed++) +
              ", 0.5, 1.5) : f32[" + c + "]\n";
        emit("batch_norm(%" + cur.name + ", %" + g + ", %" + b + ", %" + mean +
                 ", %" + var + ")",
             Val{fresh("b"), cur.c, cur.h, cur.w});
      } else {
        std::string s = weight("1," + c + ",1,1");
        emit("mul(%" + cur.name + ", %" + s + ")",
             Val{fresh("s"), cur.c, cur.h, cur.w});
      }
      break;
    }
    case 5: { // residual add with an earlier value of the same shape
      for (const Val &v : vals)
        if (v.name != cur.name && v.c == cur.c && v.h == cur.h &&
            v.w == cur.w) {
          emit("add(%" + cur.name + ", %" + v.name + ")",
               Val{fresh("r"), cur.c, cur.h, cur.w});
          break;
        }
      break;
    }
    case 6: { // concat with an earlier value of the same spatial size
      for (const Val &v : vals)
        if (v.name != cur.name && v.h == cur.h && v.w == cur.w) {
          emit("concat(%" + cur.name + ", %" + v.name + ") {axis=1}",
               Val{fresh("k"), cur.c + v.c, cur.h, cur.w});
          break;
        }
      break;
    }
    case 7: { // a pooled fully connected head ends the graph
      std::string gp = fresh("g"), fl = fresh("f");
      ir += "  %" + gp + " = global_avg_pool(%" + cur.name + ")\n";
      ir += "  %" + fl + " = flatten(%" + gp + ")\n";
      int64_t n = p.ConsumeIntegralInRange<int64_t>(1, 10);
      std::string w = weight(std::to_string(n) + "," + std::to_string(cur.c));
      std::string b = weight(std::to_string(n));
      std::string y = fresh("y");
      ir += "  %" + y + " = gemm(%" + fl + ", %" + w + ", %" + b +
            ") {trans_b=1}\n";
      ir += "  output %" + y + "\n}\n";
      return ir;
    }
    }
  }
  ir += "  output %" + cur.name + "\n}\n";
  return ir;
}

std::string messages(const DiagEngine &d) {
  std::string s;
  for (const Diagnostic &x : d.diagnostics())
    s += DiagEngine::format(x) + "\n";
  return s;
}

[[noreturn]] void mismatch(const std::string &ir, const std::string &what) {
  std::fprintf(stderr, "FuzzCompile: %s\n--- graph ---\n%s", what.c_str(),
               ir.c_str());
  __builtin_trap();
}

/// Runs the model on `x` with a pool of `threads`.
std::vector<float> run(const cnnrt_model *m, const Tensor &x, int threads,
                       const std::string &ir) {
  const cnnc_tensor_desc *od = cnnrt_output_desc(m, 0);
  std::vector<float> y(size_t(od->bytes / 4), NAN);
  cnnrt_pool *pool = nullptr;
  void *ws = nullptr;
  cnnrt_input in{x.ptr(), uint64_t(x.data.size() * 4)};
  cnnrt_output out{y.data(), uint64_t(od->bytes)};
  if (cnnrt_pool_create(threads, &pool) != CNNRT_OK ||
      cnnrt_workspace_alloc(m, &ws) != CNNRT_OK ||
      cnnrt_run(m, &in, 1, &out, 1, ws, cnnrt_workspace_bytes(m), pool) !=
          CNNRT_OK)
    mismatch(ir,
             std::string("the compiled model failed: ") + cnnrt_last_error());
  cnnrt_workspace_free(ws);
  cnnrt_pool_destroy(pool);
  return y;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FuzzedDataProvider p(data, size);
  std::string ir = generate(p);
  if (std::getenv("CNNC_FUZZ_PRINT"))
    std::fprintf(stderr, "%s", ir.c_str());
  DiagEngine diag;
  diag.setPrintImmediately(false);
  std::unique_ptr<Graph> g = parseGraph(ir, "fuzz.ir", diag);
  if (!g || !inferShapes(*g, diag))
    mismatch(ir, "the generator wrote a graph that does not verify:\n" +
                     messages(diag));
  std::vector<Tensor> inputs = randomInputs(*g, 7);
  std::optional<std::vector<Tensor>> want = interpret(*g, inputs, diag);
  if (!want)
    mismatch(ir, "the interpreter failed:\n" + messages(diag));

  // Compile as cnnc does: the default pipeline, then the CPU backend.
  PassOptions popts;
  popts.dump = [](const std::string &) {};
  if (!passTargetFor("", "", popts.target, diag))
    mismatch(ir, "no pass target for this host");
  PassManager pm(popts);
  if (!pm.parsePipeline(defaultPipeline(3), diag) || !pm.run(*g, diag))
    mismatch(ir, "the pass pipeline failed:\n" + messages(diag));
  cnnc_fuzz::TempFile so(nullptr, 0, ".so");
  CompileOptions copts;
  copts.output = so.path();
  copts.jobs = 1;
  if (!compileGraph(*g, copts, diag))
    mismatch(ir, "compiling failed:\n" + messages(diag));
  cnnrt_model *m = nullptr;
  if (cnnrt_load(so.path().c_str(), &m) != CNNRT_OK)
    mismatch(ir, std::string("loading failed: ") + cnnrt_last_error());
  std::vector<float> y1 = run(m, inputs[0], 1, ir);
  std::vector<float> y2 = run(m, inputs[0], 2, ir);
  cnnrt_unload(m);
  const Tensor &r = (*want)[0];
  if (r.data.size() != y1.size())
    mismatch(ir, "the output sizes differ");
  double scale = 0;
  for (float v : r.data)
    scale = std::max(scale, double(std::fabs(v)));
  for (size_t i = 0; i < y1.size(); ++i) {
    double err = std::fabs(double(y1[i]) - r.data[i]);
    if (!(err <= 1e-4 * scale + 1e-3 * std::fabs(r.data[i]) + 1e-6))
      mismatch(ir, "output element " + std::to_string(i) + ": compiled " +
                       std::to_string(y1[i]) + ", interpreter " +
                       std::to_string(r.data[i]));
  }
  if (std::memcmp(y1.data(), y2.data(), y1.size() * sizeof(float)) != 0)
    mismatch(ir, "1 and 2 threads give different results");
  return 0;
}
