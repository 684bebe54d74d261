//===- resize.cuh - Nearest and (bi/tri)linear resize ----------*- CUDA -*-===//
//
// resize  y [planes, out(0..2)] from x [planes, in(0..2)] (1-3 spatial axes
//         padded to three by the lowering). The source coordinates are not
//         recomputed here: the lowering evaluates the interpreter's
//         coordinate transformation and rounding (ir/ops/ResizeOps.cpp) in
//         double for every output coordinate of every axis and passes them
//         as a table of (lo, hi, w) triples, so both agree exactly on which
//         input elements are read. Nearest reads lo; linear blends lo and
//         hi with weights 1 - w and w on every axis where w != 0 (the
//         lowering writes w = 0 where hi == lo), over the cell's corners.
//         One thread per output element.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "cnnk/prelude.cuh"

namespace cnnk {

/// p[0] x, p[1] y, p[2] the tap table: for axis d, out(d) triples from
/// float P::toff(d) on. P::in, P::out (three each), P::linear.
template <class P> __device__ void resize(const Args &a) {
  const float *__restrict x = a.p[0];
  float *__restrict y = a.p[1];
  const float *__restrict taps = a.p[2];
  for (unsigned i = flatIndex(); i < unsigned(P::n);
       i += gridDim.x * blockDim.x) {
    int od, oh, ow;
    int plane = splitOut3<P>(int(i), od, oh, ow);
    const float *td = taps + P::toff(0) + 3 * od;
    const float *th = taps + P::toff(1) + 3 * oh;
    const float *tw = taps + P::toff(2) + 3 * ow;
    const float *xp = x + plane * (P::in(0) * P::in(1) * P::in(2));
    if (!P::linear) {
      y[i] = xp[(int(td[0]) * P::in(1) + int(th[0])) * P::in(2) + int(tw[0])];
      continue;
    }
    float acc = 0.0f;
    for (int cd = 0; cd < 2; ++cd) {
      if (cd == 1 && td[2] == 0.0f)
        continue;
      float wd = cd ? td[2] : 1.0f - td[2];
      int id = int(td[cd]);
      for (int ch = 0; ch < 2; ++ch) {
        if (ch == 1 && th[2] == 0.0f)
          continue;
        float wh = wd * (ch ? th[2] : 1.0f - th[2]);
        const float *row = xp + (id * P::in(1) + int(th[ch])) * P::in(2);
        for (int cw = 0; cw < 2; ++cw) {
          if (cw == 1 && tw[2] == 0.0f)
            continue;
          acc += wh * (cw ? tw[2] : 1.0f - tw[2]) * row[int(tw[cw])];
        }
      }
    }
    y[i] = acc;
  }
}

/// p[0] x, p[1] y, p[2] the filter table: axis a has P::out(a) *
/// P::taps(a) (index, weight) float pairs from P::toff(a) on, an index of
/// -1 first marking a coordinate outside the input (the output is
/// P::extrapolation). P::in, P::out, P::taps (three each).
template <class P> __device__ void resize_table(const Args &a) {
  const float *__restrict x = a.p[0];
  float *__restrict y = a.p[1];
  const float *__restrict table = a.p[2];
  for (unsigned i = flatIndex(); i < unsigned(P::n);
       i += gridDim.x * blockDim.x) {
    int od, oh, ow;
    int plane = splitOut3<P>(int(i), od, oh, ow);
    const float *td = table + P::toff(0) + 2 * P::taps(0) * od;
    const float *th = table + P::toff(1) + 2 * P::taps(1) * oh;
    const float *tw = table + P::toff(2) + 2 * P::taps(2) * ow;
    if (td[0] < 0 || th[0] < 0 || tw[0] < 0) {
      y[i] = P::extrapolation;
      continue;
    }
    const float *xp = x + plane * (P::in(0) * P::in(1) * P::in(2));
    float acc = 0.0f;
    for (int d = 0; d < P::taps(0); ++d) {
      float wd = td[2 * d + 1];
      if (wd == 0.0f)
        continue;
      for (int h = 0; h < P::taps(1); ++h) {
        float wdh = wd * th[2 * h + 1];
        if (wdh == 0.0f)
          continue;
        const float *row =
            xp + (int(td[2 * d]) * P::in(1) + int(th[2 * h])) * P::in(2);
        for (int w = 0; w < P::taps(2); ++w) {
          float ww = wdh * tw[2 * w + 1];
          if (ww != 0.0f)
            acc += ww * row[int(tw[2 * w])];
        }
      }
    }
    y[i] = acc;
  }
}

} // namespace cnnk
