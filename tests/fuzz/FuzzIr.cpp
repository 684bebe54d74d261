//===- FuzzIr.cpp - fuzz target: IR text -> verifier, shapes, passes ------===//
//
// Parses the input as IR text; when it parses, verifies it and infers every
// shape; when that succeeds on a small graph (every tensor under 1e5
// elements, so that constant folding stays cheap), runs the default pass
// pipeline and verifies the result.
//
//===----------------------------------------------------------------------===//
#include "compiler/Pipeline.h"
#include "ir/Diagnostics.h"
#include "ir/Parser.h"
#include "ir/ShapeInference.h"
#include "ir/Verifier.h"
#include "passes/PassManager.h"

#include <cstdint>
#include <string_view>

using namespace cnnc;

namespace {
bool small(const Graph &g) {
  for (const auto &n : g.nodes())
    for (unsigned i = 0; i < n->numResults(); ++i) {
      const Value *v = n->result(i);
      std::optional<int64_t> e = checkedNumElements(v->type().shape);
      if (!e || *e > 100000)
        return false;
    }
  return true;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  DiagEngine diag;
  diag.setPrintImmediately(false);
  std::string_view text(reinterpret_cast<const char *>(data), size);
  std::unique_ptr<Graph> g = parseGraph(text, "fuzz.ir", diag);
  if (!g || !verifyGraph(*g, diag) || !inferShapes(*g, diag) || !small(*g))
    return 0;
  // The pass target of a fixed machine (AVX-512), so that the result does
  // not depend on the host.
  PassOptions opts;
  opts.dump = [](const std::string &) {};
  if (!passTargetFor("skylake-avx512", "", opts.target, diag))
    __builtin_trap();
  PassManager pm(opts);
  if (!pm.parsePipeline(defaultPipeline(3), diag))
    __builtin_trap(); // the default pipeline always parses
  if (pm.run(*g, diag) && !verifyGraph(*g, diag))
    __builtin_trap(); // passes must leave a valid graph
  return 0;
}
