//===- LowerCommon.cpp - Lowering logic both backends share ---------------===//
//
// The batch_norm folding, the strided copies of the data-movement ops and
// the conv windows that the CPU and CUDA lowerings share (see
// LowerCommon.h).
//
//===----------------------------------------------------------------------===//
#include "compiler/LowerCommon.h"
#include "ir/Epilogue.h"
#include "ir/ops/SlidingWindow.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace cnnc {

//===--- Shapes and strided spaces -----------------------------------------===//

int64_t product(const Shape &s, size_t lo, size_t hi) {
  int64_t p = 1;
  for (size_t i = lo; i < hi && i < s.size(); ++i)
    p *= s[i];
  return p;
}

StridedSpace simplifySpace(const Shape &shape, const std::vector<int64_t> &s0,
                           const std::vector<int64_t> &s1) {
  StridedSpace s;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1)
      continue;
    // Axis i continues the previous (outer) axis when, for both lists, one
    // step there is a whole run of axis i.
    if (!s.shape.empty() && s.strides[0].back() == s0[i] * shape[i] &&
        s.strides[1].back() == s1[i] * shape[i]) {
      s.shape.back() *= shape[i];
      s.strides[0].back() = s0[i];
      s.strides[1].back() = s1[i];
      continue;
    }
    s.shape.push_back(shape[i]);
    s.strides[0].push_back(s0[i]);
    s.strides[1].push_back(s1[i]);
  }
  if (s.shape.empty()) {
    s.shape.push_back(1);
    s.strides[0].push_back(0);
    s.strides[1].push_back(0);
  }
  return s;
}

std::vector<int64_t> blockedViewStrides(const TensorType &t, int64_t block) {
  const Shape &s = t.shape;
  int64_t spatial = product(s, 2, s.size()), c = s[1];
  std::vector<int64_t> st = {c * spatial, block * spatial};
  if (t.blocked()) {
    st.push_back(1);
    std::vector<int64_t> inner = stridesOf(Shape(s.begin() + 2, s.end()));
    for (int64_t v : inner)
      st.push_back(v * block);
  } else {
    st.push_back(spatial);
    for (int64_t v : stridesOf(Shape(s.begin() + 2, s.end())))
      st.push_back(v);
  }
  return st;
}

//===--- Activations and epilogues ----------------------------------------===//

namespace {

/// Activations without attributes, by op.
struct PlainActivation {
  OpKind op;
  ActKind kind;
};
constexpr PlainActivation kPlainActivations[] = {
    {OpKind::Relu, kActRelu},           {OpKind::Sigmoid, kActSigmoid},
    {OpKind::Tanh, kActTanh},           {OpKind::Softplus, kActSoftplus},
    {OpKind::Softsign, kActSoftsign},   {OpKind::Silu, kActSilu},
    {OpKind::Mish, kActMish},           {OpKind::HardSwish, kActHardSwish},
    {OpKind::Step, kActStep},           {OpKind::LogSigmoid, kActLogSigmoid},
    {OpKind::Erf, kActErf},
};

} // namespace

bool activationOf(const Node &n, Activation &act) {
  act = Activation{};
  for (const PlainActivation &a : kPlainActivations)
    if (n.kind() == a.op) {
      act.kind = a.kind;
      return true;
    }
  switch (n.kind()) {
  case OpKind::LeakyRelu:
    act.kind = kActLeakyRelu;
    act.alpha = n.getFloat("alpha");
    return true;
  case OpKind::Elu:
    act.kind = kActElu;
    act.alpha = n.getFloat("alpha");
    return true;
  case OpKind::Selu:
    act.kind = kActSelu;
    act.alpha = n.getFloat("alpha");
    act.gamma = n.getFloat("gamma");
    return true;
  case OpKind::HardSigmoid:
    act.kind = kActHardSigmoid;
    act.alpha = n.getFloat("alpha");
    act.beta = n.getFloat("beta");
    return true;
  case OpKind::Clip:
    act.kind = kActClip;
    act.alpha = n.getFloat("min");
    act.beta = n.getFloat("max");
    return true;
  case OpKind::Gelu:
    act.kind = n.getEnum("approximate") == "tanh" ? kActGeluTanh : kActGelu;
    return true;
  default:
    return false;
  }
}

