//===- AtomicFile.h - Writing files with nothing half-written ---*- C++ -*-===//
//
// Every file cnnc writes goes to a temporary beside it and is renamed into
// place only once complete, so an error never leaves a half-written file.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_IR_ATOMICFILE_H
#define CNNC_IR_ATOMICFILE_H

#include "ir/Diagnostics.h"

#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace cnnc {

/// Writes `path`: `write` fills a stream on a temporary file, which is then
/// renamed to `path`. On any failure removes the temporary, reports
/// "cannot write 'path'" and returns false.
bool writeFileAtomically(const std::string &path, DiagEngine &diag,
                         const std::function<void(std::ostream &)> &write);

/// Writes `data` to `path` the same way.
bool writeFileAtomically(const std::string &path, std::string_view data,
                         DiagEngine &diag);

} // namespace cnnc

#endif
