//===- ImportConv.cpp - ONNX convolutions, pooling and normalisation ------===//
//
// Conv, ConvTranspose, MaxPool, AveragePool, the global pools,
// BatchNormalization, LRN, LayerNormalization and ReduceMean over the
// spatial axes (a global average pool). ONNX's window attributes (pads as
// [begins..., ends...], auto_pad, strides, dilations) are the op table's,
// renamed.
//
//===----------------------------------------------------------------------===//
#include "compiler/onnx/ConstEval.h"

namespace cnnc::onnx {

namespace {

/// auto_pad in the op table's spelling; empty for an unknown value.
std::string autoPad(NodeCtx &c) {
  std::string a = c.attrString("auto_pad", "NOTSET");
  if (a == "NOTSET")
    return "notset";
  if (a == "SAME_UPPER")
    return "same_upper";
  if (a == "SAME_LOWER")
    return "same_lower";
  if (a == "VALID")
    return "valid";
  return "";
}

/// The window attributes shared by convs and pools: strides, dilations
/// (when `dilations`), pads and auto_pad.
std::optional<Attrs> windowAttrs(NodeCtx &c, bool dilations) {
  std::string pad = autoPad(c);
  if (pad.empty()) {
    c.error("auto_pad '{}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, "
            "VALID",
            c.attrString("auto_pad", ""));
    return std::nullopt;
  }
  Attrs as;
  if (c.hasAttr("strides"))
    as.push_back({"stride", c.attrInts("strides")});
  if (dilations && c.hasAttr("dilations"))
    as.push_back({"dilation", c.attrInts("dilations")});
  if (pad == "notset" && c.hasAttr("pads"))
    as.push_back({"pads", c.attrInts("pads")});
  if (pad != "notset")
    as.push_back({"auto_pad", pad});
  return as;
}

bool importConv(NodeCtx &c) {
  std::optional<Attrs> as = windowAttrs(c, true);
  if (!as)
    return false;
  as->push_back({"groups", c.attrInt("group", 1)});
  std::vector<Value *> ins{c.in(0), c.in(1)};
  if (c.hasInput(2))
    ins.push_back(c.in(2));
  return c.emitOut(OpKind::Conv, ins, *as);
}

/// ConvTranspose pads from output_shape or auto_pad: the total padding
/// stride*(in-1) + output_padding + d*(k-1) + 1 - out, split evenly (the
/// odd one at the end for SAME_UPPER and NOTSET, at the start for
/// SAME_LOWER); a negative total becomes output padding.
bool convTransposePads(NodeCtx &c, const Shape &x, const Shape &w,
                       std::vector<int64_t> &pads,
                       std::vector<int64_t> &outPad) {
  size_t r = x.size() - 2;
  std::vector<int64_t> stride = c.attrInts("strides"),
                       dil = c.attrInts("dilations"),
                       outShape = c.attrInts("output_shape");
  std::string pad = autoPad(c);
  if (outShape.empty() && (pad == "notset" || pad == "valid"))
    return true;
  if (!outShape.empty() && outShape.size() != r && outShape.size() != r + 2)
    return c.error("expects output_shape with {} entries, found {}", r,
                   outShape.size());
  pads.assign(2 * r, 0);
  outPad.resize(r, 0);
  for (size_t i = 0; i < r; ++i) {
    int64_t s = stride.empty() ? 1 : stride[i], d = dil.empty() ? 1 : dil[i];
    int64_t op = outPad[i];
    int64_t out =
        outShape.empty() ? x[i + 2] * s : outShape[outShape.size() - r + i];
    int64_t total = s * (x[i + 2] - 1) + op + d * (w[i + 2] - 1) + 1 - out;
    if (total < 0) { // the missing outputs are output padding
      outPad[i] -= total;
      total = 0;
    }
    int64_t small = total / 2;
    pads[i] = pad == "same_lower" ? total - small : small;
    pads[i + r] = total - pads[i];
  }
  return true;
}

bool importConvTranspose(NodeCtx &c) {
  std::optional<Shape> x = c.shapeOf(0), w = c.shapeOf(1);
  if (!x || !w)
    return false;
  if (x->size() < 3 || w->size() != x->size())
    return c.error("expects x [N,C,*S] and w of the same rank, found {} and "
                   "{}",
                   shapeStr(*x), shapeStr(*w));
  if (autoPad(c).empty())
    return c.error("auto_pad '{}' is not supported",
                   c.attrString("auto_pad", ""));
  std::vector<int64_t> pads = c.attrInts("pads");
  std::vector<int64_t> outPad = c.attrInts("output_padding");
  if (!convTransposePads(c, *x, *w, pads, outPad))
    return false;
  Attrs as;
  if (c.hasAttr("strides"))
    as.push_back({"stride", c.attrInts("strides")});
  if (c.hasAttr("dilations"))
    as.push_back({"dilation", c.attrInts("dilations")});
  if (!pads.empty())
    as.push_back({"pads", pads});
  if (!outPad.empty())
    as.push_back({"output_padding", outPad});
  as.push_back({"groups", c.attrInt("group", 1)});
  std::vector<Value *> ins{c.in(0), c.in(1)};
  if (c.hasInput(2))
    ins.push_back(c.in(2));
  return c.emitOut(OpKind::ConvTranspose, ins, as);
}

bool importPool(NodeCtx &c) {
  bool isMax = c.opType() == "MaxPool";
  if (c.numOutputs() > 1 && !c.proto().output(1).empty())
    return c.error("the Indices output is not supported");
  if (c.attrInt("storage_order", 0) != 0)
    return c.error("storage_order=1 is not supported");
  // AveragePool has dilations from version 19.
  std::optional<Attrs> as =
      windowAttrs(c, isMax || opVersion(c.opType(), c.opset()) >= 19);
  if (!as)
    return false;
  std::vector<int64_t> kernel = c.attrInts("kernel_shape");
  // ONNX strides default to 1, the op table's to the kernel.
  if (!c.hasAttr("strides"))
    as->insert(as->begin(), {"stride", std::vector<int64_t>(kernel.size(), 1)});
  as->insert(as->begin(), {"kernel", kernel});
  as->push_back({"ceil_mode", c.attrInt("ceil_mode", 0)});
  if (!isMax)
    as->push_back({"count_include_pad", c.attrInt("count_include_pad", 0)});
  return c.emitOut(isMax ? OpKind::MaxPool : OpKind::AvgPool, {c.in(0)}, *as);
}

bool importGlobalPool(NodeCtx &c) {
  bool isMax = c.opType() == "GlobalMaxPool";
  return c.emitOut(isMax ? OpKind::GlobalMaxPool : OpKind::GlobalAvgPool,
                   {c.in(0)});
}

bool importBatchNorm(NodeCtx &c) {
  if (c.attrInt("training_mode", 0) != 0)
    return c.error("training_mode=1 is not supported (inference only)");
  if (c.opset() < 9 && c.attrInt("spatial", 1) == 0)
    return c.error("spatial=0 is not supported");
  std::vector<Value *> ins;
  for (unsigned i = 0; i < 5; ++i)
    ins.push_back(c.in(i));
  return c.emitOut(OpKind::BatchNorm, ins,
                   attrs({{"epsilon", c.attrFloat("epsilon", 1e-5)}}));
}

bool importLrn(NodeCtx &c) {
  return c.emitOut(OpKind::Lrn, {c.in(0)},
                   attrs({{"size", c.attrInt("size", 1)},
                          {"alpha", c.attrFloat("alpha", 1e-4)},
                          {"beta", c.attrFloat("beta", 0.75)},
                          {"bias", c.attrFloat("bias", 1.0)}}));
}

/// LayerNormalization (opset 17): layer_norm over [axis, rank). Scale and B
/// of the normalised axes' shape go into the op; others (ONNX lets them
/// broadcast to that shape) multiply and add after a layer_norm with unit
/// scale. stash_type names the precision of the statistics: cnnc computes
/// them in f32 whatever it says. The Mean and InvStdDev outputs, when
/// named, are layer_norm's second and third results.
bool importLayerNorm(NodeCtx &c) {
  bool stats = false;
  for (unsigned i = 1; i < c.numOutputs(); ++i)
    stats = stats || !c.proto().output(int(i)).empty();
  std::optional<Shape> s = c.shapeOf(0);
  if (!s)
    return false;
  int64_t r = int64_t(s->size());
  int64_t axis = c.attrInt("axis", -1);
  if (axis < -r || axis >= r)
    return c.error("expects axis in [{}, {}), found {}", -r, r, axis);
  axis = axis < 0 ? axis + r : axis;
  Shape slice(s->begin() + axis, s->end());
  Attrs as = attrs({{"axis", axis}, {"epsilon", c.attrFloat("epsilon", 1e-5)}});
  bool fits = true;
  for (unsigned i = 1; i < 3; ++i) {
    if (!c.hasInput(i))
      continue;
    std::optional<Shape> si = c.shapeOf(i);
    if (!si)
      return false;
    fits = fits && *si == slice;
  }
  std::vector<Value *> ins = {c.in(0)};
  if (fits) {
    ins.push_back(c.in(1));
    if (c.hasInput(2))
      ins.push_back(c.in(2));
  } else {
    ConstData ones = ConstData::floats(
        slice, std::vector<float>(size_t(numElements(slice)), 1.0f));
    ins.push_back(c.importer().makeConst(ones, c.resultName(0, ".ones")));
  }
  std::vector<std::string> names = {fits ? c.resultName(0)
                                         : c.resultName(0, ".normalised")};
  if (stats)
    for (unsigned i = 1; i < 3; ++i)
      names.push_back(i < c.numOutputs() && !c.proto().output(int(i)).empty()
                          ? c.resultName(i)
                          : c.resultName(0, i == 1 ? ".mean" : ".inv_std"));
  std::vector<Value *> rs = c.emitMulti(OpKind::LayerNorm, ins, as, names);
  if (rs.empty())
    return false;
  for (unsigned i = 1; i < rs.size(); ++i)
    c.bind(i, rs[i]);
  if (fits) {
    c.bind(0, rs[0]);
    return true;
  }
  Value *y = rs[0];
  if (!c.hasInput(2))
    return c.emitOut(OpKind::Mul, {y, c.in(1)});
  y = c.emit(OpKind::Mul, {y, c.in(1)}, {}, c.resultName(0, ".scaled"));
  return y && c.emitOut(OpKind::Add, {y, c.in(2)});
}

/// ReduceMean over exactly the spatial axes of x [N,C,*S]: a global average
/// pool, reshaped when keepdims=0.
bool importReduceMean(NodeCtx &c) {
  std::optional<Shape> s = c.shapeOf(0);
  if (!s)
    return false;
  std::vector<int64_t> axes;
  if (c.opset() < 18) {
    axes = c.attrInts("axes");
  } else if (c.hasInput(1)) {
    auto a = c.constInts(1, "axes");
    if (!a)
      return false;
    axes = *a;
  }
  int64_t r = int64_t(s->size());
  std::vector<bool> reduced(size_t(r), axes.empty());
  for (int64_t a : axes) {
    if (a < -r || a >= r)
      return c.error("expects axes in [{}, {}), found {}", -r, r, a);
    reduced[size_t(a < 0 ? a + r : a)] = true;
  }
  bool spatial = r >= 3 && !reduced[0] && !reduced[1];
  for (int64_t k = 2; k < r; ++k)
    spatial &= reduced[size_t(k)];
  if (!spatial)
    return c.error("reduces axes other than exactly the spatial ones of x "
                   "{}; only ReduceMean over all spatial axes is supported",
                   shapeStr(*s));
  bool keep = c.attrInt("keepdims", 1) != 0;
  if (keep)
    return c.emitOut(OpKind::GlobalAvgPool, {c.in(0)});
  Value *p =
      c.emit(OpKind::GlobalAvgPool, {c.in(0)}, {}, c.resultName(0, ".pool"));
  return c.emitOut(OpKind::Reshape, {p},
                   attrs({{"shape", std::vector<int64_t>{(*s)[0], (*s)[1]}}}));
}

bool importDepthToSpace(NodeCtx &c) {
  std::string mode = c.attrString("mode", "DCR");
  if (mode != "DCR" && mode != "CRD")
    return c.error("mode '{}' is not DCR or CRD", mode);
  return c.emitOut(
      OpKind::DepthToSpace, {c.in(0)},
      attrs({{"blocksize", c.attrInt("blocksize", 1)},
             {"mode", std::string(mode == "DCR" ? "dcr" : "crd")}}));
}

} // namespace

void registerConvOps(std::unordered_map<std::string, OpHandler> &t) {
  t["Conv"] = importConv;
  t["ConvTranspose"] = importConvTranspose;
  t["MaxPool"] = importPool;
  t["AveragePool"] = importPool;
  t["GlobalAveragePool"] = importGlobalPool;
  t["GlobalMaxPool"] = importGlobalPool;
  t["BatchNormalization"] = importBatchNorm;
  t["LRN"] = importLrn;
  t["LayerNormalization"] = importLayerNorm;
  t["ReduceMean"] = importReduceMean;
  t["DepthToSpace"] = importDepthToSpace;
  registerResizeOps(t);
}

} // namespace cnnc::onnx