FusedEpilogue fusedEpilogue(const Node &n) {
  FusedEpilogue f;
  Epilogue e = epilogueOf(n);
  if (e.act)
    activationOf(*e.act->node, f.act);
  f.hasResidual = e.res != nullptr;
  if (e.resAct)
    activationOf(*e.resAct->node, f.resAct);
  return f;
}

const Value *residualOf(const Node &n) { return epilogueOf(n).res; }

std::string kernelLabel(const Node *node) {
  if (!node)
    return "output";
  std::string label = node->name();
  if (!label.empty() && label[0] == '%')
    label.erase(0, 1);
  for (const Node::Origin &o : node->origins())
    label += "+" + o.op;
  if (!node->origins().empty())
    return label;
  // Written fused (no rewrite recorded origins): name the epilogue's ops.
  Epilogue e = epilogueOf(*node);
  if (e.act)
    label += "+" + std::string(e.act->node->info().name);
  if (e.res)
    label += "+add";
  if (e.resAct)
    label += "+" + std::string(e.resAct->node->info().name);
  return label;
}

//===--- Windows ------------------------------------------------------------===//

ConvGeometry convGeometry(const std::vector<WindowAxis> &axes,
                          int64_t padMode) {
  ConvGeometry g{};
  setWindow3(axes, g);
  g.padMode = padMode;
  g.inSize = g.in[0] * g.in[1] * g.in[2];
  g.outSize = g.out[0] * g.out[1] * g.out[2];
  g.kSize = g.kernel[0] * g.kernel[1] * g.kernel[2];
  return g;
}

std::vector<WindowAxis> poolWindow(const Node &n) {
  const Shape &xs = n.operand(0)->type().shape;
  Shape spatial(xs.begin() + 2, xs.end());
  std::vector<WindowAxis> axes;
  std::string error;
  [[maybe_unused]] bool ok = resolveWindow(n, spatial, n.getInts("kernel"),
                                           poolWindowOptions(n), axes, error);
  assert(ok && "window of a shape-inferred pool does not resolve");
  return axes;
}

namespace {

/// The k and s of batch_norm `n` as weights when all four statistics
/// operands are constants; false otherwise (or after an error).
bool foldBatchNorm(const Node &n, BufferCtx &ctx, Buffer &k, Buffer &s) {
  const Tensor *scale = ctx.constant(n.operand(1));
  const Tensor *bias = ctx.constant(n.operand(2));
  const Tensor *mean = ctx.constant(n.operand(3));
  const Tensor *var = ctx.constant(n.operand(4));
  if (!scale || !bias || !mean || !var)
    return false;
  double epsilon = n.getFloat("epsilon");
  std::vector<float> kc, sc;
  for (size_t c = 0; c < scale->data.size(); ++c) {
    double kk =
        double(scale->data[c]) / std::sqrt(double(var->data[c]) + epsilon);
    kc.push_back(float(kk));
    sc.push_back(float(double(bias->data[c]) - double(mean->data[c]) * kk));
  }
  k = ctx.addWeights(kc);
  s = ctx.addWeights(sc);
  return true;
}

} // namespace

std::optional<BatchNormAffine> batchNormAffine(const Node &n, BufferCtx &ctx) {
  BatchNormAffine a;
  if (foldBatchNorm(n, ctx, a.k, a.s))
    return a;
  if (ctx.hadError())
    return std::nullopt;
  int64_t channels = n.operand(0)->type().shape[1];
  a.k = ctx.scratch(channels * int64_t(sizeof(float)));
  a.s = ctx.scratch(channels * int64_t(sizeof(float)));
  for (unsigned i = 1; i < 5; ++i)
    a.fold.push_back(ctx.buffer(n.operand(i)));
  a.fold.push_back(a.k);
  a.fold.push_back(a.s);
  return a;
}

