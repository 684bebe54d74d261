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
