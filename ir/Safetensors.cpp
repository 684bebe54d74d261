//===- Safetensors.cpp ----------------------------------------------------===//
#include "ir/Safetensors.h"
#include "ir/AtomicFile.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>

namespace cnnc {

namespace {
struct STName {
  DType type;
  std::string_view name;
};
constexpr STName kSTNames[] = {
    {DType::F32, "F32"}, {DType::F16, "F16"}, {DType::BF16, "BF16"},
    {DType::F64, "F64"}, {DType::I8, "I8"},   {DType::U8, "U8"},
    {DType::I32, "I32"}, {DType::I64, "I64"}, {DType::Bool, "BOOL"},
};

/// Largest header accepted (the format's own limit is 100 MB).
constexpr uint64_t kMaxHeader = 100u << 20;

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h >> 15) << 31;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else { // subnormal: renormalise
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400) == 0);
      bits = sign | uint32_t(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | mant << 13;
  } else {
    bits = sign | (exp - 15 + 127) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

template <typename T> T load(const char *p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
} // namespace

std::optional<DType> parseSafetensorsDType(std::string_view s) {
  for (const STName &n : kSTNames)
    if (n.name == s)
      return n.type;
  return std::nullopt;
}

std::string_view safetensorsDTypeName(DType t) {
  for (const STName &n : kSTNames)
    if (n.type == t)
      return n.name;
  return "?";
}

std::unique_ptr<SafetensorsFile>
SafetensorsFile::open(const std::string &path, DiagEngine &diag,
                      SourceLoc loc) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    diag.error(loc, "cannot open weights file '{}'", path);
    return nullptr;
  }
  uint64_t fileSize = uint64_t(in.tellg());
  in.seekg(0);
  auto bad = [&](std::string what) {
    diag.error(loc, "bad safetensors header in '{}': {}", path, what);
    return nullptr;
  };
  if (fileSize < 8)
    return bad(fmt::format("file is {} bytes, expected at least 8", fileSize));
  char lenBytes[8];
  in.read(lenBytes, 8);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = n << 8 | uint8_t(lenBytes[i]);
  if (n > kMaxHeader || n > fileSize - 8)
    return bad(fmt::format("header length {} exceeds the file ({} bytes)", n,
                           fileSize));
  std::string text(n, '\0');
  in.read(text.data(), std::streamsize(n));
  if (!in)
    return bad("truncated header");
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return bad("header is not a JSON object");

  auto f = std::unique_ptr<SafetensorsFile>(new SafetensorsFile());
  f->Path = path;
  uint64_t dataStart = 8 + n, dataSize = fileSize - dataStart;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (auto &[name, e] : j.items()) {
    if (name == "__metadata__") {
      if (!e.is_object())
        return bad("'__metadata__' is not an object");
      continue;
    }
    if (!e.is_object())
      return bad(fmt::format("entry '{}' is not an object", name));
    auto dt = e.find("dtype");
    auto sh = e.find("shape");
    auto off = e.find("data_offsets");
    if (dt == e.end() || !dt->is_string())
      return bad(fmt::format("entry '{}' has no string 'dtype'", name));
    if (sh == e.end() || !sh->is_array())
      return bad(fmt::format("entry '{}' has no 'shape' array", name));
    if (off == e.end() || !off->is_array() || off->size() != 2 ||
        !(*off)[0].is_number_unsigned() || !(*off)[1].is_number_unsigned())
      return bad(fmt::format(
          "entry '{}' has no 'data_offsets' pair of unsigned integers", name));
    std::optional<DType> type = parseSafetensorsDType(dt->get<std::string>());
    if (!type)
      return bad(fmt::format("entry '{}' has unknown dtype '{}'", name,
                             dt->get<std::string>()));
    Shape shape;
    for (auto &d : *sh) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0)
        return bad(fmt::format(
            "entry '{}' has a shape that is not a list of non-negative "
            "integers",
            name));
      shape.push_back(d.get<int64_t>());
    }
    std::optional<int64_t> count = checkedNumElements(shape);
    if (!count)
      return bad(fmt::format("entry '{}' has a shape {} that overflows", name,
                             shapeStr(shape)));
    uint64_t b = (*off)[0].get<uint64_t>(), en = (*off)[1].get<uint64_t>();
    uint64_t want = uint64_t(*count) * dtypeSize(*type);
    if (en < b || en > dataSize)
      return bad(fmt::format(
          "entry '{}' has data offsets [{}, {}] outside the {} data bytes",
          name, b, en, dataSize));
    if (en - b != want)
      return bad(fmt::format("entry '{}' has {} data bytes, expected {} for "
                             "{} {}",
                             name, en - b, want, dt->get<std::string>(),
                             shapeStr(shape)));
    ranges.push_back({b, en});
    f->Entries[name] = Entry{*type, shape, dataStart + b, dataStart + en};
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first < ranges[i - 1].second)
      return bad("two entries' data overlap");
  return f;
}

