//===- Safetensors.h - Reading and writing safetensors files ----*- C++ -*-===//
//
// Format: 8-byte little-endian header length N, N bytes of JSON mapping each
// tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets
// relative to the end of the header), an optional "__metadata__" object of
// strings, then the raw little-endian data.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_IR_SAFETENSORS_H
#define CNNC_IR_SAFETENSORS_H

#include "ir/Diagnostics.h"
#include "ir/Tensor.h"
#include "ir/Types.h"

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace cnnc {

class SafetensorsFile {
public:
  struct Entry {
    DType dtype;
    Shape shape;
    uint64_t begin, end; // absolute file offsets
  };

  /// Opens `path` and validates its header. Problems are reported at `loc`
  /// (the place that named the file); returns nullptr on error.
  static std::unique_ptr<SafetensorsFile> open(const std::string &path,
                                               DiagEngine &diag, SourceLoc loc);

  const std::string &path() const { return Path; }
  const std::map<std::string, Entry> &entries() const { return Entries; }
  const Entry *find(const std::string &name) const;

  /// Reads a tensor's data converted to f32 (f32, f16, bf16, f64 and the
  /// integer types are accepted). Reports at `loc` and returns nullopt on an
  /// I/O error.
  std::optional<Tensor> read(const std::string &name, DiagEngine &diag,
                             SourceLoc loc) const;

private:
  std::string Path;
  std::map<std::string, Entry> Entries;
};

/// Writes f32 tensors as a safetensors file. Returns false and reports on
/// error; writes to a temporary name and renames, so nothing half-written
/// is left behind.
bool writeSafetensors(const std::string &path,
                      const std::vector<std::pair<std::string, const Tensor *>>
                          &tensors,
                      DiagEngine &diag);

/// safetensors dtype names ("F32", "I64", ...).
std::optional<DType> parseSafetensorsDType(std::string_view s);
std::string_view safetensorsDTypeName(DType t);

} // namespace cnnc

#endif
