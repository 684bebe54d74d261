//===- WeightsObject.cpp - The weights as an ELF object of their own ------===//
#include "compiler/host/WeightsObject.h"

#include <llvm/BinaryFormat/ELF.h>
#include <llvm/Support/raw_ostream.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <fstream>
#include <iterator>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace cnnc::host {

namespace {

uint16_t machineOf(const std::string &triple) {
  if (triple.rfind("x86_64", 0) == 0)
    return llvm::ELF::EM_X86_64;
  if (triple.rfind("aarch64", 0) == 0)
    return llvm::ELF::EM_AARCH64;
  return llvm::ELF::EM_NONE;
}

uint64_t alignTo(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

/// Writes all `n` bytes at `p` to `fd` at `off` (pwrite may write part).
bool pwriteAll(int fd, const char *p, uint64_t n, uint64_t off) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd, p, size_t(std::min<uint64_t>(n, 1u << 30)),
                         off_t(off));
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return false;
    p += w;
    n -= uint64_t(w);
    off += uint64_t(w);
  }
  return true;
}

} // namespace

bool canWriteWeightsObject(const std::string &triple) {
  return machineOf(triple) != llvm::ELF::EM_NONE;
}

WeightsObjectFrame weightsObjectFrame(const std::string &triple,
                                      const std::string &symbol, uint64_t size,
                                      bool noBits, uint64_t dataOffset) {
  using namespace llvm::ELF;
  // Layout: header, the weights (at 64; none in the file when noBits),
  // then the symbol and string tables, then the section headers. The
  // section has a name of its own (not .rodata.*) so that the linker keeps
  // it apart from the code's constants.
  const char shstr[] = "\0" kWeightsSectionName "\0.symtab\0.strtab\0"
                       ".shstrtab\0.note.GNU-stack";
  const uint32_t NameData = 1,
                 NameSymtab = NameData + sizeof(kWeightsSectionName),
                 NameStrtab = NameSymtab + sizeof(".symtab"),
                 NameShstrtab = NameStrtab + sizeof(".strtab"),
                 NameNote = NameShstrtab + sizeof(".shstrtab");
  std::string strtab = std::string(1, '\0') + symbol + '\0';
  const uint64_t dataOff = dataOffset;
  uint64_t symOff = alignTo(dataOff + (noBits ? 0 : size), 8);
  uint64_t symSize = 2 * sizeof(Elf64_Sym);
  uint64_t strOff = symOff + symSize;
  uint64_t shstrOff = strOff + strtab.size();
  uint64_t shOff = alignTo(shstrOff + sizeof(shstr), 8);
  const int numSections = 6;
  static_assert(sizeof(Elf64_Ehdr) == kWeightsObjectHeader);

  Elf64_Ehdr eh;
  std::memset(&eh, 0, sizeof(eh));
  std::memcpy(eh.e_ident, ElfMagic, 4);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
  eh.e_type = ET_REL;
  eh.e_machine = machineOf(triple);
  eh.e_version = EV_CURRENT;
  eh.e_shoff = shOff;
  eh.e_ehsize = sizeof(Elf64_Ehdr);
  eh.e_shentsize = sizeof(Elf64_Shdr);
  eh.e_shnum = numSections;
  eh.e_shstrndx = 4;

  Elf64_Sym syms[2];
  std::memset(syms, 0, sizeof(syms));
  syms[1].st_name = 1;
  syms[1].st_info = (STB_GLOBAL << 4) | STT_OBJECT;
  syms[1].st_other = STV_HIDDEN;
  syms[1].st_shndx = 1;
  syms[1].st_value = 0;
  syms[1].st_size = size;

  Elf64_Shdr sh[numSections];
  std::memset(sh, 0, sizeof(sh));
  sh[1].sh_name = NameData;
  sh[1].sh_type = noBits ? SHT_NOBITS : SHT_PROGBITS;
  sh[1].sh_flags = SHF_ALLOC;
  sh[1].sh_offset = dataOff;
  sh[1].sh_size = size;
  // Declared alone, a page: the bytes' offset in what the linker makes
  // is then page-aligned too (fillWeights moves them there whole).
  sh[1].sh_addralign = noBits ? 4096 : 64;
  sh[2].sh_name = NameSymtab;
  sh[2].sh_type = SHT_SYMTAB;
  sh[2].sh_offset = symOff;
  sh[2].sh_size = symSize;
  sh[2].sh_link = 3;
  sh[2].sh_info = 1; // the first global symbol
  sh[2].sh_addralign = 8;
  sh[2].sh_entsize = sizeof(Elf64_Sym);
  sh[3].sh_name = NameStrtab;
  sh[3].sh_type = SHT_STRTAB;
  sh[3].sh_offset = strOff;
  sh[3].sh_size = strtab.size();
  sh[3].sh_addralign = 1;
  sh[4].sh_name = NameShstrtab;
  sh[4].sh_type = SHT_STRTAB;
  sh[4].sh_offset = shstrOff;
  sh[4].sh_size = sizeof(shstr);
  sh[4].sh_addralign = 1;
  sh[5].sh_name = NameNote; // no executable stack
  sh[5].sh_type = SHT_PROGBITS;
  sh[5].sh_offset = shstrOff;
  sh[5].sh_addralign = 1;

  WeightsObjectFrame f;
  f.header.assign(reinterpret_cast<const char *>(&eh), sizeof(eh));
  f.trailerOffset = dataOff + (noBits ? 0 : size);
  auto put = [&](uint64_t off, const void *p, size_t n) {
    f.trailer.resize(size_t(off - f.trailerOffset), '\0');
    f.trailer.append(static_cast<const char *>(p), n);
  };
  put(symOff, syms, sizeof(syms));
  put(strOff, strtab.data(), strtab.size());
  put(shstrOff, shstr, sizeof(shstr));
  put(shOff, sh, sizeof(sh));
  return f;
}

