//===- Driver.cpp - From a graph to artefacts
//------------------------------===//
#include "compiler/Driver.h"

#include "compiler/DriverUtil.h"
#include "compiler/cuda/Compile.h"

#include "cnnc/hash.h"
#include "compiler/cpu/Codegen.h"
#include "compiler/cpu/Emit.h"
#include "compiler/host/Header.h"
#include "compiler/cpu/Lowering.h"
#include "compiler/cpu/Parallel.h"
#include "compiler/cpu/Target.h"
#include "compiler/host/WeightsObject.h"
#include "compiler/cpu/kernels/ParamsConv.h"
#include "ir/AtomicFile.h"

#include <llvm/ADT/SmallVector.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
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
      diag.error(SourceLoc{},
                 "--name expects a C identifier "
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

/// Lowers every node, then copies outputs that no node writes in place
/// (graph inputs, consts, outputs listed twice).
bool lowerGraph(const Graph &g, cpu::LowerCtx &lc) {
  return lowerGraphWith(
      g, lc, cpu::lowerNode,
      [](Buffer from, Buffer to, int64_t count, cpu::LowerCtx &ctx) {
        cpu::lowerCopy(from, to, count, ctx);
      });
}

//===--- --emit=kernels ---------------------------------------------------===//

/// The file name of each kernel: its index and the label of its first
/// call's node, plus the library kernel when that node runs several.
std::vector<std::string>
kernelFileNames(const std::vector<cpu::SpecialisedKernel> &kernels,
                const std::vector<cpu::KernelCall> &calls) {
  std::map<std::string, int> perLabel;
  for (const cpu::SpecialisedKernel &k : kernels)
    ++perLabel[kernelLabel(calls[k.calls[0]].node)];
  std::vector<std::string> names;
  for (size_t i = 0; i < kernels.size(); ++i) {
    std::string label = kernelLabel(calls[kernels[i].calls[0]].node);
    if (perLabel[label] > 1)
      label += "." + kernels[i].library;
    names.push_back(fmt::format("{:03}_{}.ll", i, fileSafe(label)));
  }
  return names;
}

/// The block sizes a kernel's parameters fix, for the kernels that block:
/// conv_blocked's output-channel blocks and rows (pixels of a 1x1 conv
/// across rows) per task and input-channel
/// blocks per chunk, conv_winograd's output-channel blocks and tiles per
/// unit and input-channel blocks per chunk, the depthwise kernels' rows.
Json paramsBlocks(const cpu::KernelCall &c) {
  auto read = [&](auto p) {
    std::memcpy(&p, c.params.data(), std::min(sizeof(p), c.params.size()));
    return p;
  };
  if (c.kernel == cpu::KernelId::ConvGemm) {
    auto p = read(cnnk::ConvParams{});
    return {{"rows", p.mBlock}, {"columns", p.pixelBlock}, {"depth", p.kc}};
  }
  if (c.kernel == cpu::KernelId::Gemm) {
    auto p = read(cnnk::GemmParams{});
    return {{"rows", p.mBlock}, {"columns", p.nBlock}, {"depth", p.kc}};
  }
  if (c.kernel == cpu::KernelId::ConvDepthwise) {
    auto p = read(cnnk::DepthwiseParams{});
    return {{"rows", p.rowBlock}, {"columns", p.colBlock}};
  }
  if (c.kernel == cpu::KernelId::ConvBlocked) {
    auto p = read(cnnk::ConvBlockedParams{});
    return {{"output_channel_blocks", p.ocGroup},
            {p.flat ? "pixels" : "rows", p.rowBlock},
            {"input_channel_blocks", p.icChunk}};
  }
  if (c.kernel == cpu::KernelId::ConvWinograd) {
    auto p = read(cnnk::ConvWinogradParams{});
    return {{"output_channel_blocks", p.ocGroup},
            {"tiles", p.tileBlock},
            {"input_channel_blocks", p.icChunk}};
  }
  if (c.kernel == cpu::KernelId::DepthwiseBlocked) {
    auto p = read(cnnk::DepthwiseBlockedParams{});
    return {{"rows", p.rowBlock}};
  }
  return nullptr; // the other kernels do not block
}

/// The manifest of the CPU module's kernels (DriverUtil.h).
Json manifestJson(const Graph &g, const std::string &name,
                  const cpu::Target &target, int64_t workspaceBytes,
                  const std::vector<cpu::SpecialisedKernel> &kernels,
                  const std::vector<std::string> &files,
                  const std::vector<cpu::KernelCall> &calls) {
  std::vector<ManifestKernel> ks;
  for (size_t i = 0; i < kernels.size(); ++i) {
    const cpu::SpecialisedKernel &k = kernels[i];
    const cpu::KernelCall &first = calls[k.calls[0]];
    ManifestKernel mk;
    mk.name = kernelLabel(first.node);
    mk.file = files[i];
    mk.function = k.function;
    mk.library = k.library;
    if (first.node && first.node->hasAttr("tile"))
      mk.tile = first.node->getInts("tile");
    mk.blocks = paramsBlocks(first);
    mk.details = {{"tasks", first.tasks}};
    for (size_t ci : k.calls) {
      const cpu::KernelCall &c = calls[ci];
      mk.calls.push_back(ManifestCall{ci, c.node, kernelLabel(c.node), c.flops,
                                      {{"tasks", c.tasks}}});
    }
    ks.push_back(std::move(mk));
  }
  double flops = 0;
  for (const cpu::KernelCall &c : calls)
    flops += c.flops;
  Json targetJson = {{"triple", target.info.triple},
                     {"cpu", target.info.cpu},
                     {"features", target.requiredFeatures}};
  return manifestJson(g, name, ManifestStyle{"cpu", "llvm-ir", "tile", "call"},
                      std::move(targetJson), Json::object(), workspaceBytes,
                      calls.size(), flops, ks);
}

/// --emit=kernels: each specialised kernel of the optimised module to its
/// own .ll file in `dir`, and manifest.json.
bool writeKernelFolder(const std::string &dir, llvm::Module &m, const Graph &g,
                       const std::string &name, const cpu::Target &target,
                       cpu::LowerCtx &lc,
                       const std::vector<cpu::SpecialisedKernel> &kernels,
                       DiagEngine &diag) {
  std::vector<std::string> files = kernelFileNames(kernels, lc.calls());
  fs::path out(dir);
  fs::path tmp = makeTempFolder(out, diag);
  if (tmp.empty())
    return false;
  bool ok = true;
  for (size_t i = 0; i < kernels.size() && ok; ++i) {
    std::unique_ptr<llvm::Module> km =
        cpu::extractFunction(m, kernels[i].function);
    ok = km && writePlainFile(tmp / files[i], cpu::printModule(*km));
  }
  std::string manifest = manifestJson(g, name, target, lc.workspaceBytes(),
                                      kernels, files, lc.calls())
                             .dump(2) +
                         "\n";
  ok = ok && writePlainFile(tmp / "manifest.json", manifest);
  return finishFolder(ok, tmp, out, diag);
}

/// A few large parts would leave threads idle, many small ones cost a
/// module's setup each (the kernel library read into each context). A part
/// is at least kMinPartCost LLVM instructions of library code its kernels
/// reach (about 0.1 s to compile); a model under twice that stays one
/// module (CodegenOptions::deferMinCost).
constexpr size_t kMaxParts = 12;
constexpr uint64_t kMinPartCost = 6000;

/// --emit=so and --emit=obj: the module split into parts compiled on
/// `opts.jobs` threads (Parallel.h), the weights written as an object of
/// their own (WeightsObject.h), all linked into the artefact: a shared
/// object, or one relocatable object (ld -r).
bool emitInParts(std::unique_ptr<llvm::Module> m, const CompileOptions &opts,
                 const cpu::CodegenOptions &co, const std::string &output,
                 const cpu::Target &target, cpu::LowerCtx &lc,
                 const std::vector<cpu::KernelJob> &kernelJobs,
                 bool weightsObject, StageTimer &timer, DiagEngine &diag) {
  const std::string &name = co.name;
  // The linker's inputs are memory files (Emit.h: LinkInput), or files
  // beside the output (resolveOutput requires a file for .so and .o).
  fs::path base(fmt::format("{}.tmp{}", output, getpid()));
  std::string error;

  // The weights object: the lowering packed the weights into a memory file
  // after room for the object's header (LowerCtx::weightsInMemoryFile), so
  // only the header and the tables after the weights are written here.
  // Else it is written while the kernels compile: for a network of
  // hundreds of megabytes that is copying, not computing.
  // The linker then reads an object declaring the weights' section with
  // no bytes (like .bss), and the bytes are copied from the memory file
  // into what it linked (host::fillWeights): the linker never holds them.
  host::LinkInput weightsInput, weightsDecl;
  std::string weightsError;
  bool weightsOk = true;
  std::thread weightsWriter;
  size_t weightBytes = lc.weights().size();
  int weightsFd = -1;
  if (int fd = weightsObject ? lc.takeWeightsFile() : -1; fd >= 0) {
    weightsInput.adopt(fd);
    weightsFd = fd;
    weightsOk = host::frameWeightsObject(
        fd, target.info.triple, name + ".weights", weightBytes, weightsError,
        host::kWeightsFileHeader);
    if (weightsOk) {
      host::WeightsObjectFrame decl = host::weightsObjectFrame(
          target.info.triple, name + ".weights", weightBytes, /*noBits=*/true);
      weightsOk = host::writeLinkInput(
          weightsDecl, name + ".weights-decl.o",
          base.string() + ".weights-decl.o", decl.header + decl.trailer,
          weightsError);
    }
  } else if (weightsObject) {
    weightsOk = weightsInput.open(name + ".weights.o",
                                  base.string() + ".weights.o", weightsError);
    if (weightsOk)
      weightsWriter = std::thread([&] {
        host::writeWeightsObject(weightsInput.os(), target.info.triple,
                                name + ".weights", lc.weights().bytes());
        weightsOk = weightsInput.finish(weightsError);
      });
  }
  struct Joiner {
    std::thread &t;
    ~Joiner() {
      if (t.joinable())
        t.join();
    }
  } joiner{weightsWriter};

  std::vector<cpu::ModulePart> parts;
  if (!kernelJobs.empty())
    parts = cpu::makeParts(*m, kernelJobs, kMaxParts, kMinPartCost);
  std::vector<llvm::SmallVector<char, 0>> objects;
  if (parts.empty()) {
    // One module: optimised and emitted here.
    if (opts.optLevel > 0)
      cpu::optimizeModule(*m, target, opts.optLevel);
    timer.lap("optimise");
    objects.emplace_back();
    if (!cpu::emitMachineCode(*m, target, cpu::FileKind::Object,
                              objects.back(), error)) {
      diag.error(SourceLoc{}, "{}", error);
      return false;
    }
    m.reset();
    timer.lap("emit");
  } else {
    m.reset();
    timer.lap("split");
    unsigned jobs = opts.jobs
                        ? opts.jobs
                        : std::max(1u, std::thread::hardware_concurrency());
    cpu::PartTimes times;
    if (!cpu::compileParts(parts, target, co, opts.targetCpu,
                           opts.targetFeatures, opts.optLevel, jobs, objects,
                           times, error)) {
      diag.error(SourceLoc{}, "internal error: {}", error);
      return false;
    }
    timer.lap("compile");
    timer.note(fmt::format("{} parts on {} threads: build {:.1f} ms, "
                           "optimise {:.1f} ms, emit {:.1f} ms (summed over "
                           "the parts)",
                           parts.size(), std::min<size_t>(jobs, parts.size()),
                           times.build * 1e3, times.optimise * 1e3,
                           times.emit * 1e3));
    parts.clear();
  }

  std::vector<host::LinkInput> inputs(objects.size());
  std::vector<std::string> files;
  bool ok = true;
  for (size_t i = 0; i < objects.size() && ok; ++i) {
    ok = host::writeLinkInput(
        inputs[i], fmt::format("{}.{}.o", name, i),
        fmt::format("{}.{}.o", base.string(), i),
        std::string_view(objects[i].data(), objects[i].size()), error);
    files.push_back(inputs[i].path());
  }
  objects.clear();
  if (weightsWriter.joinable())
    weightsWriter.join();
  if (ok && weightsObject) {
    ok = weightsOk;
    if (!ok)
      error = weightsError;
  }
  if (!opts.externalWeights)
    lc.releaseWeights();
  bool shared = opts.kind == ArtifactKind::SharedObject;
  std::string linked = base.string() + (shared ? ".so" : ".o");
  host::FillResult filled = host::FillResult::Unsupported;
  if (ok && weightsFd >= 0) {
    std::vector<std::string> withDecl = files;
    withDecl.push_back(weightsDecl.path());
    ok = host::linkObjects(withDecl, linked, !shared, error,
                          /*weightsLast=*/true);
    if (ok)
      filled = host::fillWeights(linked, weightsFd, host::kWeightsFileHeader,
                                weightBytes, error);
    ok = ok && filled != host::FillResult::Failed;
  }
  // Else (or where the linker laid the section out otherwise) the linker
  // copies the weights object.
  if (ok && filled != host::FillResult::Filled) {
    if (weightsObject)
      files.push_back(weightsInput.path());
    ok = host::linkObjects(files, linked, !shared, error);
  }
  if (ok) {
    std::error_code ec;
    fs::rename(linked, output, ec);
    if (ec) {
      ok = false;
      error = fmt::format("cannot write '{}': {}", output, ec.message());
    }
  }
  if (!ok) {
    std::remove(linked.c_str());
    diag.error(SourceLoc{}, "{}", error);
    return false;
  }
  timer.lap("link");
  return !opts.externalWeights ||
         writeExternalWeights(output, lc.weights(), diag);
}

} // namespace

