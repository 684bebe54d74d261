//===- NodeSupport.cpp - Which ONNX node tests apply to cnnc --------------===//
#include "tests/onnx/NodeSupport.h"

#include "compiler/onnx/Importer.h"

#include "tests/onnx/TensorProtos.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

using namespace cnnc;
using namespace cnnc::nodetest;
using TP = ::onnx::TensorProto;

namespace {

/// How the importer handles an ONNX op type.
enum class Support {
  Mapped, ///< onto ops of the op table, on run-time tensors
  Folded, ///< evaluated at import: its inputs must be constants
};

struct OpSupport {
  const char *type;
  Support support;
};

/// Issue 5's list: the ONNX ops that map onto the op table, then the
/// shape-computation ops exporters emit, which the importer evaluates at
/// import (compiler/onnx/ImportConst.cpp) and rejects on run-time tensors.
constexpr OpSupport kOps[] = {
    {"Conv", Support::Mapped},
    {"ConvTranspose", Support::Mapped},
    {"MaxPool", Support::Mapped},
    {"AveragePool", Support::Mapped},
    {"GlobalAveragePool", Support::Mapped},
    {"GlobalMaxPool", Support::Mapped},
    {"BatchNormalization", Support::Mapped},
    {"LRN", Support::Mapped},
    {"Relu", Support::Mapped},
    {"LeakyRelu", Support::Mapped},
    {"PRelu", Support::Mapped},
    {"Elu", Support::Mapped},
    {"Selu", Support::Mapped},
    {"Sigmoid", Support::Mapped},
    {"HardSigmoid", Support::Mapped},
    {"HardSwish", Support::Mapped},
    {"Tanh", Support::Mapped},
    {"Softplus", Support::Mapped},
    {"Softsign", Support::Mapped},
    {"Mish", Support::Mapped},
    {"Erf", Support::Mapped},
    {"LayerNormalization", Support::Mapped},
    {"Gelu", Support::Mapped},
    {"Clip", Support::Mapped},
    {"Gemm", Support::Mapped},
    {"MatMul", Support::Mapped},
    {"Flatten", Support::Mapped},
    {"Reshape", Support::Mapped},
    {"Transpose", Support::Mapped},
    {"Concat", Support::Mapped},
    {"Split", Support::Mapped},
    {"Slice", Support::Mapped},
    {"Pad", Support::Mapped},
    {"Add", Support::Mapped},
    {"Sub", Support::Mapped},
    {"Mul", Support::Mapped},
    {"Div", Support::Mapped},
    {"Softmax", Support::Mapped},
    {"LogSoftmax", Support::Mapped},
    {"Dropout", Support::Mapped},
    {"Identity", Support::Mapped},
    {"Resize", Support::Mapped},
    {"Upsample", Support::Mapped},
    {"DepthToSpace", Support::Mapped},
    {"ReduceMean", Support::Mapped},
    {"Squeeze", Support::Mapped},
    {"Unsqueeze", Support::Mapped},
    {"Sum", Support::Mapped},
    {"Cast", Support::Mapped}, // between float types; others are left out
    {"Constant", Support::Folded},
    {"Shape", Support::Folded},
    {"Size", Support::Folded},
    {"ConstantOfShape", Support::Folded},
    {"Range", Support::Folded},
    {"Gather", Support::Folded},
    {"Expand", Support::Folded},
    {"Equal", Support::Folded},
    {"Less", Support::Folded},
    {"Greater", Support::Folded},
    {"LessOrEqual", Support::Folded},
    {"GreaterOrEqual", Support::Folded},
    {"And", Support::Folded},
    {"Or", Support::Folded},
    {"Not", Support::Folded},
    {"Where", Support::Folded},
    {"Neg", Support::Folded},
    {"Abs", Support::Folded},
    {"Floor", Support::Folded},
    {"Ceil", Support::Folded},
    {"Round", Support::Folded},
    {"Sqrt", Support::Folded},
    {"Reciprocal", Support::Folded},
    {"Exp", Support::Folded},
    {"Log", Support::Folded},
    {"Pow", Support::Folded},
    {"Min", Support::Folded},
    {"Max", Support::Folded},
    {"Mod", Support::Folded},
};

const OpSupport *findOp(const ::onnx::NodeProto &n) {
  if (!n.domain().empty() && n.domain() != "ai.onnx")
    return nullptr;
  for (const OpSupport &op : kOps)
    if (n.op_type() == op.type)
      return &op;
  return nullptr;
}

std::string typeName(const ::onnx::NodeProto &n) {
  return n.domain().empty() ? n.op_type() : n.domain() + "." + n.op_type();
}

/// Facts about the model that the rules look up.
struct ModelView {
  const ::onnx::ModelProto &model;
  const FedInputs &fed;
  std::map<std::string, const TP *> consts; // initializers, Constant
  std::map<std::string, int64_t> ranks;     // where declared
};

ModelView viewOf(const ::onnx::ModelProto &m, const FedInputs &fed) {
  ModelView v{m, fed, {}, {}};
  const ::onnx::GraphProto &g = m.graph();
  for (const TP &t : g.initializer())
    v.consts[t.name()] = &t;
  for (const ::onnx::NodeProto &n : g.node())
    if (n.op_type() == "Constant" && n.output_size() == 1)
      for (const ::onnx::AttributeProto &a : n.attribute())
        if (a.name() == "value" && a.has_t())
          v.consts[n.output(0)] = &a.t();
  for (const auto &[name, t] : fed)
    v.consts.emplace(name, &t);
  auto addRanks = [&](const auto &infos) {
    for (const ::onnx::ValueInfoProto &vi : infos)
      if (vi.type().tensor_type().has_shape())
        v.ranks[vi.name()] = vi.type().tensor_type().shape().dim_size();
  };
  addRanks(g.input());
  addRanks(g.value_info());
  addRanks(g.output());
  return v;
}

/// The values of input `i` of `n` when they are known before running.
std::optional<std::vector<double>>
constInput(const ModelView &v, const ::onnx::NodeProto &n, int i) {
  if (i >= n.input_size() || n.input(i).empty())
    return std::nullopt;
  auto it = v.consts.find(n.input(i));
  if (it == v.consts.end())
    return std::nullopt;
  std::string error;
  return tensorValues(*it->second, error);
}

const ::onnx::AttributeProto *attr(const ::onnx::NodeProto &n,
                                   const char *name) {
  for (const ::onnx::AttributeProto &a : n.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

std::string attrString(const ::onnx::NodeProto &n, const char *name,
                       const char *dflt) {
  const ::onnx::AttributeProto *a = attr(n, name);
  return a ? a->s() : dflt;
}

int64_t attrInt(const ::onnx::NodeProto &n, const char *name, int64_t dflt) {
  const ::onnx::AttributeProto *a = attr(n, name);
  return a ? a->i() : dflt;
}

/// The opset of the default domain.
int64_t defaultOpset(const ::onnx::ModelProto &m) {
  for (const ::onnx::OperatorSetIdProto &o : m.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      return o.version();
  return 1;
}

/// "unsupported op A" (or ops A, B): every op type not in the table.
std::string unsupportedOps(const ::onnx::GraphProto &g) {
  std::set<std::string> missing;
  for (const ::onnx::NodeProto &n : g.node())
    if (!findOp(n))
      missing.insert(typeName(n));
  if (missing.empty())
    return "";
  return fmt::format("unsupported op{} {}", missing.size() > 1 ? "s" : "",
                     fmt::join(missing, ", "));
}

std::string trainingMode(const ModelView &v) {
  for (const ::onnx::NodeProto &n : v.model.graph().node()) {
    if (n.op_type() == "BatchNormalization" &&
        (attrInt(n, "training_mode", 0) != 0 || n.output_size() > 1))
      return "training mode (BatchNormalization)";
    if (n.op_type() != "Dropout" || n.input_size() < 3 || n.input(2).empty())
      continue;
    std::optional<std::vector<double>> t = constInput(v, n, 2);
    if (!t || t->empty() || (*t)[0] != 0)
      return "training mode (Dropout)";
  }
  return "";
}

/// The first fed input and every output must be float; other fed inputs
/// are frozen, so any number type will do.
std::string dtypes(const ::onnx::GraphProto &g, const FedInputs &fed) {
  bool first = true;
  for (const ::onnx::ValueInfoProto &in : g.input()) {
    if (!fed.count(in.name()))
      continue;
    int t = in.type().tensor_type().elem_type();
    if (first && t != TP::FLOAT)
      return fmt::format("non-float compute dtype ({} input)", elemTypeName(t));
    if (!isFreezableType(t))
      return fmt::format("non-number input ({})", elemTypeName(t));
    first = false;
  }
  for (const ::onnx::ValueInfoProto &out : g.output()) {
    int t = out.type().tensor_type().elem_type();
    if (t != TP::FLOAT)
      return fmt::format("non-float output ({})", elemTypeName(t));
  }
  return "";
}

/// Folded ops must not read a tensor computed at run time (from the first
/// fed input). Shape reads only the static shape.
std::string foldedOnRuntime(const ::onnx::GraphProto &g, const FedInputs &fed) {
  std::set<std::string> runtime;
  for (const ::onnx::ValueInfoProto &in : g.input())
    if (fed.count(in.name())) {
      runtime.insert(in.name());
      break;
    }
  for (const ::onnx::NodeProto &n : g.node()) {
    bool reads = std::any_of(n.input().begin(), n.input().end(),
                             [&](const auto &i) { return runtime.count(i); });
    if (!reads || n.op_type() == "Shape")
      continue;
    const OpSupport *op = findOp(n);
    if (op && op->support == Support::Folded)
      return fmt::format("{} of a run-time tensor (folded at import only)",
                         n.op_type());
    runtime.insert(n.output().begin(), n.output().end());
  }
  return "";
}

/// ONNX's reference resizes with align_corners from the unrounded length
/// input * scale when given scales (onnx/onnx#2462, "intended"); cnnc, like
/// PyTorch, from the output's integral length. They agree when every
/// spatial input length times its scale is integral.
bool fractionalAlignCorners(const ModelView &v, const ::onnx::NodeProto &n) {
  if (attrString(n, "coordinate_transformation_mode", "") != "align_corners")
    return false;
  std::optional<std::vector<double>> scales = constInput(v, n, 2);
  auto rank = v.ranks.find(n.input(0));
  if (!scales || rank == v.ranks.end())
    return false;
  for (const ::onnx::ValueInfoProto &in : v.model.graph().input()) {
    if (in.name() != n.input(0))
      continue;
    const auto &dims = in.type().tensor_type().shape().dim();
    for (int i = 0; i < dims.size() && size_t(i) < scales->size(); ++i) {
      double len = double(dims[i].dim_value()) * (*scales)[size_t(i)];
      if (len != std::floor(len))
        return true;
    }
  }
  return false;
}

std::string resizeRule(const ModelView &v, const ::onnx::NodeProto &n) {
  std::string mode = attrString(n, "mode", "nearest");
  if (mode != "nearest" && mode != "linear" && mode != "bilinear" &&
      mode != "cubic")
    return fmt::format("{} mode {}", n.op_type(), mode);
  std::string ctm =
      attrString(n, "coordinate_transformation_mode", "half_pixel");
  if (ctm == "tf_half_pixel_for_nn")
    return fmt::format("Resize coordinate_transformation_mode {}", ctm);
  if (n.op_type() == "Resize" && fractionalAlignCorners(v, n))
    return "Resize align_corners to a fractional length (onnx/onnx#2462)";
  return "";
}

std::string reduceMeanRule(const ModelView &v, const ::onnx::NodeProto &n) {
  auto rank = v.ranks.find(n.input(0));
  if (rank == v.ranks.end())
    return "";
  std::vector<int64_t> axes;
  if (const ::onnx::AttributeProto *a = attr(n, "axes"))
    axes.assign(a->ints().begin(), a->ints().end());
  else if (std::optional<std::vector<double>> t = constInput(v, n, 1))
    axes.assign(t->begin(), t->end());
  int64_t r = rank->second;
  if (axes.empty())
    for (int64_t i = 0; i < r; ++i)
      axes.push_back(i);
  std::set<int64_t> got;
  for (int64_t a : axes)
    got.insert(a < 0 ? a + r : a);
  std::set<int64_t> spatial;
  for (int64_t i = 2; i < r; ++i)
    spatial.insert(i);
  return got == spatial && !spatial.empty()
             ? ""
             : "ReduceMean over non-spatial axes";
}

/// Reshape with allowzero=1 and a 0 in its shape: the op table's reshape
/// reads 0 as "copy the input dimension" (allowzero=0).
std::string reshapeRule(const ModelView &v, const ::onnx::NodeProto &n) {
  std::optional<std::vector<double>> shape = constInput(v, n, 1);
  if (attrInt(n, "allowzero", 0) == 0 || !shape ||
      std::find(shape->begin(), shape->end(), 0.0) == shape->end())
    return "";
  return "Reshape allowzero=1 with a 0 in the shape";
}

/// Attributes the op table cannot express.
std::string attributeRules(const ModelView &v) {
  for (const ::onnx::NodeProto &n : v.model.graph().node()) {
    std::string why;
    if (n.op_type() == "Resize" || n.op_type() == "Upsample")
      why = resizeRule(v, n);
    else if (n.op_type() == "ReduceMean")
      why = reduceMeanRule(v, n);
    else if (n.op_type() == "Reshape")
      why = reshapeRule(v, n);
    if (!why.empty())
      return why;
  }
  return "";
}

} // namespace

bool cnnc::nodetest::isFreezableType(int t) {
  switch (t) {
  case TP::FLOAT:
  case TP::DOUBLE:
  case TP::INT64:
  case TP::INT32:
  case TP::INT16:
  case TP::INT8:
  case TP::UINT8:
  case TP::UINT16:
  case TP::UINT32:
  case TP::UINT64:
    return true;
  default:
    return false;
  }
}

std::string cnnc::nodetest::elemTypeName(int t) {
  if (!TP::DataType_IsValid(t))
    return fmt::format("type {}", t);
  std::string s = TP::DataType_Name(TP::DataType(t));
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

std::string cnnc::nodetest::leftOutReason(const ::onnx::ModelProto &model,
                                          const FedInputs &fed) {
  int64_t opset = defaultOpset(model);
  if (opset > cnnc::onnx::newestOpset())
    return fmt::format("opset {} above {}", opset, cnnc::onnx::newestOpset());
  const ::onnx::GraphProto &g = model.graph();
  ModelView v = viewOf(model, fed);
  std::string why = unsupportedOps(g);
  if (why.empty())
    why = trainingMode(v);
  if (why.empty())
    why = dtypes(g, fed);
  if (why.empty())
    why = foldedOnRuntime(g, fed);
  if (why.empty())
    why = attributeRules(v);
  return why;
}
