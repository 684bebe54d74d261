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
#ifndef CNNC_COMPILER_HOST_WEIGHTSOBJECT_H
#define CNNC_COMPILER_HOST_WEIGHTSOBJECT_H

#include <cstdint>
#include <string>
#include <string_view>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace cnnc::host {

/// Whether writeWeightsObject can write objects for `triple` (64-bit
/// little-endian ELF: x86-64 and AArch64).
bool canWriteWeightsObject(const std::string &triple);

/// The bytes of the object around the weights: the header, the weights
/// at kWeightsObjectHeader, then `trailer` (at trailerOffset).
constexpr uint64_t kWeightsObjectHeader = 64;
/// Where the lowering's weights file holds the weights: a page in, so that
/// fillWeights can make that file the artefact by inserting pages before
/// them.
constexpr uint64_t kWeightsFileHeader = 4096;
/// The weights' section, in the object and in what the linker makes of it.
#define kWeightsSectionName ".cnnc_weights"
struct WeightsObjectFrame {
  std::string header;
  uint64_t trailerOffset = 0;
  std::string trailer;
};
/// With `noBits` the section is SHT_NOBITS (like .bss): the object holds
/// no weights and the linker writes none; fillWeights puts them into what
/// it linked.
/// The weights start at `dataOffset` (after the 64-byte header).
WeightsObjectFrame weightsObjectFrame(const std::string &triple,
                                      const std::string &symbol, uint64_t size,
                                      bool noBits = false,
                                      uint64_t dataOffset = kWeightsObjectHeader);

/// Makes the file `fd`, which holds `size` bytes of weights at
/// kWeightsObjectHeader, the object writeWeightsObject would write: the
/// header before them, the tables after. False with `error` set when a
/// write fails.
bool frameWeightsObject(int fd, const std::string &triple,
                        const std::string &symbol, uint64_t size,
                        std::string &error,
                        uint64_t dataOffset = kWeightsObjectHeader);

/// Writes to `os` (at its start) an ELF relocatable object for `triple`
/// defining the global hidden symbol `symbol` as `bytes`, 64-byte aligned.
/// Write errors stay in `os` for its owner to report.
void writeWeightsObject(llvm::raw_ostream &os, const std::string &triple,
                        const std::string &symbol, std::string_view bytes);

/// What fillWeights did.
enum class FillResult { Filled, Unsupported, Failed };

/// Puts `size` bytes of weights, read from the file `src` at `srcOffset`,
/// into `path`: a shared or relocatable object the linker made of code
/// objects and a noBits weights object, so that the linker never read or
/// wrote the weights (for a VGG-16 it held 528 MB twice: its input and its
/// output). The weights' section becomes PROGBITS: in a relocatable object
/// its bytes go at the end of the file; in a shared object they fill the
/// zero tail of the loadable segment that holds the section, and the rest
/// of the file moves back by a multiple of the page size (program and
/// section headers follow). The bytes are copied file to file, never
/// resident here. Unsupported (the file untouched) where the section is
/// not found as expected: the caller links the weights in instead; Failed
/// with `error` on an I/O error.
FillResult fillWeights(const std::string &path, int src, uint64_t srcOffset,
                       uint64_t size, std::string &error);

} // namespace cnnc::host

#endif
