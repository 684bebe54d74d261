//===- Diagnostics.cpp ----------------------------------------------------===//
#include "ir/Diagnostics.h"

#include <cstdio>

namespace cnnc {

std::string SourceLoc::str() const {
  if (!file)
    return "";
  if (line == 0)
    return *file;
  return fmt::format("{}:{}:{}", *file, line, col);
}

SourceLoc DiagEngine::fileLoc(std::string_view name) {
  for (const std::string &s : FileNames)
    if (s == name)
      return SourceLoc{&s, 0, 0};
  FileNames.emplace_back(name);
  return SourceLoc{&FileNames.back(), 0, 0};
}

std::string DiagEngine::format(const Diagnostic &d) {
  const char *kind = d.severity == Severity::Error     ? "error"
                     : d.severity == Severity::Warning ? "warning"
                                                       : "note";
  std::string where = d.loc.str();
  if (where.empty())
    return fmt::format("cnnc: {}: {}", kind, d.message);
  return fmt::format("{}: {}: {}", where, kind, d.message);
}

void DiagEngine::report(Severity sev, SourceLoc loc, std::string msg) {
  Diags.push_back(Diagnostic{sev, loc, std::move(msg)});
  if (sev == Severity::Error)
    ++NumErrors;
  if (PrintImmediately)
    std::fprintf(stderr, "%s\n", format(Diags.back()).c_str());
}

} // namespace cnnc
