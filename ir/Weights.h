//===- Weights.h - Materialising constants ----------------------*- C++ -*-===//
#ifndef CNNC_IR_WEIGHTS_H
#define CNNC_IR_WEIGHTS_H

#include "ir/Diagnostics.h"
#include "ir/Graph.h"
#include "ir/Tensor.h"

#include <optional>

namespace cnnc {

/// The deterministic generator behind `random(seed)`: a pure function of
/// (seed, index) returning a float in [0, 1) with 24 random bits
/// (splitmix64 of seed * 2^32 + index, top 24 bits). Every tool and backend
/// regenerates the same weights from it.
float randomUniform01(uint64_t seed, uint64_t index);

/// The range [lo, hi] of a RandomInit for a tensor of `shape`.
std::pair<double, double> randomRange(const RandomInit &r, const Shape &shape);

/// The data of a const node as f32 (random, inline or read from the graph's
/// weights file). Reports and returns nullopt on an I/O error.
std::optional<Tensor> materializeConst(const Graph &g, const Node &n,
                                       DiagEngine &diag);

} // namespace cnnc

#endif
