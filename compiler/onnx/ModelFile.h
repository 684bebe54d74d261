//===- ModelFile.h - An ONNX file read without copying its weights -*- C++ -*-===//
//
// A model file is mapped, not read, and parsed by protobuf with the bytes
// of its large initialisers left out: their raw_data stays in the mapping,
// where the importer converts each straight into its tensor and hands the
// pages back. Parsed the plain way, protobuf grows a 400 MB weight string
// by doubling and holds every weight once more beside the tensors made of
// it: a VGG-16 (528 MB of weights) peaked at 1.4 GB in the import alone.
//
// The scan understands just enough of protobuf's wire format to find
// ModelProto.graph (field 7), GraphProto.initializer (5) and
// TensorProto.raw_data (9); any file it does not fully understand (a field
// repeated where protobuf would merge, a group, a bad length) is parsed
// the plain way, where protobuf gives its verdict.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_ONNX_MODELFILE_H
#define CNNC_COMPILER_ONNX_MODELFILE_H

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cnnc::onnx {

/// A read-only mapping of a whole file.
class MappedFile {
public:
  MappedFile() = default;
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;
  ~MappedFile();
  /// Maps `path`; false (with `error`) when it cannot be opened or mapped.
  bool open(const std::string &path, std::string &error);
  std::string_view bytes() const {
    return {static_cast<const char *>(Data), Size};
  }
  /// Gives the pages wholly inside `part` (a range of bytes()) back to the
  /// system: they leave the process's resident memory and are read from
  /// the file again if touched.
  void release(std::string_view part) const;

private:
  void *Data = nullptr;
  size_t Size = 0;
};

/// A model parsed with the raw_data of large initialisers left out.
struct LeanModel {
  /// For each initialiser of the graph, in order: its raw_data as a range
  /// of the file's bytes, or empty where it was parsed into the proto.
  std::vector<std::string_view> raw;
};

/// Parses `bytes` (a serialised ModelProto) into `model`, leaving out the
/// raw_data of the graph's initialisers of at least `minBytes` (recorded
/// in `lean`). False when the scan does not fully understand the bytes or
/// protobuf refuses them: the caller parses them the plain way then.
bool parseLean(std::string_view bytes, ::onnx::ModelProto &model,
               LeanModel &lean, size_t minBytes = 64 * 1024);

} // namespace cnnc::onnx

#endif
