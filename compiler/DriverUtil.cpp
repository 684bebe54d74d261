//===- DriverUtil.cpp - What the CPU and CUDA drivers share --------------===//
#include "compiler/DriverUtil.h"

#include "compiler/host/Link.h"
#include "ir/AtomicFile.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <unistd.h>

namespace cnnc {

namespace fs = std::filesystem;

namespace {

/// The process's peak resident set so far (VmHWM), in MiB; 0 where
/// /proc/self/status cannot be read.
double peakResidentMiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0)
      return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  return 0;
}

} // namespace

void StageTimer::lap(const char *stage) {
  auto now = Clock::now();
  if (On)
    std::fprintf(
        stderr, "cnnc: %-10s %8.1f ms   peak %.0f MiB\n", stage,
        std::chrono::duration<double, std::milli>(now - Start).count(),
        peakResidentMiB());
  Start = now;
}

void StageTimer::note(const std::string &text) {
  if (On)
    std::fprintf(stderr, "cnnc:   %s\n", text.c_str());
}

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

std::string fileSafe(const std::string &s) {
  std::string r;
  for (char c : s)
    r += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                 c == '+' || c == '-'
             ? c
             : '_';
  return r;
}

Json sourceJson(const std::string &op, const std::string &name, SourceLoc loc) {
  return {{"op", op}, {"name", name}, {"loc", loc.str()}};
}

void appendNodeSources(const Node *node, std::set<const Node *> &seen,
                       Json &sources) {
  if (!node || !seen.insert(node).second)
    return;
  sources.push_back(
      sourceJson(std::string(node->info().name), node->name(), node->loc()));
  for (const Node::Origin &o : node->origins())
    sources.push_back(sourceJson(o.op, o.name, o.loc));
}

namespace {

Json kernelManifestJson(const ManifestKernel &k, const ManifestStyle &style) {
  Json sources = Json::array(), order = Json::array();
  std::set<const Node *> seen;
  double flops = 0;
  for (const ManifestCall &c : k.calls) {
    flops += c.flops;
    Json call = {{style.callKey, c.index},
                 {"name", c.name},
                 {"flops", uint64_t(c.flops)}};
    call.update(c.details);
    order.push_back(std::move(call));
    appendNodeSources(c.node, seen, sources);
  }
  Json j = {{"name", k.name},
            {"file", k.file},
            {"function", k.function},
            {"library_kernel", k.library},
            {"sources", sources},
            {style.tileKey, k.tile},
            {"blocks", k.blocks},
            {"flops_per_call",
             uint64_t(k.calls.empty() ? 0.0 : k.calls.front().flops)},
            {"flops", uint64_t(flops)}};
  j.update(k.details);
  j["calls"] = std::move(order);
  return j;
}

} // namespace

Json manifestJson(const Graph &g, const std::string &name,
                  const ManifestStyle &style, Json target, Json extra,
                  int64_t workspaceBytes, size_t numCalls, double flops,
                  const std::vector<ManifestKernel> &kernels) {
  Json ks = Json::array();
  for (const ManifestKernel &k : kernels)
    ks.push_back(kernelManifestJson(k, style));
  Json j = {{"model", name},
            {"graph", g.name()},
            {"source", g.loc().valid() ? *g.loc().file : ""},
            {"backend", style.backend},
            {"language", style.language},
            {"target", std::move(target)}};
  j.update(extra);
  j["workspace_bytes"] = workspaceBytes;
  j["num_calls"] = numCalls;
  j["flops"] = uint64_t(flops);
  j["kernels"] = std::move(ks);
  return j;
}

bool writePlainFile(const fs::path &path, std::string_view data) {
  std::ofstream os(path, std::ios::binary);
  os.write(data.data(), std::streamsize(data.size()));
  os.close();
  return bool(os);
}

fs::path makeTempFolder(const fs::path &dir, DiagEngine &diag) {
  fs::path tmp(dir.string() + fmt::format(".tmp{}", getpid()));
  std::error_code ec;
  fs::remove_all(tmp, ec);
  if (!fs::create_directory(tmp, ec) || ec) {
    diag.error(SourceLoc{}, "cannot write '{}': {}", dir.string(),
               ec ? ec.message() : "cannot create a folder beside it");
    return {};
  }
  return tmp;
}