bool frameWeightsObject(int fd, const std::string &triple,
                        const std::string &symbol, uint64_t size,
                        std::string &error, uint64_t dataOffset) {
  WeightsObjectFrame f =
      weightsObjectFrame(triple, symbol, size, false, dataOffset);
  uint64_t end = f.trailerOffset + f.trailer.size();
  bool ok = ::ftruncate(fd, off_t(end)) == 0 &&
            pwriteAll(fd, f.header.data(), f.header.size(), 0) &&
            pwriteAll(fd, f.trailer.data(), f.trailer.size(), f.trailerOffset);
  if (!ok)
    error = fmt::format("cannot write the weights object: {}",
                        std::strerror(errno));
  return ok;
}

void writeWeightsObject(llvm::raw_ostream &os, const std::string &triple,
                        const std::string &symbol, std::string_view bytes) {
  WeightsObjectFrame f = weightsObjectFrame(triple, symbol, bytes.size());
  os << f.header << bytes << f.trailer;
}

} // namespace cnnc::host

//===--- Filling the weights into a linked file ---------------------------===//

namespace cnnc::host {

namespace {

template <typename T> bool readAt(const std::string &file, uint64_t off, T &v) {
  if (off > file.size() || file.size() - off < sizeof(T))
    return false;
  std::memcpy(&v, file.data() + off, sizeof(T));
  return true;
}

template <typename T> void writeAt(std::string &file, uint64_t off, const T &v) {
  std::memcpy(file.data() + off, &v, sizeof(T));
}


/// Copies `n` bytes from `src` at `from` to `dst` at `to` through a small
/// buffer: neither file is mapped, so the bytes never become resident in
/// this process.
bool copyRange(int src, uint64_t from, int dst, uint64_t to, uint64_t n) {
  // In the kernel where it can (both files on one file system, as the
  // weights file beside the output is); else through a buffer.
  while (n > 0) {
    loff_t in = loff_t(from), out = loff_t(to);
    ssize_t c = ::copy_file_range(src, &in, dst, &out,
                                  size_t(std::min<uint64_t>(n, 1u << 30)), 0);
    if (c < 0 && errno == EINTR)
      continue;
    if (c <= 0)
      break;
    from += uint64_t(c);
    to += uint64_t(c);
    n -= uint64_t(c);
  }
  std::vector<char> buf(n > 0 ? size_t(4) << 20 : 0);
  while (n > 0) {
    ssize_t r = ::pread(src, buf.data(),
                        size_t(std::min<uint64_t>(n, buf.size())), off_t(from));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0 || !pwriteAll(dst, buf.data(), uint64_t(r), to))
      return false;
    from += uint64_t(r);
    to += uint64_t(r);
    n -= uint64_t(r);
  }
  return true;
}

enum class InPlace { Done, NotHere, Failed };

/// Makes `src`, whose `size` bytes of weights start at `srcOffset`, the
/// linked file at the path `tmp`, with no byte of the weights copied: pages
/// inserted before them (FALLOC_FL_INSERT_RANGE: ext4, XFS) move them to
/// `at`, the linked bytes are written around them (`file` up to `from` at
/// the start, the rest `shift` further), and the unnamed file gets the
/// name. NotHere, `src` untouched, where the file system cannot.
InPlace fillInPlace(const std::string &file, uint64_t from, uint64_t at,
                    uint64_t shift, uint64_t total, int src, uint64_t srcOffset,
                    uint64_t size, const std::string &tmp) {
#if defined(__linux__) && defined(FALLOC_FL_INSERT_RANGE)
  const uint64_t page = 4096;
  if (at % page != 0 || srcOffset % page != 0 || at < srcOffset)
    return InPlace::NotHere;
  if (at > srcOffset &&
      ::fallocate(src, FALLOC_FL_INSERT_RANGE, 0, off_t(at - srcOffset)) != 0)
    return InPlace::NotHere;
  std::string zeros(size_t(at - std::min(at, from)), '\0');
  bool ok = ::ftruncate(src, off_t(at + size)) == 0 &&
            ::ftruncate(src, off_t(total)) == 0 &&
            pwriteAll(src, file.data(), from, 0) &&
            pwriteAll(src, zeros.data(), zeros.size(), from) &&
            pwriteAll(src, file.data() + from, file.size() - from,
                      from + shift) &&
            ::fchmod(src, 0755) == 0;
  if (!ok)
    return InPlace::Failed;
  std::remove(tmp.c_str());
  if (::linkat(AT_FDCWD, fmt::format("/proc/self/fd/{}", src).c_str(),
               AT_FDCWD, tmp.c_str(), AT_SYMLINK_FOLLOW) == 0)
    return InPlace::Done;
  // A file that cannot be named (no /proc): copied whole.
  int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  ok = out >= 0 && ::ftruncate(out, off_t(total)) == 0 &&
       copyRange(src, 0, out, 0, total);
  if (out >= 0 && ::close(out) != 0)
    ok = false;
  return ok ? InPlace::Done : InPlace::Failed;
#else
  (void)file, (void)from, (void)at, (void)shift, (void)total, (void)src,
      (void)srcOffset, (void)size, (void)tmp;
  return InPlace::NotHere;
#endif
}

} // namespace

