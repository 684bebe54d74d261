//===- shape.cuh - Data movement: strided copies and pad -------*- CUDA -*-===//
//
// strided_copy  y[out_off + sum i_d * os(d)] = x[in_off + sum i_d * is(d)]
//               over an iteration space of shape(d) (outermost first): the
//               transpose, concat, split, slice, depth_to_space and
//               relayout of the lowering, each described by its strides and
//               simplified (merged axes) there. Input strides may be
//               negative (slices with negative steps). One thread per
//               element in the space's row-major order; the lowering keeps
//               the output's innermost axis innermost so writes coalesce.
// transpose_tiled  a strided copy that transposes two axes (one contiguous
//               in x, the other in y) through shared-memory tiles, so
//               reads coalesce too.
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

/// A strided copy whose output-contiguous axis L is strided in x while
/// another axis J is contiguous in x (a transpose): 32x32 tiles of (J, L)
/// staged in shared memory, read along J and written along L, both
/// coalesced. Block (32, 8); blockIdx.x enumerates (batch, tile of J, tile
/// of L), batch over the other axes (bshape, bis, bos; bshape_n >= 1).
/// P::nJ, P::nL, P::isJ, P::osJ, P::isL, P::osL, P::tilesJ, P::tilesL,
/// P::in_off, P::out_off.
template <class P> __device__ void transpose_tiled(const Args &a) {
  __shared__ float tile[32][33];
  int b = int(blockIdx.x);
  int tl = b % P::tilesL;
  b /= P::tilesL;
  int tj = b % P::tilesJ;
  b /= P::tilesJ;
  int xi = P::in_off, yi = P::out_off;
#pragma unroll
  for (int d = P::bshape_n - 1; d > 0; --d) {
    int c = b % P::bshape(d);
    b /= P::bshape(d);
    xi += c * P::bis(d);
    yi += c * P::bos(d);
  }
  xi += b * P::bis(0);
  yi += b * P::bos(0);
  const float *__restrict x = a.p[0] + xi;
  float *__restrict y = a.p[1] + yi;
  int tx = int(threadIdx.x), ty = int(threadIdx.y);
  int j = tj * 32 + tx;
#pragma unroll
  for (int r = 0; r < 32; r += 8) {
    int l = tl * 32 + ty + r;
    if (j < P::nJ && l < P::nL)
      tile[ty + r][tx] = x[j * P::isJ + l * P::isL];
  }
  __syncthreads();
  int l = tl * 32 + tx;
#pragma unroll
  for (int r = 0; r < 32; r += 8) {
    int jj = tj * 32 + ty + r;
    if (jj < P::nJ && l < P::nL)
      y[jj * P::osJ + l * P::osL] = tile[tx][ty + r];
  }
}

enum PadMode { kPadConstant = 0, kPadReflect, kPadEdge };

/// p[0] x [xdim(0..)], p[1] y [ydim(0..)]: y at index o reads x at o - pb on
/// every axis, mirrored (reflect) or clamped (edge) into x, or is
/// P::value (constant) outside. P::xdim, P::ydim, P::pb (xdim_n axes), P::mode.
template <class P> __device__ void pad(const Args &a) {
  const float *__restrict x = a.p[0];
  float *__restrict y = a.p[1];
  for (unsigned i = flatIndex(); i < unsigned(P::n);
       i += gridDim.x * blockDim.x) {
    int rem = int(i), xi = 0, scale = 1;
    bool inside = true;
#pragma unroll
    for (int d = P::xdim_n - 1; d >= 0; --d) {
      int c = (d > 0 ? rem % P::ydim(d) : rem) - P::pb(d);
      rem /= P::ydim(d);
      if (c < 0 || c >= P::xdim(d)) {
        inside = false;
        if (P::mode == kPadReflect)
          c = c < 0 ? -c : 2 * (P::xdim(d) - 1) - c;
        else
          c = c < 0 ? 0 : P::xdim(d) - 1;
      }
      xi += c * scale;
      scale *= P::xdim(d);
    }
    y[i] = P::mode == kPadConstant && !inside ? P::value : x[xi];
  }
}

} // namespace cnnk
