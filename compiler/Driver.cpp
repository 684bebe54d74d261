//===- Driver.cpp - From a graph to artefacts ------------------------------===//
#include "compiler/Driver.h"

#include "compiler/cpu/Codegen.h"
#include "compiler/cpu/Emit.h"
#include "compiler/cpu/Header.h"
#include "compiler/cpu/Lowering.h"
#include "compiler/cpu/Target.h"
#include "ir/AtomicFile.h"

#include <llvm/IR/LLVMContext.h>
#include <llvm/ADT/SmallVector.h>
#include <llvm/IR/Module.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

namespace cnnc {

namespace fs = std::filesystem;

static bool isIdentifier(const std::string &s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0])))
    return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      return false;
  return true;
}

std::string modelSymbolName(const Graph &g, const std::string &requested,
                            DiagEngine &diag) {
  if (!requested.empty()) {
    if (!isIdentifier(requested)) {
      diag.error(SourceLoc{}, "--name expects a C identifier "
                              "([A-Za-z_][A-Za-z0-9_]*), found '{}'",
                 requested);
      return "";
    }
    return requested;
  }
  std::string n;
  for (char c : g.name())
    n += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (n.empty() || std::isdigit(static_cast<unsigned char>(n[0])))
    n = "m" + n;
  return n;
}

namespace {

/// Prints "cnnc: <stage>: N ms" when asked.
class StageTimer {
public:
  explicit StageTimer(bool on) : On(on), Start(Clock::now()) {}
  void lap(const char *stage) {
    auto now = Clock::now();
    if (On)
      std::fprintf(stderr, "cnnc: %-10s %8.1f ms\n", stage,
                   std::chrono::duration<double, std::milli>(now - Start)
                       .count());
    Start = now;
  }

private:
  using Clock = std::chrono::steady_clock;
  bool On;
  Clock::time_point Start;
};

/// Lowers every node, then copies outputs that no node writes in place
/// (graph inputs, consts, outputs listed twice).
bool lowerGraph(const Graph &g, cpu::LowerCtx &lc) {
  lc.planBuffers();
  for (const auto &n : g.nodes()) {
    lc.setCurrentNode(n.get());
    if (!cpu::lowerNode(*n, lc))
      return false;
  }
  lc.setCurrentNode(nullptr);
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    const Value *v = g.outputs()[i];
    cpu::Buffer b = lc.buffer(v);
    if (b.kind == cpu::Buffer::Output && b.index == int64_t(i))
      continue;
    cpu::lowerCopy(b, cpu::Buffer{cpu::Buffer::Output, int64_t(i), 0},
                   cpu::numElementsOf(v), lc);
  }
  return !lc.hadError();
}

/// Writes a text or object artefact to `path`, or to standard output for
/// "-" or an empty path.
bool writeArtefact(const std::string &path, std::string_view data,
                   DiagEngine &diag) {
  if (!path.empty() && path != "-")
    return writeFileAtomically(path, data, diag);
  std::fwrite(data.data(), 1, data.size(), stdout);
  return true;
}

std::string weightsPathFor(const std::string &output) {
  fs::path p(output);
  p.replace_extension(".weights");
  return p.string();
}

} // namespace

bool compileGraph(const Graph &g, const CompileOptions &opts,
                  DiagEngine &diag) {
  StageTimer timer(opts.timeStages);
  fs::path dir = fs::path(opts.output).parent_path();
  if (!dir.empty() && !fs::is_directory(dir)) {
    diag.error(SourceLoc{}, "cannot write '{}': no folder '{}'", opts.output,
               dir.string());
    return false;
  }
  std::string name = modelSymbolName(g, opts.name, diag);
  if (name.empty())
    return false;
  std::string error;
  std::unique_ptr<cpu::Target> target =
      cpu::resolveTarget(opts.targetCpu, opts.targetFeatures, error);
  if (!target) {
    diag.error(SourceLoc{}, "{}", error);
    return false;
  }
  cpu::LowerCtx lc(g, target->info, diag);
  if (!lowerGraph(g, lc))
    return false;
  lc.releaseConstants();
  timer.lap("lower");
  if (opts.kind == ArtifactKind::Header)
    return writeArtefact(
        opts.output, cpu::generateHeader(g, name, lc.workspaceBytes()), diag);

  cpu::CodegenOptions co;
  co.name = name;
  co.genericEntry = opts.kind == ArtifactKind::SharedObject;
  co.externalWeights = opts.externalWeights;
  co.optLevel = opts.optLevel;
  if (co.externalWeights) {
    co.weightsFile = fs::path(weightsPathFor(opts.output)).filename().string();
    co.weightsHash = cpu::fnv1a64(lc.weights().data(), lc.weights().size());
  }
  llvm::LLVMContext llvmCtx;
  std::unique_ptr<llvm::Module> m =
      cpu::buildModule(llvmCtx, g, lc, *target, co, error);
  if (!m) {
    diag.error(g.loc(), "internal error: {}", error);
    return false;
  }
  timer.lap("codegen");
  if (opts.optLevel > 0)
    cpu::optimizeModule(*m, *target, opts.optLevel);
  timer.lap("optimise");

  // The module holds its own copy of the weights now; when they are
  // embedded, the lowering's is no longer needed (large networks).
  if (!opts.externalWeights)
    lc.releaseWeights();
  llvm::SmallVector<char, 0> artefact;
  switch (opts.kind) {
  case ArtifactKind::LLVM: {
    std::string text = cpu::printModule(*m);
    artefact.assign(text.begin(), text.end());
    break;
  }
  case ArtifactKind::Assembly:
  case ArtifactKind::Object:
  case ArtifactKind::SharedObject:
    if (!cpu::emitMachineCode(*m, *target,
                              opts.kind == ArtifactKind::Assembly
                                  ? cpu::FileKind::Assembly
                                  : cpu::FileKind::Object,
                              artefact, error)) {
      diag.error(SourceLoc{}, "{}", error);
      return false;
    }
    break;
  case ArtifactKind::Header:
    break;
  }
  m.reset();
  timer.lap("emit");
  std::string_view artefactBytes(artefact.data(), artefact.size());

  if (opts.kind == ArtifactKind::SharedObject) {
    std::string obj = fmt::format("{}.tmp{}.o", opts.output, getpid());
    std::string so = fmt::format("{}.tmp{}.so", opts.output, getpid());
    bool ok = writeFileAtomically(obj, artefactBytes, diag) &&
              cpu::linkSharedObject(obj, so, error);
    std::remove(obj.c_str());
    if (!ok) {
      std::remove(so.c_str());
      if (!error.empty())
        diag.error(SourceLoc{}, "{}", error);
      return false;
    }
    std::error_code ec;
    fs::rename(so, opts.output, ec);
    if (ec) {
      std::remove(so.c_str());
      diag.error(SourceLoc{}, "cannot write '{}': {}", opts.output,
                 ec.message());
      return false;
    }
    timer.lap("link");
  } else if (!writeArtefact(opts.output, artefactBytes, diag)) {
    return false;
  }
  if (opts.externalWeights && opts.kind != ArtifactKind::LLVM &&
      opts.kind != ArtifactKind::Assembly) {
    const auto &w = lc.weights();
    if (!writeFileAtomically(
            weightsPathFor(opts.output),
            std::string_view(reinterpret_cast<const char *>(w.data()),
                             w.size()),
            diag)) {
      std::remove(opts.output.c_str());
      return false;
    }
  }
  return true;
}

} // namespace cnnc
