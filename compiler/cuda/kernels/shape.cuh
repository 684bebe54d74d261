//===- shape.cuh - Data movement: strided copies and pad ---------*- CUDA -*-===//
//
// strided_copy  y[out_off + sum i_d * os(d)] = x[in_off + sum i_d * is(d)]
//               over an iteration space of shape(d) (outermost first): the
//               transpose, concat, split, slice, depth_to_space and
//               relayout of the lowering, each described by its strides and
//               simplified (merged axes) there. Input strides may be
//               negative (slices with negative steps). One thread per
//               element in the space's row-major order; the lowering keeps
//               the output's innermost axis innermost so writes coalesce.
// pad           constant, reflect and edge padding (negative pads crop),
//               one thread per output element (ir/ops/SliceOps.cpp).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "cnnk/prelude.cuh"

namespace cnnk {

/// p[0] x, p[1] y. P::shape, P::is, P::os (shape_n axes), P::in_off,
/// P::out_off.
template <class P> __device__ void strided_copy(const Args &a) {
  const float *__restrict x = a.p[0] + P::in_off;
  float *__restrict y = a.p[1] + P::out_off;
  for (unsigned i = flatIndex(); i < unsigned(P::n);
       i += gridDim.x * blockDim.x) {
    int rem = int(i), xi = 0, yi = 0;
#pragma unroll
    for (int d = P::shape_n - 1; d > 0; --d) {
      int c = rem % P::shape(d);
      rem /= P::shape(d);
      xi += c * P::is(d);
      yi += c * P::os(d);
    }
    xi += rem * P::is(0);
    yi += rem * P::os(0);
    y[yi] = x[xi];
  }
}

enum PadMode { kPadConstant = 0, kPadReflect, kPadEdge };

/// p[0] x [in(0..)], p[1] y [out(0..)]: y at index o reads x at o - pb on
/// every axis, mirrored (reflect) or clamped (edge) into x, or is
/// P::value (constant) outside. P::in, P::out, P::pb (in_n axes), P::mode.
template <class P> __device__ void pad(const Args &a) {
  const float *__restrict x = a.p[0];
  float *__restrict y = a.p[1];
  for (unsigned i = flatIndex(); i < unsigned(P::n);
       i += gridDim.x * blockDim.x) {
    int rem = int(i), xi = 0, scale = 1;
    bool inside = true;
#pragma unroll
    for (int d = P::in_n - 1; d >= 0; --d) {
      int c = (d > 0 ? rem % P::out(d) : rem) - P::pb(d);
      rem /= P::out(d);
      if (c < 0 || c >= P::in(d)) {
        inside = false;
        if (P::mode == kPadReflect)
          c = c < 0 ? -c : 2 * (P::in(d) - 1) - c;
        else
          c = c < 0 ? 0 : P::in(d) - 1;
      }
      xi += c * scale;
      scale *= P::in(d);
    }
    y[i] = P::mode == kPadConstant && !inside ? P::value : x[xi];
  }
}

} // namespace cnnk
