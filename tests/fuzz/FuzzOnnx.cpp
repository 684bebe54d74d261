//===- FuzzOnnx.cpp - fuzz target: ONNX model bytes -> importer -----------===//
//
// Writes the input to a file and imports it as an ONNX model (protobuf
// parsing, external-data locations relative to the file's folder, opset
// and op checks, every op's mapping, constant folding of shape
// computations, verification).
//
//===----------------------------------------------------------------------===//
#include "FuzzUtil.h"
#include "compiler/onnx/Importer.h"
#include "ir/Diagnostics.h"

using namespace cnnc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cnnc_fuzz::TempFile file(data, size, ".onnx");
  DiagEngine diag;
  diag.setPrintImmediately(false);
  onnx::ImportOptions opts;
  (void)onnx::importOnnxFile(file.path(), opts, diag);
  return 0;
}