namespace {

/// The axis attribute `name` of `n`, a negative one counted from the end of
/// `rank` axes.
size_t axisAttr(const Node &n, std::string_view name, size_t rank) {
  int64_t axis = n.getInt(name);
  return size_t(axis < 0 ? axis + int64_t(rank) : axis);
}

/// A copy of x = operand 0 to y = result 0 over y's shape, y written in its
/// order.
StridedCopy copyIntoY(const Node &n) {
  StridedCopy c;
  c.x = n.operand(0);
  c.y = n.result();
  c.shape = c.y->type().shape;
  c.outStride = stridesOf(c.shape);
  return c;
}

std::vector<StridedCopy> transposeCopies(const Node &n) {
  const Shape &xs = n.operand(0)->type().shape;
  std::vector<int64_t> perm = transposePerm(n, int64_t(xs.size()));
  std::vector<int64_t> xStride = stridesOf(xs);
  StridedCopy c = copyIntoY(n);
  for (int64_t a : perm)
    c.inStride.push_back(xStride[size_t(a)]);
  return {c};
}

/// concat (one copy per operand, into its slab of y along the axis) or
/// split (one per result, from its slab of x along the axis).
std::vector<StridedCopy> slabCopies(const Node &n) {
  bool concat = n.kind() == OpKind::Concat;
  const Value *whole = concat ? n.result() : n.operand(0);
  const std::vector<Value *> &parts = concat ? n.operands() : n.results();
  const Shape &ws = whole->type().shape;
  size_t axis = axisAttr(n, "axis", ws.size());
  std::vector<int64_t> wholeStride = stridesOf(ws);
  std::vector<StridedCopy> copies;
  int64_t offset = 0;
  for (const Value *part : parts) {
    StridedCopy c;
    c.x = concat ? part : whole;
    c.y = concat ? whole : part;
    c.shape = part->type().shape;
    std::vector<int64_t> partStride = stridesOf(c.shape);
    c.inStride = concat ? partStride : wholeStride;
    c.outStride = concat ? wholeStride : partStride;
    (concat ? c.outOffset : c.inOffset) = offset * wholeStride[axis];
    offset += c.shape[axis];
    copies.push_back(std::move(c));
  }
  return copies;
}

std::vector<StridedCopy> sliceCopies(const Node &n) {
  // An empty result has nothing to copy (and its start may lie past x).
  if (numElements(n.result()->type().shape) == 0)
    return {};
  const Shape &xs = n.operand(0)->type().shape;
  std::vector<SliceAxis> axes;
  std::string error;
  [[maybe_unused]] bool ok = resolveSlice(n, xs, axes, error);
  assert(ok && "slice not checked by shape inference");
  std::vector<int64_t> xStride = stridesOf(xs);
  StridedCopy c = copyIntoY(n);
  c.inStride = xStride;
  for (size_t a = 0; a < axes.size(); ++a) {
    c.inOffset += axes[a].start * xStride[a];
    c.inStride[a] = axes[a].step * xStride[a];
  }
  return {c};
}

std::vector<StridedCopy> depthToSpaceCopies(const Node &n) {
  StridedCopy c = copyIntoY(n);
  const Shape &xs = c.x->type().shape;
  int64_t b = n.getInt("blocksize");
  int64_t ch = xs[1] / (b * b), h = xs[2], w = xs[3], hw = h * w;
  c.shape = {xs[0], ch, h, b, w, b};
  c.outStride = stridesOf(c.shape);
  c.inStride =
      n.getEnum("mode") == "dcr"
          ? std::vector<int64_t>{xs[1] * hw, hw, w, b * ch * hw, 1, ch * hw}
          : std::vector<int64_t>{xs[1] * hw, b * b * hw, w, b * hw, 1, hw};
  return {c};
}

} // namespace

std::vector<StridedCopy> stridedCopies(const Node &n) {
  OpKind k = n.kind();
  if (k == OpKind::Transpose)
    return transposeCopies(n);
  if (k == OpKind::Concat || k == OpKind::Split)
    return slabCopies(n);
  if (k == OpKind::Slice)
    return sliceCopies(n);
  if (k == OpKind::DepthToSpace)
    return depthToSpaceCopies(n);
  assert(false && "stridedCopies of an op that is no strided copy");
  return {};
}

