//===- Resize.cpp - Nearest, (bi/tri)linear and filtered resize -----------===//
//
// Resize over three spatial axes (D, H, W; missing leading axes have
// in = out = 1). Source coordinates are computed in double with exactly the
// arithmetic of ir/ops/ResizeOps.cpp, so nearest picks the same elements
// and linear the same neighbours; the interpolation itself runs in float.
// The W taps of a chunk of output columns are computed once per task and
// reused by all of its rows. resize_table applies the general filters
// (cubic, antialiased linear, tf_crop_and_resize) from a table the
// lowering computes with the interpreter's own function.
//
//===----------------------------------------------------------------------===//
#include "compiler/cpu/kernels/Kernel.h"

using namespace cnnk;

namespace {

/// The two input neighbours of an output coordinate and the weight of the
/// second; nearest uses lo only.
struct Taps {
  int64_t lo;
  int64_t hi;
  float w;
};

/// x / scale, or x * in / out when the sizes were given.
CNNK_INLINE double toInput(const ResizeParams &p, int a, double x) {
  return p.fromSizes[a] ? x * double(p.in[a]) / double(p.out[a])
                        : x / p.scale[a];
}

CNNK_INLINE double sourceCoord(const ResizeParams &p, int a, int64_t x) {
  switch (p.coordMode) {
  case kCoordAlignCorners:
    return p.out[a] == 1
               ? 0.0
               : double(x) * double(p.in[a] - 1) / double(p.out[a] - 1);
  case kCoordAsymmetric:
    return toInput(p, a, double(x));
  case kCoordPytorchHalfPixel:
    if (p.out[a] == 1)
      return 0.0;
    break;
  case kCoordHalfPixelSymmetric: {
    double scale =
        p.fromSizes[a] ? double(p.out[a]) / double(p.in[a]) : p.scale[a];
    double offset = double(p.in[a]) / 2 *
                    (1 - double(p.out[a]) / (scale * double(p.in[a])));
    return offset + toInput(p, a, double(x) + 0.5) - 0.5;
  }
  }
  return toInput(p, a, double(x) + 0.5) - 0.5;
}

CNNK_INLINE double roundNearest(double c, int64_t mode) {
  switch (mode) {
  case kRoundFloor:
    return __builtin_floor(c);
  case kRoundCeil:
    return __builtin_ceil(c);
  case kRoundPreferCeil:
    return __builtin_floor(c + 0.5);
  }
  return __builtin_ceil(c - 0.5); // round_prefer_floor
}

CNNK_INLINE Taps axisTaps(const ResizeParams &p, int a, int64_t o) {
  double c = sourceCoord(p, a, o);
  double last = double(p.in[a] - 1);
  if (!p.linear) {
    double r = roundNearest(c, p.nearestMode);
    int64_t i = int64_t(r < 0 ? 0.0 : (last < r ? last : r));
    return {i, i, 0.0f};
  }
  c = c < 0 ? 0.0 : (last < c ? last : c);
  int64_t lo = int64_t(__builtin_floor(c));
  return {lo, min(lo + 1, p.in[a] - 1), float(c - double(lo))};
}

CNNK_INLINE float lerp(float a, float b, float w) { return a + w * (b - a); }

/// Output columns per chunk: the W taps of a chunk live on the stack.
constexpr int64_t kChunk = 256;

void resize(const ResizeParams &p, void *const *bufs, int64_t begin,
            int64_t end) {
  const float *__restrict x = in(bufs, 0);
  float *__restrict y = out(bufs, 1);
  int64_t rowLo = begin * p.block, rowHi = min(end * p.block, p.rows);
  int64_t planeRows = p.out[0] * p.out[1];
  int64_t inPlane = p.in[0] * p.in[1] * p.in[2];
  Taps tw[kChunk];
  for (int64_t c0 = 0; c0 < p.out[2]; c0 += kChunk) {
    int64_t c1 = min(c0 + kChunk, p.out[2]);
    for (int64_t ow = c0; ow < c1; ++ow)
      tw[ow - c0] = axisTaps(p, 2, ow);
    for (int64_t row = rowLo; row < rowHi; ++row) {
      int64_t plane = row / planeRows;
      Taps td = axisTaps(p, 0, row % planeRows / p.out[1]);
      Taps th = axisTaps(p, 1, row % p.out[1]);
      const float *xp = x + plane * inPlane;
      // The input rows of the (d, h) corners.
      const float *r00 = xp + (td.lo * p.in[1] + th.lo) * p.in[2];
      const float *r01 = xp + (td.lo * p.in[1] + th.hi) * p.in[2];
      const float *r10 = xp + (td.hi * p.in[1] + th.lo) * p.in[2];
      const float *r11 = xp + (td.hi * p.in[1] + th.hi) * p.in[2];
      float *yr = y + row * p.out[2];
      for (int64_t ow = c0; ow < c1; ++ow) {
        const Taps &t = tw[ow - c0];
        if (!p.linear) {
          yr[ow] = r00[t.lo];
          continue;
        }
        float v0 = lerp(lerp(r00[t.lo], r00[t.hi], t.w),
                        lerp(r01[t.lo], r01[t.hi], t.w), th.w);
        float v1 = lerp(lerp(r10[t.lo], r10[t.hi], t.w),
                        lerp(r11[t.lo], r11[t.hi], t.w), th.w);
        yr[ow] = lerp(v0, v1, td.w);
      }
    }
  }
}

/// Output row `row` (plane, od, oh) of a table resize.
void resizeTableRow(const ResizeTableParams &p, const float *__restrict x,
                    const float *__restrict table, float *__restrict y,
                    int64_t row) {
  int64_t planeRows = p.out[0] * p.out[1];
  const float *td =
      table + p.off[0] + 2 * p.taps[0] * (row % planeRows / p.out[1]);
  const float *th = table + p.off[1] + 2 * p.taps[1] * (row % p.out[1]);
  const float *xp = x + row / planeRows * p.in[0] * p.in[1] * p.in[2];
  float *yr = y + row * p.out[2];
  bool outsideDH = td[0] < 0 || th[0] < 0;
  for (int64_t ow = 0; ow < p.out[2]; ++ow) {
    const float *tw = table + p.off[2] + 2 * p.taps[2] * ow;
    if (outsideDH || tw[0] < 0) {
      yr[ow] = float(p.extrapolation);
      continue;
    }
    float acc = 0.0f;
    for (int64_t a = 0; a < p.taps[0]; ++a) {
      float wd = td[2 * a + 1];
      if (wd == 0.0f)
        continue;
      for (int64_t b = 0; b < p.taps[1]; ++b) {
        float wdh = wd * th[2 * b + 1];
        if (wdh == 0.0f)
          continue;
        const float *xr =
            xp + (int64_t(td[2 * a]) * p.in[1] + int64_t(th[2 * b])) * p.in[2];
        for (int64_t c = 0; c < p.taps[2]; ++c) {
          float w = wdh * tw[2 * c + 1];
          if (w != 0.0f)
            acc += w * xr[int64_t(tw[2 * c])];
        }
      }
    }
    yr[ow] = acc;
  }
}

void resizeTable(const ResizeTableParams &p, void *const *bufs, int64_t begin,
                 int64_t end) {
  const float *__restrict x = in(bufs, 0);
  const float *__restrict table = in(bufs, 1);
  float *__restrict y = out(bufs, 2);
  int64_t hi = min(end * p.block, p.rows);
  for (int64_t row = begin * p.block; row < hi; ++row)
    resizeTableRow(p, x, table, y, row);
}

} // namespace

CNNK_KERNEL(resize, ResizeParams, resize)
CNNK_KERNEL(resize_table, ResizeTableParams, resizeTable)
