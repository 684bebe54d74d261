//===- Header.h - The C header of a compiled model --------------*- C++ -*-===//
#ifndef CNNC_COMPILER_HOST_HEADER_H
#define CNNC_COMPILER_HOST_HEADER_H

#include "ir/Graph.h"

#include <string>

namespace cnnc::host {

/// A self-contained C99 header for linking model `name` statically: the
/// ABI (abi.h, embedded), the entry's declaration, and macros for the
/// tensor count, each tensor's rank, shape and element count, and the
/// workspace size.
std::string generateHeader(const Graph &g, const std::string &name,
                           int64_t workspaceBytes);

} // namespace cnnc::host

#endif