const SafetensorsFile::Entry *
SafetensorsFile::find(const std::string &name) const {
  auto it = Entries.find(name);
  return it == Entries.end() ? nullptr : &it->second;
}

std::optional<Tensor> SafetensorsFile::read(const std::string &name,
                                            DiagEngine &diag,
                                            SourceLoc loc) const {
  const Entry *e = find(name);
  if (!e) {
    diag.error(loc, "weights file '{}' has no tensor '{}'", Path, name);
    return std::nullopt;
  }
  std::ifstream in(Path, std::ios::binary);
  std::string bytes(e->end - e->begin, '\0');
  in.seekg(std::streamoff(e->begin));
  in.read(bytes.data(), std::streamsize(bytes.size()));
  if (!in) {
    diag.error(loc, "cannot read tensor '{}' from '{}'", name, Path);
    return std::nullopt;
  }
  Tensor t(e->shape);
  const char *p = bytes.data();
  unsigned sz = dtypeSize(e->dtype);
  for (int64_t i = 0; i < t.size(); ++i, p += sz) {
    float v = 0;
    switch (e->dtype) {
    case DType::F32: v = load<float>(p); break;
    case DType::F16: v = halfToFloat(load<uint16_t>(p)); break;
    case DType::BF16: {
      uint32_t bits = uint32_t(load<uint16_t>(p)) << 16;
      std::memcpy(&v, &bits, 4);
      break;
    }
    case DType::F64: v = float(load<double>(p)); break;
    case DType::I8: v = float(load<int8_t>(p)); break;
    case DType::U8: v = float(load<uint8_t>(p)); break;
    case DType::I32: v = float(load<int32_t>(p)); break;
    case DType::I64: v = float(load<int64_t>(p)); break;
    case DType::Bool: v = load<uint8_t>(p) ? 1.0f : 0.0f; break;
    }
    t.data[size_t(i)] = v;
  }
  return t;
}

bool writeSafetensors(
    const std::string &path,
    const std::vector<std::pair<std::string, const Tensor *>> &tensors,
    DiagEngine &diag) {
  nlohmann::json header = nlohmann::json::object();
  uint64_t offset = 0;
  for (const auto &[name, t] : tensors) {
    uint64_t bytes = uint64_t(t->size()) * 4;
    header[name] = {{"dtype", "F32"},
                    {"shape", t->shape},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  while ((text.size() + 8) % 8 != 0) // align the data to 8 bytes
    text += ' ';
  return writeFileAtomically(path, diag, [&](std::ostream &out) {
    uint64_t n = text.size();
    char len[8];
    for (int i = 0; i < 8; ++i)
      len[i] = char((n >> (8 * i)) & 0xff);
    out.write(len, 8);
    out.write(text.data(), std::streamsize(text.size()));
    for (const auto &entry : tensors)
      out.write(reinterpret_cast<const char *>(entry.second->ptr()),
                std::streamsize(entry.second->size() * 4));
  });
}

} // namespace cnnc