bool publishFolder(const fs::path &tmp, const fs::path &dir, DiagEngine &diag) {
  std::error_code ec;
  fs::path old;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec) ||
        (!fs::is_empty(dir, ec) && !fs::exists(dir / "manifest.json", ec))) {
      diag.error(SourceLoc{},
                 "cannot write '{}': it exists and is not a "
                 "kernel folder (no manifest.json)",
                 dir.string());
      fs::remove_all(tmp, ec);
      return false;
    }
    old = fs::path(dir.string() + fmt::format(".old{}", getpid()));
    fs::rename(dir, old, ec);
  }
  if (!ec)
    fs::rename(tmp, dir, ec);
  if (ec) {
    diag.error(SourceLoc{}, "cannot write '{}': {}", dir.string(),
               ec.message());
    fs::remove_all(tmp, ec);
    return false;
  }
  if (!old.empty())
    fs::remove_all(old, ec);
  return true;
}

bool finishFolder(bool written, const fs::path &tmp, const fs::path &dir,
                  DiagEngine &diag) {
  if (written)
    return publishFolder(tmp, dir, diag);
  std::error_code ec;
  fs::remove_all(tmp, ec);
  diag.error(SourceLoc{}, "cannot write '{}': writing the kernel files failed",
             dir.string());
  return false;
}

bool resolveOutput(const CompileOptions &opts, std::string &output,
                   DiagEngine &diag) {
  output = opts.output;
  bool folder =
      opts.kind == ArtifactKind::Kernels || (opts.kind == ArtifactKind::Cuda);
  if (folder) {
    while (output.size() > 1 && output.back() == '/')
      output.pop_back();
    if (output.empty() || output == "-") {
      diag.error(SourceLoc{}, "--emit={} needs -o DIR",
                 opts.kind == ArtifactKind::Cuda ? "cuda" : "kernels");
      return false;
    }
  }
  fs::path dir = fs::path(output).parent_path();
  if (!dir.empty() && !fs::is_directory(dir)) {
    diag.error(SourceLoc{}, "cannot write '{}': no folder '{}'", output,
               dir.string());
    return false;
  }
  return true;
}

bool linkAndPublishSharedObject(std::string_view object,
                                const std::string &output, DiagEngine &diag) {
  std::string so = fmt::format("{}.tmp{}.so", output, getpid());
  std::string error;
  host::LinkInput obj;
  bool ok = host::writeLinkInput(obj, "model.o",
                                fmt::format("{}.tmp{}.o", output, getpid()),
                                object, error) &&
            host::linkSharedObject(obj.path(), so, error);
  if (!ok) {
    std::remove(so.c_str());
    if (!error.empty())
      diag.error(SourceLoc{}, "{}", error);
    return false;
  }
  std::error_code ec;
  fs::rename(so, output, ec);
  if (ec) {
    std::remove(so.c_str());
    diag.error(SourceLoc{}, "cannot write '{}': {}", output, ec.message());
    return false;
  }
  return true;
}

} // namespace cnnc

namespace cnnc {

bool writeCodeArtefact(ArtifactKind kind, std::string_view code,
                       const std::string &output,
                       const WeightBlob *externalWeights,
                       StageTimer &timer, DiagEngine &diag) {
  if (kind == ArtifactKind::SharedObject) {
    if (!linkAndPublishSharedObject(code, output, diag))
      return false;
    timer.lap("link");
  } else if (!writeArtefact(output, code, diag)) {
    return false;
  }
  return !externalWeights ||
         writeExternalWeights(output, *externalWeights, diag);
}

bool writeExternalWeights(const std::string &output, const WeightBlob &weights,
                          DiagEngine &diag) {
  if (writeFileAtomically(weightsPathFor(output), weights.bytes(), diag))
    return true;
  std::remove(output.c_str());
  return false;
}

} // namespace cnnc
