//===- DriverUtil.h - What the CPU and CUDA drivers share -------*- C++ -*-===//
//
// Writing artefacts safely (atomically, a folder through a temporary), the
// shared-object link, stage timing and manifest pieces: used by
// compiler/Driver.cpp (CPU) and compiler/cuda/Compile.cpp (CUDA).
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_DRIVERUTIL_H
#define CNNC_COMPILER_DRIVERUTIL_H

#include "compiler/Driver.h"
#include "compiler/LowerBuffers.h"
#include "ir/Diagnostics.h"
#include "ir/Graph.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace cnnc {

/// The manifest keeps its keys in the order written.
using Json = nlohmann::ordered_json;

/// Prints "cnnc: <stage> N ms peak M MiB" to stderr when asked: the time
/// since the last lap and the process's peak resident memory so far.
class StageTimer {
public:
  explicit StageTimer(bool on) : On(on), Start(Clock::now()) {}
  void lap(const char *stage);
  /// Prints a line of detail under the last stage.
  void note(const std::string &text);

private:
  using Clock = std::chrono::steady_clock;
  bool On;
  Clock::time_point Start;
};

/// Writes a text or object artefact to `path`, or to standard output for
/// "-" or an empty path.
bool writeArtefact(const std::string &path, std::string_view data,
                   DiagEngine &diag);

/// "<output stem>.weights".
std::string weightsPathFor(const std::string &output);

/// `s` with every character outside [A-Za-z0-9._+-] replaced by '_'.
std::string fileSafe(const std::string &s);

/// {"op", "name", "loc"} of a node or origin, for manifests.
Json sourceJson(const std::string &op, const std::string &name, SourceLoc loc);

/// Appends `node` (when not null and not in `seen`) and the ops folded or
/// fused into it to a manifest's "sources" (sourceJson each).
void appendNodeSources(const Node *node, std::set<const Node *> &seen,
                       Json &sources);

//===--- The --emit=kernels manifest, for both backends -------------------===//
//
// manifest.json: the model (name, graph, source, backend, language,
// target, the backend's extra keys, workspace, calls, flops) and one entry
// per kernel file: its name, file, function, library kernel, the source
// ops it computes, the node's tile attribute, the block sizes the lowering
// chose, its flops, the backend's figures, and its calls in model order.

/// One call (CPU) or launch (CUDA) of a kernel.
struct ManifestCall {
  size_t index = 0; // in the model's order of calls
  const Node *node = nullptr;
  std::string name;
  double flops = 0;
  Json details = Json::object(); // the backend's figures: tasks; grid
};

/// One kernel file.
struct ManifestKernel {
  std::string name, file, function, library;
  Json tile = nullptr;   // the first call's node's tile attribute
  Json blocks = nullptr; // the block sizes its lowering chose
  Json details = Json::object(); // the backend's: tasks; grid, block
  std::vector<ManifestCall> calls;
};

/// The spelling of one backend's manifest.
struct ManifestStyle {
  const char *backend, *language;
  const char *tileKey; // "tile", "gpu_tile"
  const char *callKey; // "call", "launch"
};

/// The whole manifest of `kernels`; `target` and `extra` (keys after the
/// target) are the backend's.
Json manifestJson(const Graph &g, const std::string &name,
                  const ManifestStyle &style, Json target, Json extra,
                  int64_t workspaceBytes, size_t numCalls, double flops,
                  const std::vector<ManifestKernel> &kernels);

/// Writes `data` to `path`; false on any error.
bool writePlainFile(const std::filesystem::path &path, std::string_view data);

/// A fresh temporary folder beside `dir` (removed first if left over);
/// empty after reporting an error.
std::filesystem::path makeTempFolder(const std::filesystem::path &dir,
                                     DiagEngine &diag);

/// Moves the finished folder `tmp` to `dir`, replacing an earlier dump
/// (a folder holding manifest.json) or an empty folder, never anything
/// else. Removes `tmp` on failure.
bool publishFolder(const std::filesystem::path &tmp,
                   const std::filesystem::path &dir, DiagEngine &diag);

/// Ends a kernel folder: when `written`, publishFolder(tmp, dir); else
/// removes `tmp` and reports that writing the kernel files failed.
bool finishFolder(bool written, const std::filesystem::path &tmp,
                  const std::filesystem::path &dir, DiagEngine &diag);

/// The output path of `opts`: a folder artefact (--emit=kernels or cuda)
/// needs -o DIR (trailing '/' dropped); the folder the output goes in must
/// exist. False after reporting an error.
bool resolveOutput(const CompileOptions &opts, std::string &output,
                   DiagEngine &diag);

/// Links the object file bytes into the shared object `output` through
/// temporaries beside it; nothing is left behind on failure.
bool linkAndPublishSharedObject(std::string_view object,
                                const std::string &output, DiagEngine &diag);

/// Writes the external weights to weightsPathFor(output); on failure
/// removes `output` (the artefact that would refer to them).
bool writeExternalWeights(const std::string &output, const WeightBlob &weights,
                          DiagEngine &diag);

/// Writes emitted code to `output`: linked into a shared object for
/// ArtifactKind::SharedObject (timed as "link"), else as is. Then, when
/// `externalWeights` is given, the weights to weightsPathFor(output),
/// removing the artefact if that fails.
bool writeCodeArtefact(ArtifactKind kind, std::string_view code,
                       const std::string &output,
                       const WeightBlob *externalWeights,
                       StageTimer &timer, DiagEngine &diag);

} // namespace cnnc

#endif
