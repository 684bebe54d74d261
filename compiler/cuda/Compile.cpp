//===- Compile.cpp - The CUDA backend's driver ---------------------------===//
#include "compiler/cuda/Compile.h"

#include "cnnc/hash.h"
#include "compiler/DriverUtil.h"
#include "compiler/host/Header.h"
#include "compiler/host/Machine.h"
#include "compiler/cuda/Artifact.h"
#include "compiler/cuda/Library.h"
#include "compiler/cuda/Nvrtc.h"
#include "compiler/cuda/Source.h"

#include <llvm/ADT/SmallVector.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <fmt/format.h>

#include <set>

namespace cnnc::cuda {

namespace fs = std::filesystem;

bool lowerGraph(const Graph &g, LowerCtx &lc) {
  return lowerGraphWith(
      g, lc, lowerNode, [](Buffer from, Buffer to, int64_t count,
                           LowerCtx &ctx) { lowerCopy(from, to, count, ctx); });
}

namespace {

//===--- --emit=cuda / --emit=kernels -------------------------------------===//

Json dimJson(const Dim3 &d) { return Json::array({d.x, d.y, d.z}); }

ManifestKernel manifestKernel(const Kernel &k, const std::string &file,
                              const std::vector<Launch> &launches) {
  const Launch &first = launches[k.launches[0]];
  ManifestKernel mk;
  mk.name = k.label;
  mk.file = file;
  mk.function = k.function;
  mk.library = first.tmpl;
  if (first.node && first.node->hasAttr("gpu_tile"))
    mk.tile = first.node->getInts("gpu_tile");
  if (!first.tile.empty())
    mk.blocks = first.tile;
  mk.details = {{"grid", dimJson(first.grid)}, {"block", dimJson(first.block)}};
  for (size_t li : k.launches) {
    const Launch &l = launches[li];
    mk.calls.push_back(ManifestCall{li, l.node, launchLabel(l), l.flops,
                                    {{"grid", dimJson(l.grid)}}});
  }
  return mk;
}

bool writeSourceFolder(const std::string &dir, const Graph &g,
                       const std::string &name, const std::vector<int> &archs,
                       LowerCtx &lc, const Program &prog, DiagEngine &diag) {
  fs::path out(dir);
  fs::path tmp = makeTempFolder(out, diag);
  if (tmp.empty())
    return false;
  std::error_code ec;
  bool ok = fs::create_directory(tmp / "cnnk", ec) && !ec;
  for (const LibraryFile &f : libraryFiles())
    ok = ok && writePlainFile(tmp / f.name, f.text);
  ok = ok && writePlainFile(tmp / "model.cu", prog.text);
  const std::vector<Launch> &launches = lc.launches();
  std::vector<ManifestKernel> ks;
  double flops = 0;
  for (size_t i = 0; i < prog.kernels.size() && ok; ++i) {
    const Kernel &k = prog.kernels[i];
    std::string file = fmt::format("{:03}_{}.cu", i, fileSafe(k.label));
    ok = writePlainFile(tmp / file, standaloneSource(k));
    ks.push_back(manifestKernel(k, file, launches));
  }
  for (const Launch &l : launches)
    flops += l.flops;
  Json archList = Json::array();
  for (int a : archs)
    archList.push_back(fmt::format("sm_{}", a));
  Json manifest = manifestJson(
      g, name, ManifestStyle{"cuda", "cuda", "gpu_tile", "launch"},
      {{"archs", archList}, {"nvrtc", nvrtcVersion()}},
      {{"program", "model.cu"}}, lc.workspaceBytes(), launches.size(), flops,
      ks);
  ok = ok && writePlainFile(tmp / "manifest.json", manifest.dump(2) + "\n");
  return finishFolder(ok, tmp, out, diag);
}

} // namespace

bool compileGraph(const Graph &g, const CompileOptions &opts,
                  DiagEngine &diag) {
  StageTimer timer(opts.timeStages);
  if (opts.kind == ArtifactKind::LLVM || opts.kind == ArtifactKind::Assembly) {
    diag.error(SourceLoc{},
               "--emit={} is for the cpu target; for cuda use --emit=cuda "
               "(sources) or --emit=ptx",
               opts.kind == ArtifactKind::LLVM ? "llvm" : "asm");
    return false;
  }
  std::string output;
  if (!resolveOutput(opts, output, diag))
    return false;
  std::string name = modelSymbolName(g, opts.name, diag);
  if (name.empty())
    return false;
  GpuTarget target;
  target.archs = opts.gpuArchs;
  LowerCtx lc(g, target, diag);
  if (!lowerGraph(g, lc))
    return false;
  lc.releaseConstants();
  timer.lap("lower");
  if (opts.kind == ArtifactKind::Header)
    return writeArtefact(
        output, host::generateHeader(g, name, lc.workspaceBytes()), diag);
  Program prog = buildProgram(lc.launches());
  timer.lap("source");
  if (opts.kind == ArtifactKind::Kernels || opts.kind == ArtifactKind::Cuda)
    return writeSourceFolder(output, g, name, target.archs, lc, prog, diag);

  NvrtcResult nv;
  std::string error;
  if (!compileWithNvrtc(prog.text, target.archs, nv, error)) {
    diag.error(g.loc(), "{}",
               haveNvrtc() ? "internal error: NVRTC rejected the "
                             "generated CUDA C: " +
                                 error
                           : error);
    return false;
  }
  timer.lap(nv.cacheHits ? "nvrtc (cached)" : "nvrtc");
  if (opts.kind == ArtifactKind::Ptx) {
    std::string ptx = nv.images.back().data;
    while (!ptx.empty() && ptx.back() == '\0')
      ptx.pop_back();
    return writeArtefact(output, ptx, diag);
  }

  ArtifactOptions ao;
  ao.name = name;
  ao.genericEntry = opts.kind == ArtifactKind::SharedObject;
  ao.externalWeights = opts.externalWeights;
  ao.profile = opts.profile;
  if (ao.externalWeights)
    ao.weightsFile = fs::path(weightsPathFor(output)).filename().string();
  ao.weightsHash = lc.weightsHash();
  // The artefact's host side (launches, descriptor) for this machine.
  host::Machine hostMachine;
  if (!host::createMachine("", "", hostMachine, error)) {
    diag.error(SourceLoc{}, "{}", error);
    return false;
  }
  llvm::LLVMContext llvmCtx;
  std::unique_ptr<llvm::Module> m =
      buildArtifactModule(llvmCtx, g, lc, prog, nv.images, ao);
  if (!opts.externalWeights)
    lc.releaseWeights();
  llvm::SmallVector<char, 0> object;
  if (!host::emitMachineCode(*m, *hostMachine.machine, host::FileKind::Object,
                             object, error)) {
    diag.error(SourceLoc{}, "{}", error);
    return false;
  }
  m.reset();
  timer.lap("emit");
  return writeCodeArtefact(
      opts.kind, std::string_view(object.data(), object.size()), output,
      opts.externalWeights ? &lc.weights() : nullptr, timer, diag);
}

} // namespace cnnc::cuda