GemmDims gemmDims(const Node &n) {
  GemmDims g;
  g.transA = n.getInt("trans_a") != 0;
  g.transB = n.getInt("trans_b") != 0;
  const Shape &ys = n.result()->type().shape;
  g.m = ys[0];
  g.n = ys[1];
  g.k = n.operand(0)->type().shape[g.transA ? 0 : 1];
  return g;
}

int64_t convPadMode(const Node &n) {
  const std::string &m = n.getEnum("padding_mode");
  if (m == "reflect")
    return kConvPadReflect;
  if (m == "replicate")
    return kConvPadReplicate;
  if (m == "circular")
    return kConvPadCircular;
  return kConvPadZeros;
}

ConvGeometry convGeometry(const Node &n) {
  const Shape &xs = n.operand(0)->type().shape;
  const Shape &ws = n.operand(1)->type().shape;
  return convGeometry(
      kernelWindow(n, spatialDims(xs), spatialDims(ws), WindowOptions{}),
      convPadMode(n));
}

std::optional<std::vector<WindowAxis>> convTransposeWindow(const Node &n,
                                                           DiagEngine &diag) {
  Shape is = spatialDims(n.operand(0)->type().shape);
  Shape ks = spatialDims(n.operand(1)->type().shape);
  Shape os = spatialDims(n.result()->type().shape);
  size_t r = is.size();
  std::vector<int64_t> stride, dilation, pads;
  std::string error;
  if (!readWindowList(n, "stride", r, r, 1, Shape(r, 1), stride, error) ||
      !readWindowList(n, "dilation", r, r, 1, Shape(r, 1), dilation, error) ||
      !readWindowList(n, "pads", 2 * r, r, 0, Shape(2 * r, 0), pads, error)) {
    diag.error(n.loc(), "{}", error);
    return std::nullopt;
  }
  std::vector<WindowAxis> axes(r);
  for (size_t i = 0; i < r; ++i) {
    axes[i].in = is[i];
    axes[i].out = os[i];
    axes[i].kernel = ks[i];
    axes[i].stride = stride[i];
    axes[i].dilation = dilation[i];
    axes[i].padBegin = pads[i];
  }
  return axes;
}

std::vector<WindowAxis> convVariantWindow(const Node &n) {
  const Shape &xs = n.operand(0)->type().shape;
  const Shape &ws =
      n.operand(n.kind() == OpKind::DeformConv ? 2 : 1)->type().shape;
  WindowOptions opts;
  opts.hasAutoPad = false;
  return kernelWindow(n, spatialDims(xs), spatialDims(ws, ws.size() - 2), opts);
}

std::vector<ResizeAxis> resizeAxes3(const Node &n) {
  const Shape &xs = n.operand(0)->type().shape;
  const Shape &ys = n.result()->type().shape;
  const std::vector<double> &scales = n.getFloats("scales");
  size_t lead = 3 - (xs.size() - 2);
  std::vector<ResizeAxis> axes(3, ResizeAxis{1, 1, 1, true});
  for (size_t i = lead; i < 3; ++i) {
    size_t axis = i - lead + 2;
    ResizeAxis &a = axes[i];
    a.in = xs[axis];
    a.out = ys[axis];
    a.fromSizes = scales.empty();
    if (!scales.empty())
      a.scale = scales[axis - 2];
  }
  return axes;
}

ResizeTable resizeTable(const Node &n, const std::vector<ResizeAxis> &axes) {
  ResizeTable t;
  size_t lead = size_t(5 - n.operand(0)->type().rank());
  for (size_t i = 0; i < 3; ++i) {
    t.offsets.push_back(int64_t(t.data.size()));
    if (i < lead) {
      t.taps.push_back(1);
      t.data.insert(t.data.end(), {0.0f, 1.0f});
      continue;
    }
    ResizeFilter f = resizeAxisFilter(n, axes[i], i - lead);
    t.taps.push_back(f.taps);
    for (int64_t o = 0; o < axes[i].out; ++o)
      for (int64_t j = 0; j < f.taps; ++j) {
        size_t k = size_t(o * f.taps + j);
        t.data.push_back(f.outside[size_t(o)] && j == 0 ? -1.0f
                                                        : float(f.index[k]));
        t.data.push_back(float(f.weight[k]));
      }
  }
  return t;
}

} // namespace cnnc
