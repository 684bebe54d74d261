//===- Resolve.h - Op semantics the backends share --------------*- C++ -*-===//
//
// The attribute resolution of ops whose semantics the backends must follow
// to the element: the reference kernels (ir/ops/*Ops.cpp) define these
// functions and use them, and the CPU and CUDA lowerings call the same
// functions instead of restating the rules, so a backend reads exactly the
// input elements the interpreter reads.
//
//   resize     resizeAxisTaps: the input taps of every output coordinate
//   matmul     resolveMatMul: numpy promotion and batch broadcasting
//   slice      resolveSlice: ONNX's clamping of starts and ends per step
//   transpose  transposePerm: the permutation, reversed axes by default
//   layer_norm layerNormStats: a slice's mean and inverse deviation
//
// Each assumes a node shape inference accepted unless it says otherwise.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_IR_OPS_RESOLVE_H
#define CNNC_IR_OPS_RESOLVE_H

#include "ir/Graph.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace cnnc {

//===--- resize -----------------------------------------------------------===//

/// One resized spatial axis: its input and output sizes, and how output
/// coordinates scale to input coordinates.
struct ResizeAxis {
  int64_t in = 0;
  int64_t out = 0;
  /// The given scale; unused when the sizes were given.
  double scale = 1;
  bool fromSizes = false;

  /// x / scale; with sizes, x * in / out, exact when the result is integral.
  double toInput(double x) const {
    return fromSizes ? x * double(in) / double(out) : x / scale;
  }
};

/// The two input neighbours of one output coordinate on one axis and the
/// weight of the second (the first weighs 1 - w). Nearest taps have
/// lo == hi and w == 0; so has a linear tap on the last input element.
struct ResizeTaps {
  int64_t lo = 0;
  int64_t hi = 0;
  double w = 0;
};

/// Per output coordinate of axis `a` of resize `node`, the input taps read
/// (by its mode, coordinate_transformation_mode and nearest_mode). An axis
/// with in == out == 1 gives the single tap {0, 0, 0}.
std::vector<ResizeTaps> resizeAxisTaps(const Node &node, const ResizeAxis &a);

/// The general form of an axis's taps: `taps` (index, weight) pairs per
/// output coordinate (weights summing to 1; unused ones weigh 0), or the
/// coordinate lies outside the input (tf_crop_and_resize: the output is
/// extrapolation_value).
struct ResizeFilter {
  int64_t taps = 1;
  std::vector<int64_t> index; // [out * taps]
  std::vector<double> weight; // [out * taps]
  std::vector<char> outside;  // [out]
};

/// Whether resize `node` needs the general filter: cubic, antialias (with
/// linear), or tf_crop_and_resize. Otherwise resizeAxisTaps says it all.
bool resizeNeedsFilter(const Node &node);

/// The filter of spatial axis `spatial` (0 for the first) of resize `node`,
/// any mode (nearest and linear as resizeAxisTaps gives them); what the
/// reference kernel and the backends' general resize kernels apply.
ResizeFilter resizeAxisFilter(const Node &node, const ResizeAxis &a,
                              size_t spatial);

//===--- layer_norm -------------------------------------------------------===//

/// The mean of the `len` values at(0) .. at(len - 1) and 1 / sqrt(var +
/// epsilon), var the mean squared deviation from the mean, in double: how
/// layer_norm and layer_norm_gemm normalise a slice. An empty slice has
/// mean 0 and variance 0.
template <class At>
void layerNormStats(At at, int64_t len, double epsilon, double &mean,
                    double &inv) {
  double sum = 0, sq = 0;
  for (int64_t j = 0; j < len; ++j)
    sum += at(j);
  mean = len ? sum / double(len) : 0.0;
  for (int64_t j = 0; j < len; ++j)
    sq += (at(j) - mean) * (at(j) - mean);
  inv = 1 / std::sqrt((len ? sq / double(len) : 0.0) + epsilon);
}

//===--- transpose --------------------------------------------------------===//

/// The resolved `perm` of a transpose of a rank-`rank` tensor: the
/// attribute, or the axes reversed when it is absent.
std::vector<int64_t> transposePerm(const Node &node, int64_t rank);

//===--- slice ------------------------------------------------------------===//

/// One axis of a resolved slice: result element i reads x at
/// start + i * step.
struct SliceAxis {
  int64_t start = 0;
  int64_t step = 1;
  int64_t size = 0;
};

/// Resolves the slice of a node over input shape `x`, one SliceAxis per
/// axis of x (ONNX's rules: negative starts and ends count from the end,
/// then clamp by the step's direction). On a bad attribute returns false
/// and sets `error` (shape inference reports it).
bool resolveSlice(const Node &node, const Shape &x,
                  std::vector<SliceAxis> &axes, std::string &error);

//===--- matmul -----------------------------------------------------------===//

/// A matmul operand shape as numpy promotes it: a 1-D a (`isA`) becomes
/// [1, K], a 1-D b becomes [K, 1]; any other shape is kept.
Shape matmulPromoted(const Shape &s, bool isA);

/// The batch dimensions of a promoted matmul operand: all but the last two.
Shape matmulBatchDims(const Shape &s);

/// A matmul of a [*Ba, M, K] by b [*Bb, K, N] (promoted), the batch
/// dimensions broadcast to `batch`. The result, as [*batch, M, N], keeps
/// its row-major layout when a promoted axis is removed.
struct MatMulDims {
  Shape a, b;  ///< The promoted operand shapes.
  Shape batch; ///< The broadcast batch dimensions.
  int64_t m = 0, k = 0, n = 0;
  int64_t batchCount = 1; ///< Elements of `batch`.
  int64_t aMatrices = 1;  ///< Elements of *Ba: the M x K matrices of a.
  int64_t bMatrices = 1;  ///< Elements of *Bb: the K x N matrices of b.
  /// Per axis of `batch`, the step in matrices of a and of b (0 where the
  /// operand broadcasts along it; broadcastStrides).
  std::vector<int64_t> aBatchStride, bBatchStride;
};

/// Resolves a matmul of operand shapes `a` and `b` (ranks at least 1, K
/// agreeing); nullopt when the batch dimensions do not broadcast.
std::optional<MatMulDims> resolveMatMul(const Shape &a, const Shape &b);

} // namespace cnnc

#endif
