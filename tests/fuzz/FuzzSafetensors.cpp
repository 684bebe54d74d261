//===- FuzzSafetensors.cpp - fuzz target: safetensors reader --------------===//
//
// Opens the input as a safetensors file (header length, JSON header,
// dtypes, shapes, data offsets) and reads every tensor it declares.
//
//===----------------------------------------------------------------------===//
#include "FuzzUtil.h"
#include "ir/Safetensors.h"

using namespace cnnc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cnnc_fuzz::TempFile file(data, size, ".safetensors");
  DiagEngine diag;
  diag.setPrintImmediately(false);
  std::unique_ptr<SafetensorsFile> f =
      SafetensorsFile::open(file.path(), diag, SourceLoc{});
  if (!f)
    return 0;
  for (const auto &[name, entry] : f->entries())
    (void)f->read(name, diag, SourceLoc{});
  return 0;
}