/// compileGraph; with `owned` (= &g), the consts' data is taken from the
/// graph and freed as it is packed.
bool compileCpu(const Graph &g, Graph *owned, const CompileOptions &opts,
                DiagEngine &diag) {
  if (opts.kind == ArtifactKind::Cuda || opts.kind == ArtifactKind::Ptx) {
    diag.error(SourceLoc{}, "--emit={} needs --target=cuda",
               opts.kind == ArtifactKind::Cuda ? "cuda" : "ptx");
    return false;
  }
  StageTimer timer(opts.timeStages);
  std::string output;
  if (!resolveOutput(opts, output, diag))
    return false;
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
  bool inParts = opts.kind == ArtifactKind::Object ||
                 opts.kind == ArtifactKind::SharedObject;
  bool weightsObject = inParts && !opts.externalWeights &&
                       host::canWriteWeightsObject(target->info.triple);
  // The weights packed straight into the object the linker reads.
  if (weightsObject && host::memoryFilesLinkable()) {
    fs::path dir = fs::path(output).parent_path();
    lc.weightsInMemoryFile(host::kWeightsFileHeader,
                           dir.empty() ? "." : dir.string());
  }
  if (owned)
    lc.takeConstants(*owned);
  if (!lowerGraph(g, lc))
    return false;
  lc.releaseConstants();
  timer.lap("lower");
  if (opts.kind == ArtifactKind::Header)
    return writeArtefact(
        opts.output, host::generateHeader(g, name, lc.workspaceBytes()), diag);

  cpu::CodegenOptions co;
  co.name = name;
  co.genericEntry = opts.kind == ArtifactKind::SharedObject;
  co.externalWeights = opts.externalWeights;
  co.optLevel = opts.optLevel;
  co.profile = opts.profile;
  co.shareKernels = opts.shareKernels;
  co.weightsObject = weightsObject;
  // The kernels built on worker threads (Parallel.h), unless they are few.
  co.deferKernels = inParts;
  co.deferMinCost = 2 * kMinPartCost;
  if (co.externalWeights)
    co.weightsFile = fs::path(weightsPathFor(opts.output)).filename().string();
  co.weightsHash = lc.weightsHash();
  llvm::LLVMContext llvmCtx;
  std::vector<cpu::SpecialisedKernel> kernels;
  std::vector<cpu::KernelJob> kernelJobs;
  std::unique_ptr<llvm::Module> m = cpu::buildModule(
      llvmCtx, g, lc, *target, co, error, &kernels, &kernelJobs);
  if (!m) {
    diag.error(g.loc(), "internal error: {}", error);
    return false;
  }
  timer.lap("codegen");
  if (inParts)
    return emitInParts(std::move(m), opts, co, output, *target, lc,
                       kernelJobs, co.weightsObject, timer, diag);
  if (opts.optLevel > 0)
    cpu::optimizeModule(*m, *target, opts.optLevel);
  timer.lap("optimise");
  if (opts.kind == ArtifactKind::Kernels)
    return writeKernelFolder(output, *m, g, name, *target, lc, kernels, diag);

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
  case ArtifactKind::Kernels:
  case ArtifactKind::Cuda:
  case ArtifactKind::Ptx:
    break;
  }
  m.reset();
  timer.lap("emit");
  std::string_view artefactBytes(artefact.data(), artefact.size());
  bool weightsFile = opts.externalWeights && opts.kind != ArtifactKind::LLVM &&
                     opts.kind != ArtifactKind::Assembly;
  return writeCodeArtefact(opts.kind, artefactBytes, opts.output,
                           weightsFile ? &lc.weights() : nullptr, timer, diag);
}

bool compileGraph(const Graph &g, const CompileOptions &opts,
                  DiagEngine &diag) {
  if (opts.backend == Backend::Cuda)
    return cuda::compileGraph(g, opts, diag);
  return compileCpu(g, nullptr, opts, diag);
}

bool compileGraphConsuming(Graph &g, const CompileOptions &opts,
                           DiagEngine &diag) {
  if (opts.backend == Backend::Cuda)
    return cuda::compileGraph(g, opts, diag);
  return compileCpu(g, &g, opts, diag);
}

} // namespace cnnc
