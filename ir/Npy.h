//===- Npy.h - NumPy .npy files ---------------------------------*- C++ -*-===//
#ifndef CNNC_IR_NPY_H
#define CNNC_IR_NPY_H

#include "ir/Diagnostics.h"
#include "ir/Tensor.h"

#include <optional>
#include <string>

namespace cnnc {

/// Reads a C-ordered .npy array (f32, f64, i32, i64, u8, i8, bool, little
/// endian) as f32. Reports and returns nullopt on a bad file.
std::optional<Tensor> readNpy(const std::string &path, DiagEngine &diag);

/// Writes an f32 .npy file (version 1.0) via a temporary file and rename.
bool writeNpy(const std::string &path, const Tensor &t, DiagEngine &diag);

} // namespace cnnc

#endif