FillResult fillWeights(const std::string &path, int src, uint64_t srcOffset,
                       uint64_t size, std::string &error) {
  using namespace llvm::ELF;
  std::string file;
  {
    std::ifstream in(path, std::ios::binary);
    file.assign(std::istreambuf_iterator<char>(in), {});
    if (!in.good() && !in.eof()) {
      error = fmt::format("cannot read '{}'", path);
      return FillResult::Failed;
    }
  }
  Elf64_Ehdr eh;
  if (!readAt(file, 0, eh) || std::memcmp(eh.e_ident, ElfMagic, 4) != 0 ||
      eh.e_ident[EI_CLASS] != ELFCLASS64 ||
      eh.e_ident[EI_DATA] != ELFDATA2LSB ||
      eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0 ||
      eh.e_shstrndx >= eh.e_shnum)
    return FillResult::Unsupported;
  // The weights' section, by name.
  auto shdrAt = [&](unsigned i) { return eh.e_shoff + i * sizeof(Elf64_Shdr); };
  Elf64_Shdr names;
  if (!readAt(file, shdrAt(eh.e_shstrndx), names) ||
      names.sh_offset > file.size() ||
      file.size() - names.sh_offset < names.sh_size)
    return FillResult::Unsupported;
  std::string_view nameTable(file.data() + names.sh_offset, names.sh_size);
  int found = -1;
  Elf64_Shdr w{};
  for (unsigned i = 0; i < eh.e_shnum; ++i) {
    Elf64_Shdr sh;
    if (!readAt(file, shdrAt(i), sh))
      return FillResult::Unsupported;
    if (sh.sh_name < nameTable.size() &&
        nameTable.substr(sh.sh_name).substr(
            0, sizeof(kWeightsSectionName)) ==
            std::string_view(kWeightsSectionName, sizeof(kWeightsSectionName))) {
      if (found >= 0)
        return FillResult::Unsupported;
      found = int(i);
      w = sh;
    }
  }
  if (found < 0 || w.sh_type != SHT_NOBITS || w.sh_size != size)
    return FillResult::Unsupported;

  // Where the bytes go (`at`), and the file from `from` on moves by `shift`.
  uint64_t at, from, shift;
  if (eh.e_type == ET_REL) {
    // No segments: the bytes go at the end of the file, a page in (as
    // the section is aligned, and so that they can be moved there whole).
    at = (file.size() + 4095) / 4096 * 4096;
    from = file.size();
    shift = 0;
  } else if (eh.e_type == ET_DYN || eh.e_type == ET_EXEC) {
    // The section lies in the zero-filled tail of a loadable segment: the
    // segment's file part grows to its end, and the file after the
    // segment's old file part moves back by a page multiple (offsets keep
    // their congruence with addresses).
    if (eh.e_phentsize != sizeof(Elf64_Phdr))
      return FillResult::Unsupported;
    int seg = -1;
    uint64_t align = 4096;
    std::vector<Elf64_Phdr> ph(eh.e_phnum);
    for (unsigned i = 0; i < eh.e_phnum; ++i) {
      if (!readAt(file, eh.e_phoff + i * sizeof(Elf64_Phdr), ph[i]))
        return FillResult::Unsupported;
      const Elf64_Phdr &p = ph[i];
      if (p.p_type != PT_LOAD)
        continue;
      align = std::max<uint64_t>(align, p.p_align);
      if (w.sh_addr >= p.p_vaddr + p.p_filesz &&
          w.sh_addr + size <= p.p_vaddr + p.p_memsz)
        seg = int(i);
    }
    if (seg < 0 || (align & (align - 1)) != 0)
      return FillResult::Unsupported;
    Elf64_Phdr &s = ph[size_t(seg)];
    from = s.p_offset + s.p_filesz;
    at = s.p_offset + (w.sh_addr - s.p_vaddr);
    shift = (at + size - from + align - 1) / align * align;
    if (from > file.size())
      return FillResult::Unsupported;
    s.p_filesz = w.sh_addr + size - s.p_vaddr;
    for (unsigned i = 0; i < eh.e_phnum; ++i) {
      if (int(i) != seg && ph[i].p_offset >= from && ph[i].p_filesz > 0)
        ph[i].p_offset += shift;
      writeAt(file, eh.e_phoff + i * sizeof(Elf64_Phdr), ph[i]);
    }
  } else {
    return FillResult::Unsupported;
  }
  for (unsigned i = 0; i < eh.e_shnum; ++i) {
    Elf64_Shdr sh;
    readAt(file, shdrAt(i), sh);
    if (int(i) == found) {
      sh.sh_type = SHT_PROGBITS;
      sh.sh_offset = at;
    } else if (sh.sh_offset >= from && sh.sh_type != SHT_NULL) {
      sh.sh_offset += shift;
    }
    writeAt(file, shdrAt(i), sh);
  }
  if (eh.e_shoff >= from) {
    eh.e_shoff += shift;
    writeAt(file, 0, eh);
  }

  std::string tmp = path + ".w";
  uint64_t total = std::max(at + size, file.size() + shift);
  switch (fillInPlace(file, from, at, shift, total, src, srcOffset, size,
                      tmp)) {
  case InPlace::Done:
    if (std::rename(tmp.c_str(), path.c_str()) == 0)
      return FillResult::Filled;
    [[fallthrough]];
  case InPlace::Failed:
    error = fmt::format("cannot write the weights into '{}': {}", path,
                        std::strerror(errno));
    std::remove(tmp.c_str());
    return FillResult::Failed;
  case InPlace::NotHere:
    break;
  }

  // Else written beside `path`, the weights copied, then renamed over it.
  int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  bool ok = out >= 0;
  ok = ok && ::ftruncate(out, off_t(total)) == 0 &&
       pwriteAll(out, file.data(), from, 0) &&
       copyRange(src, srcOffset, out, at, size) &&
       pwriteAll(out, file.data() + from, file.size() - from, from + shift);
  if (out >= 0 && ::close(out) != 0)
    ok = false;
  if (ok && std::rename(tmp.c_str(), path.c_str()) != 0)
    ok = false;
  if (!ok) {
    error = fmt::format("cannot write the weights into '{}': {}", path,
                        std::strerror(errno));
    std::remove(tmp.c_str());
    return FillResult::Failed;
  }
  return FillResult::Filled;
}

} // namespace cnnc::host
