//===- Npy.cpp ------------------------------------------------------------===//
#include "ir/Npy.h"
#include "ir/AtomicFile.h"
#include "ir/Attr.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace cnnc {

namespace {
/// Finds `'key': value` in the header dict and returns the value text.
std::optional<std::string> dictValue(const std::string &h,
                                     const std::string &key) {
  size_t k = h.find("'" + key + "'");
  if (k == std::string::npos)
    return std::nullopt;
  size_t colon = h.find(':', k);
  if (colon == std::string::npos)
    return std::nullopt;
  size_t start = h.find_first_not_of(' ', colon + 1);
  if (start == std::string::npos)
    return std::nullopt;
  size_t end;
  if (h[start] == '(') {
    end = h.find(')', start);
    if (end == std::string::npos)
      return std::nullopt;
    ++end;
  } else if (h[start] == '\'') {
    end = h.find('\'', start + 1);
    if (end == std::string::npos)
      return std::nullopt;
    ++end;
  } else {
    end = h.find_first_of(",}", start);
    if (end == std::string::npos)
      return std::nullopt;
  }
  return h.substr(start, end - start);
}
} // namespace

std::optional<Tensor> readNpy(const std::string &path, DiagEngine &diag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diag.error(SourceLoc{}, "cannot open '{}'", path);
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string bytes = ss.str();
  auto bad = [&](const std::string &what) {
    diag.error(SourceLoc{}, "bad .npy file '{}': {}", path, what);
    return std::nullopt;
  };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    return bad("missing the \\x93NUMPY magic");
  uint8_t major = uint8_t(bytes[6]);
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = uint8_t(bytes[8]) | size_t(uint8_t(bytes[9])) << 8;
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return bad("truncated header");
    headerLen = 0;
    for (int i = 3; i >= 0; --i)
      headerLen = headerLen << 8 | uint8_t(bytes[8 + size_t(i)]);
    headerStart = 12;
  } else {
    return bad("unsupported version " + std::to_string(major));
  }
  if (headerStart + headerLen > bytes.size())
    return bad("truncated header");
  std::string h = bytes.substr(headerStart, headerLen);
  std::optional<std::string> descr = dictValue(h, "descr");
  std::optional<std::string> order = dictValue(h, "fortran_order");
  std::optional<std::string> shapeText = dictValue(h, "shape");
  if (!descr || !order || !shapeText)
    return bad("header lacks 'descr', 'fortran_order' or 'shape'");
  if (*order != "False")
    return bad("Fortran-ordered arrays are not supported");
  if (shapeText->size() < 2 || shapeText->front() != '(' ||
      shapeText->back() != ')')
    return bad("its shape '" + *shapeText + "' is not a tuple");
  if (descr->size() < 2 || descr->front() != '\'' || descr->back() != '\'')
    return bad("its descr '" + *descr + "' is not a quoted dtype");
  Shape shape;
  {
    std::string s = shapeText->substr(1, shapeText->size() - 2);
    std::stringstream parts(s);
    std::string item;
    while (std::getline(parts, item, ',')) {
      size_t a = item.find_first_not_of(' ');
      if (a == std::string::npos)
        continue;
      std::optional<int64_t> d = parseIntText(item.substr(a, item.find_last_not_of(' ') - a + 1));
      if (!d || *d < 0)
        return bad("bad shape " + *shapeText);
      shape.push_back(*d);
    }
  }
  std::optional<int64_t> count = checkedNumElements(shape);
  if (!count)
    return bad("shape " + *shapeText + " is too large");
  std::string d = descr->substr(1, descr->size() - 2);
  if (d.size() < 3 || d[0] == '>')
    return bad("unsupported dtype " + *descr + " (need little-endian)");
  std::string code = d.substr(1);
  size_t size = code == "f4" || code == "i4" ? 4
                : code == "f8" || code == "i8" ? 8
                : code == "u1" || code == "i1" || code == "b1" ? 1
                : 0;
  if (!size)
    return bad("unsupported dtype " + *descr);
  size_t dataStart = headerStart + headerLen;
  if (bytes.size() - dataStart != size_t(*count) * size)
    return bad(fmt::format("expected {} data bytes for {} {}, found {}",
                           size_t(*count) * size, code, shapeStr(shape),
                           bytes.size() - dataStart));
  Tensor t(shape);
  const char *p = bytes.data() + dataStart;
  for (int64_t i = 0; i < *count; ++i, p += size) {
    double v = 0;
    if (code == "f4") { float f; std::memcpy(&f, p, 4); v = f; }
    else if (code == "f8") { std::memcpy(&v, p, 8); }
    else if (code == "i4") { int32_t x; std::memcpy(&x, p, 4); v = x; }
    else if (code == "i8") { int64_t x; std::memcpy(&x, p, 8); v = double(x); }
    else if (code == "i1") { v = int8_t(*p); }
    else { v = uint8_t(*p); }
    t.data[size_t(i)] = float(v);
  }
  return t;
}

bool writeNpy(const std::string &path, const Tensor &t, DiagEngine &diag) {
  std::string shape = "(";
  for (size_t i = 0; i < t.shape.size(); ++i)
    shape += std::to_string(t.shape[i]) + (t.shape.size() == 1 ? "," : i + 1 < t.shape.size() ? ", " : "");
  shape += ")";
  std::string h = "{'descr': '<f4', 'fortran_order': False, 'shape': " +
                  shape + ", }";
  while ((10 + h.size() + 1) % 64 != 0)
    h += ' ';
  h += '\n';
  return writeFileAtomically(path, diag, [&](std::ostream &out) {
    out.write("\x93NUMPY\x01\x00", 8);
    char len[2] = {char(h.size() & 0xff), char(h.size() >> 8)};
    out.write(len, 2);
    out.write(h.data(), std::streamsize(h.size()));
    out.write(reinterpret_cast<const char *>(t.ptr()),
              std::streamsize(t.size() * 4));
  });
}

} // namespace cnnc
