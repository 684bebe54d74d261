//===- ImportResize.cpp - ONNX Resize and Upsample ------------------------===//
//
// Resize (opsets 10 to 19) and Upsample (7, 9) map onto resize when they
// scale only the spatial axes of x [N,C,*S]: modes nearest, linear and
// cubic (cubic_coeff_a, exclude_outside, antialias), the coordinate
// transformations and nearest modes of the op table, tf_crop_and_resize
// with a constant roi (over the spatial axes: N and C must span [0, 1])
// and extrapolation_value. Opset 10's
// Resize and Upsample behave as {asymmetric, floor}, as ONNX Runtime does.
// Resize-18's `axes` spread its scales or sizes over x's axes, and its
// keep_aspect_ratio_policy becomes one scale for the resized axes with
// rounded sizes (resize with both scales and sizes).
//
//===----------------------------------------------------------------------===//
#include "compiler/onnx/ConstEval.h"

namespace cnnc::onnx {

namespace {

/// The scales or sizes input/attribute of a Resize/Upsample node.
struct ResizeParams {
  std::vector<double> scales;
  std::vector<int64_t> sizes;
};

std::optional<ResizeParams> readParams(NodeCtx &c) {
  ResizeParams p;
  bool upsample = c.opType() == "Upsample";
  if (upsample && c.opset() < 9) {
    p.scales = c.attrFloats("scales");
    return p;
  }
  if (upsample || c.opset() < 11) {
    auto s = c.constFloats(1, "scales");
    if (!s)
      return std::nullopt;
    p.scales = *s;
    return p;
  }
  if (c.hasInput(2)) {
    ConstRef k = c.constIn(2);
    if (!k) {
      c.error("expects its scales (input 2) to be a constant");
      return std::nullopt;
    }
    if (k->size() > 0) {
      p.scales = *c.constFloats(2, "scales");
      return p;
    }
  }
  if (!c.hasInput(3)) {
    c.error("expects scales or sizes");
    return std::nullopt;
  }
  auto s = c.constInts(3, "sizes");
  if (!s)
    return std::nullopt;
  p.sizes = *s;
  return p;
}

/// Resize-18's `axes`: the scales or sizes given for those axes only,
/// spread over every axis of x (1, or x's size, elsewhere). `axes` becomes
/// the axes resized: those named, else all of x's.
bool spreadOverAxes(NodeCtx &c, const Shape &x, ResizeParams &p,
                    std::vector<int64_t> &axes) {
  int64_t r = int64_t(x.size());
  axes.clear();
  if (!c.hasAttr("axes")) {
    for (int64_t a = 0; a < r; ++a)
      axes.push_back(a);
    return true;
  }
  axes = c.attrInts("axes");
  std::vector<bool> seen(size_t(r), false);
  for (int64_t &a : axes) {
    if (a < -r || a >= r)
      return c.error("expects axes in [{}, {}), found {}", -r, r, a);
    a = a < 0 ? a + r : a;
    if (seen[size_t(a)])
      return c.error("names axis {} twice in axes", a);
    seen[size_t(a)] = true;
  }
  size_t n = p.scales.empty() ? p.sizes.size() : p.scales.size();
  if (n != axes.size())
    return c.error("expects one {} per entry of axes ({}), found {}",
                   p.scales.empty() ? "size" : "scale", axes.size(), n);
  if (!p.scales.empty()) {
    std::vector<double> full(size_t(r), 1.0);
    for (size_t i = 0; i < axes.size(); ++i)
      full[size_t(axes[i])] = p.scales[i];
    p.scales = full;
  } else {
    std::vector<int64_t> full(x.begin(), x.end());
    for (size_t i = 0; i < axes.size(); ++i)
      full[size_t(axes[i])] = p.sizes[i];
    p.sizes = full;
  }
  return true;
}

/// keep_aspect_ratio_policy (with sizes): one scale for the resized axes,
/// the smallest (not_larger) or largest (not_smaller) of sizes / x, and
/// output sizes round(scale * x) there; the result keeps both (the op
/// table's resize then takes the size from `sizes`, coordinates from
/// `scales`).
bool keepAspectRatio(NodeCtx &c, const Shape &x, ResizeParams &p,
                     const std::vector<int64_t> &axes) {
  std::string policy = c.attrString("keep_aspect_ratio_policy", "stretch");
  if (policy == "stretch")
    return true;
  if (policy != "not_larger" && policy != "not_smaller")
    return c.error("keep_aspect_ratio_policy '{}' is not supported (stretch, "
                   "not_larger, not_smaller)",
                   policy);
  if (p.sizes.empty())
    return true; // ONNX applies it to sizes only
  double scale = 0;
  for (size_t k = 0; k < axes.size(); ++k) {
    size_t a = size_t(axes[k]);
    double s = double(p.sizes[a]) / double(x[a]);
    scale = k == 0                   ? s
            : policy == "not_larger" ? std::min(scale, s)
                                     : std::max(scale, s);
  }
  p.scales.assign(x.size(), 1.0);
  for (int64_t a : axes) {
    p.scales[size_t(a)] = scale;
    p.sizes[size_t(a)] = int64_t(scale * double(x[size_t(a)]) + 0.5);
  }
  return true;
}

/// tf_crop_and_resize's roi (input 1) over the spatial axes of x, as
/// [starts..., ends...]; Resize-18's `axes` name the axes its entries
/// cover (the others span [0, 1]). False after reporting.
bool readRoi(NodeCtx &c, const Shape &x, const std::vector<int64_t> &axes,
             std::vector<double> &roi) {
  if (!c.hasInput(1))
    return c.error("tf_crop_and_resize expects a roi (input 1)");
  auto given = c.constFloats(1, "roi");
  if (!given)
    return false;
  size_t r = x.size(), n = axes.size();
  if (given->size() != 2 * n)
    return c.error("expects a roi of {} values (starts and ends of {} "
                   "axes), found {}",
                   2 * n, n, given->size());
  std::vector<double> start(r, 0.0), end(r, 1.0);
  for (size_t i = 0; i < n; ++i) {
    start[size_t(axes[i])] = (*given)[i];
    end[size_t(axes[i])] = (*given)[n + i];
  }
  for (size_t k = 0; k < 2; ++k)
    if (start[k] != 0 || end[k] != 1)
      return c.error("crops axis {} of x {} (roi {}, {}); only spatial axes "
                     "may be cropped",
                     k, shapeStr(x), start[k], end[k]);
  roi.assign(start.begin() + 2, start.end());
  roi.insert(roi.end(), end.begin() + 2, end.end());
  return true;
}

/// Keeps the spatial entries of `p`; false after reporting when N or C is
/// scaled.
bool spatialOnly(NodeCtx &c, const Shape &x, ResizeParams &p) {
  if (!p.scales.empty() && p.scales.size() != x.size())
    return c.error("expects one scale per axis of x {}, found {}", shapeStr(x),
                   p.scales.size());
  if (!p.sizes.empty() && p.sizes.size() != x.size())
    return c.error("expects one size per axis of x {}, found {}", shapeStr(x),
                   p.sizes.size());
  for (size_t k = 0; k < 2; ++k) {
    bool same = (p.sizes.empty() || p.sizes[k] == x[k]) &&
                (p.scales.empty() || p.scales[k] == 1.0);
    if (!same)
      return c.error("resizes axis {} of x {}; only spatial axes (2 and up) "
                     "may be resized",
                     k, shapeStr(x));
  }
  if (!p.scales.empty())
    p.scales.erase(p.scales.begin(), p.scales.begin() + 2);
  if (!p.sizes.empty())
    p.sizes.erase(p.sizes.begin(), p.sizes.begin() + 2);
  return true;
}

bool importResize(NodeCtx &c) {
  std::optional<Shape> x = c.shapeOf(0);
  if (!x)
    return false;
  if (x->size() < 3)
    return c.error("expects x of rank 3 or more ([N,C,*S]), found {}",
                   shapeStr(*x));
  std::string mode = c.attrString("mode", "nearest");
  if (mode == "bilinear" || mode == "trilinear")
    mode = "linear";
  if (mode != "nearest" && mode != "linear" && mode != "cubic")
    return c.error("mode '{}' is not supported (nearest, linear, cubic)", mode);
  bool legacy = c.opType() == "Upsample" || c.opset() < 11;
  std::string coord =
      legacy ? "asymmetric"
             : c.attrString("coordinate_transformation_mode", "half_pixel");
  std::string nearest =
      legacy ? "floor" : c.attrString("nearest_mode", "round_prefer_floor");
  if (coord != "half_pixel" && coord != "asymmetric" &&
      coord != "align_corners" && coord != "pytorch_half_pixel" &&
      coord != "half_pixel_symmetric" && coord != "tf_crop_and_resize")
    return c.error("coordinate_transformation_mode '{}' is not supported",
                   coord);
  std::optional<ResizeParams> p = readParams(c);
  std::vector<int64_t> axes;
  if (!p || !spreadOverAxes(c, *x, *p, axes) ||
      !keepAspectRatio(c, *x, *p, axes) || !spatialOnly(c, *x, *p))
    return false;
  std::vector<double> roi;
  if (coord == "tf_crop_and_resize" && !readRoi(c, *x, axes, roi))
    return false;
  Attrs as;
  if (!p->scales.empty())
    as.push_back({"scales", p->scales});
  if (!p->sizes.empty())
    as.push_back({"sizes", p->sizes});
  as.push_back({"mode", mode});
  as.push_back({"coordinate_transformation_mode", coord});
  as.push_back({"nearest_mode", nearest});
  // The filter attributes where they differ from the op table's defaults.
  if (!legacy) {
    if (double a = c.attrFloat("cubic_coeff_a", -0.75); a != -0.75)
      as.push_back({"cubic_coeff_a", a});
    for (const char *flag : {"exclude_outside", "antialias"})
      if (int64_t v = c.attrInt(flag, 0); v != 0)
        as.push_back({flag, v});
  }
  if (!roi.empty()) {
    as.push_back({"roi", roi});
    as.push_back(
        {"extrapolation_value", c.attrFloat("extrapolation_value", 0.0)});
  }
  return c.emitOut(OpKind::Resize, {c.in(0)}, as);
}

} // namespace

void registerResizeOps(std::unordered_map<std::string, OpHandler> &t) {
  t["Resize"] = importResize;
  t["Upsample"] = importResize;
}

} // namespace cnnc::onnx
