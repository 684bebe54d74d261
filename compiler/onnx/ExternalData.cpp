//===- ExternalData.cpp - tensors whose bytes live beside the model -------===//
//
// ONNX lets a tensor keep its bytes in another file (data_location =
// EXTERNAL; external_data entries `location`, `offset`, `length`,
// `checksum`). PyTorch 2's exporter writes every model that way by
// default (`model.onnx` + `model.onnx.data`), and models over protobuf's 2
// GiB limit have no other choice. Before import, each such tensor gets its
// bytes as raw_data, read from the file named by `location` relative to
// the model's folder, so the rest of the importer sees one self-contained
// model. As ONNX's checker requires, a location is a relative path that
// stays inside the model's folder (no `..`, not absolute); the range must
// lie inside the file and hold the tensor's bytes (checked when the tensor
// is read, with the other size checks).
//
//===----------------------------------------------------------------------===//
#include "compiler/onnx/ImporterImpl.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <sys/stat.h>
#include <unistd.h>

namespace cnnc::onnx {

namespace {

using ::onnx::TensorProto;

/// The open data files of one model, by location.
class DataFiles {
public:
  explicit DataFiles(std::filesystem::path dir) : Dir(std::move(dir)) {}
  ~DataFiles() {
    for (auto &[name, f] : Files)
      if (f.fd >= 0)
        ::close(f.fd);
  }
  DataFiles(const DataFiles &) = delete;
  DataFiles &operator=(const DataFiles &) = delete;

  /// Reads tensor `t`'s external bytes into its raw_data; false with
  /// `error` set on any problem.
  bool load(TensorProto &t, std::string &error);

private:
  struct File {
    int fd = -1;
    int64_t size = 0;
  };
  const File *open(const std::string &location, std::string &error);

  std::filesystem::path Dir;
  std::map<std::string, File> Files;
};

/// A non-negative integer written in decimal, as ONNX stores offset and
/// length.
std::optional<int64_t> parseCount(const std::string &s) {
  if (s.empty() || s.size() > 18)
    return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

const DataFiles::File *DataFiles::open(const std::string &location,
                                       std::string &error) {
  auto it = Files.find(location);
  if (it != Files.end())
    return &it->second;
  std::filesystem::path rel(location);
  bool escapes = rel.empty() || rel.is_absolute();
  for (const auto &part : rel)
    escapes |= part == "..";
  if (escapes) {
    error = fmt::format("its location '{}' is not a path inside the model's "
                        "folder",
                        location);
    return nullptr;
  }
  std::filesystem::path full = Dir / rel;
  int fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    error = fmt::format("cannot read its data file '{}': {}", full.string(),
                        fd < 0 ? std::strerror(errno) : "not a regular file");
    if (fd >= 0)
      ::close(fd);
    return nullptr;
  }
  File &f = Files[location];
  f.fd = fd;
  f.size = int64_t(st.st_size);
  return &f;
}

bool DataFiles::load(TensorProto &t, std::string &error) {
  std::string location;
  std::optional<int64_t> offset = 0, length;
  for (const auto &kv : t.external_data()) {
    if (kv.key() == "location")
      location = kv.value();
    else if (kv.key() == "offset")
      offset = parseCount(kv.value());
    else if (kv.key() == "length")
      length = parseCount(kv.value());
    if ((kv.key() == "offset" && !offset) ||
        (kv.key() == "length" && !length)) {
      error = fmt::format("its external data {} '{}' is not a byte count",
                          kv.key(), kv.value());
      return false;
    }
  }
  if (location.empty()) {
    error = "its external data has no 'location'";
    return false;
  }
  const File *f = open(location, error);
  if (!f)
    return false;
  if (!length)
    length = f->size - std::min(*offset, f->size);
  if (*offset > f->size || *length > f->size - *offset) {
    error = fmt::format("its bytes {}..{} lie past the end of '{}' ({} bytes)",
                        *offset, *offset + *length, location, f->size);
    return false;
  }
  std::string bytes(size_t(*length), '\0');
  int64_t done = 0;
  while (done < *length) {
    ssize_t n = ::pread(f->fd, bytes.data() + done, size_t(*length - done),
                        off_t(*offset + done));
    if (n <= 0) {
      error = fmt::format("reading '{}' failed: {}", location,
                          n < 0 ? std::strerror(errno) : "unexpected end");
      return false;
    }
    done += n;
  }
  t.set_raw_data(std::move(bytes));
  t.clear_external_data();
  t.set_data_location(TensorProto::DEFAULT);
  return true;
}

bool loadGraph(::onnx::GraphProto &g, DataFiles &files, DiagEngine &diag,
               const SourceLoc &loc);

bool loadTensor(TensorProto &t, const std::string &what, DataFiles &files,
                DiagEngine &diag, const SourceLoc &loc) {
  if (t.data_location() != TensorProto::EXTERNAL)
    return true;
  std::string error;
  if (files.load(t, error))
    return true;
  diag.error(loc, "tensor '{}' keeps its data in an external file, and {}",
             what.empty() ? t.name() : what, error);
  return false;
}

bool loadGraph(::onnx::GraphProto &g, DataFiles &files, DiagEngine &diag,
               const SourceLoc &loc) {
  bool ok = true;
  for (TensorProto &t : *g.mutable_initializer())
    ok &= loadTensor(t, t.name(), files, diag, loc);
  for (::onnx::NodeProto &n : *g.mutable_node())
    for (::onnx::AttributeProto &a : *n.mutable_attribute()) {
      std::string what = fmt::format("{}.{}", n.name(), a.name());
      if (a.has_t())
        ok &= loadTensor(*a.mutable_t(), what, files, diag, loc);
      for (TensorProto &t : *a.mutable_tensors())
        ok &= loadTensor(t, what, files, diag, loc);
      if (a.has_g())
        ok &= loadGraph(*a.mutable_g(), files, diag, loc);
      for (::onnx::GraphProto &sub : *a.mutable_graphs())
        ok &= loadGraph(sub, files, diag, loc);
    }
  return ok;
}

} // namespace

bool loadExternalData(::onnx::ModelProto &model, const std::string &modelPath,
                      DiagEngine &diag, const SourceLoc &loc) {
  DataFiles files(std::filesystem::path(modelPath).parent_path());
  return loadGraph(*model.mutable_graph(), files, diag, loc);
}

} // namespace cnnc::onnx
