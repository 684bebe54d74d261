//===- Embed.h - Files embedded in cnnc at build time -----------*- C++ -*-===//
//
// CNNC_EMBED_FILE(sym, "path") places the bytes of a build-time file in
// .rodata between the symbols sym_begin and sym_end (with `.incbin`), so
// cnnc needs no files beside it at run time.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_EMBED_H
#define CNNC_COMPILER_EMBED_H

#include <string_view>

#define CNNC_EMBED_FILE(sym, path)                                             \
  asm(".section .rodata\n"                                                     \
      ".balign 16\n"                                                           \
      ".globl " #sym "_begin\n" #sym "_begin:\n"                               \
      ".incbin \"" path "\"\n"                                                 \
      ".globl " #sym "_end\n" #sym "_end:\n"                                   \
      ".previous\n");                                                          \
  extern "C" const char sym##_begin[];                                         \
  extern "C" const char sym##_end[];                                           \
  static std::string_view sym##_bytes() {                                      \
    return {sym##_begin, size_t(sym##_end - sym##_begin)};                     \
  }

#endif
