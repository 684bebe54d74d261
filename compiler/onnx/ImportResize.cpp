//===- ImportResize.cpp - ONNX Resize and Upsample ------------------------===//
//
// Resize (opsets 10 to 18) and Upsample (7, 9) map onto resize when they
// scale only the spatial axes of x [N,C,*S]: modes nearest and linear, the
// coordinate transformations and nearest modes of the op table. Opset 10's
// Resize and Upsample behave as {asymmetric, floor}, as ONNX Runtime does.
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

/// Keeps the spatial entries of `p`; false after reporting when N or C is
/// scaled.
bool spatialOnly(NodeCtx &c, const Shape &x, ResizeParams &p) {
  size_t n = p.scales.empty() ? p.sizes.size() : p.scales.size();
  if (n != x.size())
    return c.error("expects one scale or size per axis of x {}, found {}",
                   shapeStr(x), n);
  for (size_t k = 0; k < 2; ++k) {
    bool same = p.scales.empty() ? p.sizes[k] == x[k] : p.scales[k] == 1.0;
    if (!same)
      return c.error("resizes axis {} of x {}; only spatial axes (2 and up) "
                     "may be resized",
                     k, shapeStr(x));
  }
  if (!p.scales.empty())
    p.scales.erase(p.scales.begin(), p.scales.begin() + 2);
  else
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
  if (mode != "nearest" && mode != "linear")
    return c.error("mode '{}' is not supported (nearest, linear)", mode);
  bool legacy = c.opType() == "Upsample" || c.opset() < 11;
  std::string coord =
      legacy ? "asymmetric"
             : c.attrString("coordinate_transformation_mode", "half_pixel");
  std::string nearest =
      legacy ? "floor" : c.attrString("nearest_mode", "round_prefer_floor");
  if (coord != "half_pixel" && coord != "asymmetric" &&
      coord != "align_corners" && coord != "pytorch_half_pixel")
    return c.error("coordinate_transformation_mode '{}' is not supported",
                   coord);
  if (c.attrInt("antialias", 0) != 0 || c.attrInt("exclude_outside", 0) != 0)
    return c.error("antialias and exclude_outside are not supported");
  if (c.attrString("keep_aspect_ratio_policy", "stretch") != "stretch")
    return c.error("keep_aspect_ratio_policy '{}' is not supported",
                   c.attrString("keep_aspect_ratio_policy", ""));
  if (c.hasAttr("axes"))
    return c.error("the axes attribute is not supported");
  std::optional<ResizeParams> p = readParams(c);
  if (!p || !spatialOnly(c, *x, *p))
    return false;
  Attrs as;
  if (!p->scales.empty())
    as.push_back({"scales", p->scales});
  else
    as.push_back({"sizes", p->sizes});
  as.push_back({"mode", mode});
  as.push_back({"coordinate_transformation_mode", coord});
  as.push_back({"nearest_mode", nearest});
  return c.emitOut(OpKind::Resize, {c.in(0)}, as);
}

} // namespace

void registerResizeOps(std::unordered_map<std::string, OpHandler> &t) {
  t["Resize"] = importResize;
  t["Upsample"] = importResize;
}

} // namespace cnnc::onnx
