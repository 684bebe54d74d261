//===- Diagnostics.h - Source locations and user diagnostics ----*- C++ -*-===//
//
// Every user-facing error goes through a DiagEngine: it carries the location
// (file:line:col), says what was expected and what was found, and is printed
// as `model.ir:12:5: error: ...`. Compiler bugs are asserts, never
// diagnostics; bad input never aborts.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_IR_DIAGNOSTICS_H
#define CNNC_IR_DIAGNOSTICS_H

#include <fmt/format.h>

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace cnnc {

/// A position in a source file. `file` points at a name interned by the
/// DiagEngine, so locations are cheap to copy and survive rewrites.
struct SourceLoc {
  const std::string *file = nullptr;
  uint32_t line = 0;
  uint32_t col = 0;

  bool valid() const { return file != nullptr; }
  /// "file:line:col", or "file" when only the file is known, or "" when
  /// nothing is.
  std::string str() const;
};

enum class Severity { Error, Warning, Note };

struct Diagnostic {
  Severity severity;
  SourceLoc loc;
  std::string message;
};

/// Collects and prints diagnostics. Passed explicitly (no global state).
class DiagEngine {
public:
  /// Interns a file name and returns a location at the start of it.
  SourceLoc fileLoc(std::string_view name);

  void report(Severity sev, SourceLoc loc, std::string msg);

  template <typename... Args>
  void error(SourceLoc loc, fmt::format_string<Args...> f, Args &&...args) {
    report(Severity::Error, loc, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  void warning(SourceLoc loc, fmt::format_string<Args...> f, Args &&...args) {
    report(Severity::Warning, loc,
           fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  void note(SourceLoc loc, fmt::format_string<Args...> f, Args &&...args) {
    report(Severity::Note, loc, fmt::format(f, std::forward<Args>(args)...));
  }

  unsigned errorCount() const { return NumErrors; }
  bool hasErrors() const { return NumErrors != 0; }
  const std::vector<Diagnostic> &diagnostics() const { return Diags; }

  /// When set (the default), diagnostics are printed to stderr as they come.
  void setPrintImmediately(bool on) { PrintImmediately = on; }
  /// Formats one diagnostic as the user sees it.
  static std::string format(const Diagnostic &d);

private:
  std::deque<std::string> FileNames; // stable addresses for SourceLoc::file
  std::vector<Diagnostic> Diags;
  unsigned NumErrors = 0;
  bool PrintImmediately = true;
};

} // namespace cnnc

#endif
