//===- WeightsObject.h - The weights as an ELF object of their own -*- C++ -*-===//
//
// A model's embedded weights are hundreds of megabytes of bytes the code
// only addresses. Given to LLVM as a constant they were copied into the IR,
// again into the machine-code streamer and again into the object (a VGG-16
// held its weights four times). Instead the code declares the weights
// symbol and this writes a relocatable ELF object defining it: one
// read-only section of the bytes, streamed to the file from the lowering's
// buffer, and a symbol table naming it (hidden, so a shared object does not
// export it). The linker joins it with the code objects.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CPU_WEIGHTSOBJECT_H
#define CNNC_COMPILER_CPU_WEIGHTSOBJECT_H

#include <cstdint>
#include <string>
#include <string_view>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace cnnc::cpu {

/// Whether writeWeightsObject can write objects for `triple` (64-bit
/// little-endian ELF: x86-64 and AArch64).
bool canWriteWeightsObject(const std::string &triple);

/// The bytes of the object around the weights: the header, the weights
/// at kWeightsObjectHeader, then `trailer` (at trailerOffset).
constexpr uint64_t kWeightsObjectHeader = 64;
struct WeightsObjectFrame {
  std::string header;
  uint64_t trailerOffset = 0;
  std::string trailer;
};
WeightsObjectFrame weightsObjectFrame(const std::string &triple,
                                      const std::string &symbol, uint64_t size);

/// Makes the file `fd`, which holds `size` bytes of weights at
/// kWeightsObjectHeader, the object writeWeightsObject would write: the
/// header before them, the tables after. False with `error` set when a
/// write fails.
bool frameWeightsObject(int fd, const std::string &triple,
                        const std::string &symbol, uint64_t size,
                        std::string &error);

/// Writes to `os` (at its start) an ELF relocatable object for `triple`
/// defining the global hidden symbol `symbol` as `bytes`, 64-byte aligned.
/// Write errors stay in `os` for its owner to report.
void writeWeightsObject(llvm::raw_ostream &os, const std::string &triple,
                        const std::string &symbol, std::string_view bytes);

} // namespace cnnc::cpu

#endif
