//===- Parser.h - Text IR to Graph ------------------------------*- C++ -*-===//
//
//   graph lenet5 {
//     weights "lenet5.safetensors"           # optional, relative to the file
//     input %x : f32[1,1,32,32]
//     %w = const random(1) : f32[6,1,5,5]    # or [1, 2, ...] or file("name")
//     %c = conv(%x, %w) {pads=[2,2,2,2]} : f32[1,6,32,32]
//     %a, %b = split(%c) {axis=1}
//     output %a, %b
//   }
//
// Result types after ':' are optional; shape inference fills them in and
// checks any that were written.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_IR_PARSER_H
#define CNNC_IR_PARSER_H

#include "ir/Diagnostics.h"
#include "ir/Graph.h"

#include <memory>
#include <string>
#include <string_view>

namespace cnnc {

/// Parses IR text. `fileName` is used in diagnostics and to resolve the
/// weights file. Returns nullptr after reporting errors.
std::unique_ptr<Graph> parseGraph(std::string_view text,
                                  std::string_view fileName, DiagEngine &diag);

/// Reads and parses a file.
std::unique_ptr<Graph> parseGraphFile(const std::string &path,
                                      DiagEngine &diag);

/// Reads a whole file; reports and returns false on failure.
bool readFile(const std::string &path, std::string &out, DiagEngine &diag);

} // namespace cnnc

#endif
