//===- ModelFile.cpp - An ONNX file read without copying its weights ------===//
#include "compiler/onnx/ModelFile.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cnnc::onnx {

//===--- MappedFile -------------------------------------------------------===//

MappedFile::~MappedFile() {
  if (Data)
    ::munmap(Data, Size);
}

bool MappedFile::open(const std::string &path, std::string &error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = fmt::format("cannot read '{}': {}", path, std::strerror(errno));
    return false;
  }
  struct stat st;
  bool ok = ::fstat(fd, &st) == 0 && st.st_size > 0;
  if (ok) {
    void *p = ::mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    ok = p != MAP_FAILED;
    if (ok) {
      Data = p;
      Size = size_t(st.st_size);
    }
  }
  if (!ok)
    error = fmt::format("cannot map '{}': {}", path,
                        st.st_size > 0 ? std::strerror(errno) : "empty");
  ::close(fd);
  return ok;
}

void MappedFile::release(std::string_view part) const {
  if (!Data || part.empty())
    return;
  uintptr_t page = uintptr_t(::sysconf(_SC_PAGESIZE));
  uintptr_t begin = (uintptr_t(part.data()) + page - 1) / page * page;
  uintptr_t end = (uintptr_t(part.data()) + part.size()) / page * page;
  uintptr_t lo = uintptr_t(Data), hi = lo + Size;
  if (begin < end && begin >= lo && end <= hi)
    ::madvise(reinterpret_cast<void *>(begin), end - begin, MADV_DONTNEED);
}

//===--- The wire-format scan ---------------------------------------------===//

namespace {

/// One field of a serialised message.
struct Field {
  uint64_t number = 0;
  int type = 0;
  std::string_view whole;   // tag, length and value
  std::string_view payload; // the value of a length-delimited field
};

/// Reads the fields of a message's bytes in order.
class WireReader {
public:
  explicit WireReader(std::string_view bytes) : S(bytes) {}
  bool atEnd() const { return Pos == S.size(); }

  /// The next field; false at the end or on bytes that are not a field
  /// (then atEnd() is false).
  bool next(Field &f) {
    size_t start = Pos;
    uint64_t tag;
    if (atEnd() || !varint(tag))
      return false;
    f.number = tag >> 3;
    f.type = int(tag & 7);
    if (f.number == 0)
      return fail();
    uint64_t v;
    switch (f.type) {
    case 0: // varint
      if (!varint(v))
        return fail();
      break;
    case 1: // fixed64
      if (S.size() - Pos < 8)
        return fail();
      Pos += 8;
      break;
    case 5: // fixed32
      if (S.size() - Pos < 4)
        return fail();
      Pos += 4;
      break;
    case 2: // length-delimited
      if (!varint(v) || v > S.size() - Pos)
        return fail();
      f.payload = S.substr(Pos, size_t(v));
      Pos += size_t(v);
      break;
    default: // groups (deprecated) and invalid types: not understood
      return fail();
    }
    f.whole = S.substr(start, Pos - start);
    return true;
  }

private:
  bool varint(uint64_t &v) {
    v = 0;
    for (int shift = 0; shift < 64 && Pos < S.size(); shift += 7) {
      uint8_t b = uint8_t(S[Pos++]);
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80))
        return true;
    }
    return false;
  }
  bool fail() {
    Pos = S.size() + 1; // never atEnd()
    return false;
  }

  std::string_view S;
  size_t Pos = 0;
};

void putVarint(std::string &out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(char(uint8_t(v) | 0x80));
    v >>= 7;
  }
  out.push_back(char(v));
}

/// Appends field `number` with `payload` as a length-delimited field.
void putMessage(std::string &out, uint64_t number, std::string_view payload) {
  putVarint(out, number << 3 | 2);
  putVarint(out, payload.size());
  out.append(payload);
}

// Field numbers of onnx.proto.
constexpr uint64_t kModelGraph = 7;
constexpr uint64_t kGraphInitializer = 5;
constexpr uint64_t kTensorRawData = 9;

/// A TensorProto without its raw_data when that is at least `minBytes`.
bool leanTensor(std::string_view bytes, std::string &out, std::string_view &raw,
                size_t minBytes) {
  WireReader r(bytes);
  Field f;
  bool seenRaw = false;
  while (r.next(f)) {
    if (f.number == kTensorRawData) {
      // A repeated bytes field: the last wins in protobuf; not worth
      // reproducing.
      if (seenRaw || f.type != 2)
        return false;
      seenRaw = true;
      if (f.payload.size() >= minBytes) {
        raw = f.payload;
        continue;
      }
    }
    out.append(f.whole);
  }
  return r.atEnd();
}

/// A GraphProto with its initialisers lean.
bool leanGraph(std::string_view bytes, std::string &out,
               std::vector<std::string_view> &raws, size_t minBytes) {
  WireReader r(bytes);
  Field f;
  while (r.next(f)) {
    if (f.number != kGraphInitializer) {
      out.append(f.whole);
      continue;
    }
    if (f.type != 2)
      return false;
    std::string tensor;
    std::string_view raw;
    if (!leanTensor(f.payload, tensor, raw, minBytes))
      return false;
    raws.push_back(raw);
    putMessage(out, kGraphInitializer, tensor);
  }
  return r.atEnd();
}

} // namespace

bool parseLean(std::string_view bytes, ::onnx::ModelProto &model,
               LeanModel &lean, size_t minBytes) {
  lean.raw.clear();
  std::string out;
  WireReader r(bytes);
  Field f;
  bool seenGraph = false;
  while (r.next(f)) {
    if (f.number != kModelGraph) {
      out.append(f.whole);
      continue;
    }
    // A second graph field would be merged into the first by protobuf.
    if (seenGraph || f.type != 2)
      return false;
    seenGraph = true;
    std::string graph;
    if (!leanGraph(f.payload, graph, lean.raw, minBytes))
      return false;
    putMessage(out, kModelGraph, graph);
  }
  if (!r.atEnd() || out.size() > size_t(INT32_MAX) ||
      !model.ParseFromString(out) ||
      model.graph().initializer_size() != int(lean.raw.size()))
    return false;
  // External data named beside bytes of its own: the plain path decides.
  for (int i = 0; i < model.graph().initializer_size(); ++i)
    if (!lean.raw[size_t(i)].empty() &&
        model.graph().initializer(i).data_location() ==
            ::onnx::TensorProto::EXTERNAL)
      return false;
  return true;
}

} // namespace cnnc::onnx
