//===- WeightsObject.cpp - The weights as an ELF object of their own ------===//
#include "compiler/cpu/WeightsObject.h"

#include <llvm/BinaryFormat/ELF.h>
#include <llvm/Support/raw_ostream.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace cnnc::cpu {

namespace {

uint16_t machineOf(const std::string &triple) {
  if (triple.rfind("x86_64", 0) == 0)
    return llvm::ELF::EM_X86_64;
  if (triple.rfind("aarch64", 0) == 0)
    return llvm::ELF::EM_AARCH64;
  return llvm::ELF::EM_NONE;
}

uint64_t alignTo(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

} // namespace

bool canWriteWeightsObject(const std::string &triple) {
  return machineOf(triple) != llvm::ELF::EM_NONE;
}

WeightsObjectFrame weightsObjectFrame(const std::string &triple,
                                      const std::string &symbol,
                                      uint64_t size) {
  using namespace llvm::ELF;
  // Layout: header, the weights (at 64), then the symbol and string
  // tables, then the section headers.
  const char shstr[] = "\0.rodata.cnnc_weights\0.symtab\0.strtab\0"
                       ".shstrtab\0.note.GNU-stack";
  enum : uint32_t {
    NameData = 1,
    NameSymtab = 22,
    NameStrtab = 30,
    NameShstrtab = 38,
    NameNote = 48
  };
  std::string strtab = std::string(1, '\0') + symbol + '\0';
  const uint64_t dataOff = kWeightsObjectHeader;
  uint64_t symOff = alignTo(dataOff + size, 8);
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
  sh[1].sh_type = SHT_PROGBITS;
  sh[1].sh_flags = SHF_ALLOC;
  sh[1].sh_offset = dataOff;
  sh[1].sh_size = size;
  sh[1].sh_addralign = 64;
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
  f.trailerOffset = dataOff + size;
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
                        std::string &error) {
  WeightsObjectFrame f = weightsObjectFrame(triple, symbol, size);
  uint64_t end = f.trailerOffset + f.trailer.size();
  bool ok = ::ftruncate(fd, off_t(end)) == 0 &&
            ::pwrite(fd, f.header.data(), f.header.size(), 0) ==
                ssize_t(f.header.size()) &&
            ::pwrite(fd, f.trailer.data(), f.trailer.size(),
                     off_t(f.trailerOffset)) == ssize_t(f.trailer.size());
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

} // namespace cnnc::cpu
