//===- OutputSummary.h - How the tools print an output tensor ---*- C++ -*-===//
//
// One summary format for every tool that runs a model (`cnnc --interpret`,
// `cnnrun`), so their outputs can be compared by eye or by FileCheck.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_TOOLS_COMMON_OUTPUTSUMMARY_H
#define CNNC_TOOLS_COMMON_OUTPUTSUMMARY_H

#include "ir/Tensor.h"

#include <string>
#include <string_view>

namespace cnnc {

/// "%NAME f32[SHAPE]: min A max B mean C" (and a count of non-finite
/// values), then the five largest classes for a classifier's output ([1, K]
/// or [K] with K >= 5), then every value when `values` is set. Each line
/// ends with a newline.
std::string describeTensor(std::string_view name, const Tensor &t, bool values);

} // namespace cnnc

#endif
