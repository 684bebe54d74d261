//===- FuzzNpy.cpp - fuzz target: .npy reader -----------------------------===//
//
// Reads the input as a .npy file (magic, version, header dict, dtype,
// order, shape, data size); a file it accepts is written back and must read
// back to the same tensor.
//
//===----------------------------------------------------------------------===//
#include "FuzzUtil.h"
#include "ir/Npy.h"

#include <cstring>

using namespace cnnc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cnnc_fuzz::TempFile file(data, size, ".npy");
  DiagEngine diag;
  diag.setPrintImmediately(false);
  std::optional<Tensor> t = readNpy(file.path(), diag);
  if (!t)
    return 0;
  cnnc_fuzz::TempFile back(nullptr, 0, ".back.npy");
  if (!writeNpy(back.path(), *t, diag))
    __builtin_trap();
  std::optional<Tensor> again = readNpy(back.path(), diag);
  if (!again || again->shape != t->shape ||
      again->data.size() != t->data.size() ||
      (!t->data.empty() &&
       std::memcmp(again->ptr(), t->ptr(), t->data.size() * sizeof(float))))
    __builtin_trap(); // what was read must round-trip
  return 0;
}
