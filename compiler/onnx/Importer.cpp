//===- Importer.cpp - ONNX models into the IR -----------------------------===//
//
// The model level of the importer: reading and parsing the file, the opset,
// graph inputs (with --input-shape and frozen inputs), initializers, the
// check that every node's op is supported (one diagnostic listing them
// all), the node loop and the graph outputs.
//
//===----------------------------------------------------------------------===//
#include "compiler/onnx/ImporterImpl.h"
#include "ir/Verifier.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <unistd.h>
#include <google/protobuf/io/coded_stream.h>

namespace cnnc::onnx {

namespace {

/// Largest model file read (protobuf's own limit is 2 GiB).
constexpr int64_t kMaxModelBytes = (int64_t(1) << 31) - 1;

/// Reads and parses `path`; reports and returns false on any failure.
bool readModel(const std::string &path, ::onnx::ModelProto &model,
               MappedFile &file, LeanModel &lean, DiagEngine &diag) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    diag.error(SourceLoc{}, "cannot read '{}': {}", path, ec.message());
    return false;
  }
  if (int64_t(size) > kMaxModelBytes) {
    diag.error(SourceLoc{},
               "'{}' is larger than 2 GiB, protobuf's limit; save "
               "its weights as ONNX external data",
               path);
    return false;
  }
  // Mapped, and parsed with the large weights left in the mapping
  // (ModelFile.h); else parsed from the file as it is read.
  std::string mapError;
  if (file.open(path, mapError) && parseLean(file.bytes(), model, lean))
    return true;
  model.Clear();
  lean.raw.clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    diag.error(SourceLoc{}, "cannot read '{}': {}", path,
               std::strerror(errno));
    return false;
  }
  bool parsed;
  {
    google::protobuf::io::FileInputStream file(fd);
    google::protobuf::io::CodedInputStream stream(&file);
    stream.SetTotalBytesLimit(int(kMaxModelBytes));
    parsed = size != 0 && model.ParseFromCodedStream(&stream) &&
             stream.ConsumedEntireMessage() && file.GetErrno() == 0;
  }
  ::close(fd);
  if (!parsed || !model.has_graph()) {
    diag.error(SourceLoc{}, "'{}' is not a valid ONNX model", path);
    return false;
  }
  return true;
}

//===--- Operator versions ----------------------------------------------===//
// ONNX redefines an op in some opsets (OpVersions.inc, generated from ONNX's
// schemas). The importer implements every version up to kReviewedOpset: the
// definitions after opset 18 were compared with the one before (attributes,
// inputs, outputs, types), and each either adds only element types (f32
// and i64 are what cnnc computes; other types are refused where they
// appear), or adds what the mappings implement (Resize-19's
// half_pixel_symmetric) or refuse by name when it is used (AveragePool-19's
// dilations, Pad-19's wrap mode), or what does not change f32 results
// (Cast-19's saturate and Cast-24's round_mode apply to float8/float4 targets
// only; Range-27's stash_type to the precision of its folded computation, done
// in doubles). A definition newer than kReviewedOpset (after the table is
// regenerated from a newer ONNX) is refused by name until reviewed.
constexpr int kReviewedOpset = 28;

struct OpVersions {
  const char *name;
  std::vector<int> versions;
};

const std::vector<OpVersions> &opVersionTable() {
  static const std::vector<OpVersions> table = {
#define CNNC_ONNX_NEWEST_OPSET(n)
#define CNNC_ONNX_OP(name, ...) {name, {__VA_ARGS__}},
#include "compiler/onnx/OpVersions.inc"
#undef CNNC_ONNX_OP
#undef CNNC_ONNX_NEWEST_OPSET
  };
  return table;
}

constexpr int kNewestOpset =
#define CNNC_ONNX_NEWEST_OPSET(n) n
#define CNNC_ONNX_OP(name, ...)
#include "compiler/onnx/OpVersions.inc"
#undef CNNC_ONNX_OP
#undef CNNC_ONNX_NEWEST_OPSET
    ;

/// The versions of `op`'s definition (empty for an op ONNX does not know).
const std::vector<int> &versionsOf(const std::string &op) {
  static const std::unordered_map<std::string, const std::vector<int> *> index =
      [] {
        std::unordered_map<std::string, const std::vector<int> *> m;
        for (const OpVersions &o : opVersionTable())
          m[o.name] = &o.versions;
        return m;
      }();
  static const std::vector<int> none;
  auto it = index.find(op);
  return it == index.end() ? none : *it->second;
}

std::unordered_map<std::string, OpHandler> handlerTable() {
  std::unordered_map<std::string, OpHandler> t;
  registerConvOps(t);
  registerActivationOps(t);
  registerMathOps(t);
  registerShapeOps(t);
  return t;
}

/// The opset of the default domain (1 when not declared).
int64_t defaultOpset(const ::onnx::ModelProto &model) {
  for (const auto &o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      return o.version();
  return 1;
}

/// A C identifier for the graph name.
std::string graphName(const std::string &s) {
  std::string out;
  for (char c : s)
    out += std::isalnum(uint8_t(c)) ? c : '_';
  if (out.empty() || std::isdigit(uint8_t(out[0])))
    out = "m_" + out;
  return out;
}

class ModelImporter {
public:
  ModelImporter(::onnx::ModelProto &model, const MappedFile &file,
                const LeanModel &lean, const ImportOptions &opts,
                DiagEngine &diag, SourceLoc loc, Graph &g)
      : Model(model), File(file), Lean(lean), Opts(opts), Diag(diag),
        Loc(loc), Imp(g, diag, loc), G(g) {}

  bool run();

private:
  bool checkOps();
  bool addInitializers();
  bool addInputs();
  bool addInput(const ::onnx::ValueInfoProto &in);
  bool addFrozenInput(const ::onnx::ValueInfoProto &in, const Tensor &t);
  std::optional<Shape> inputShape(const ::onnx::ValueInfoProto &in);
  bool importNodes();
  bool addOutputs();

  /// Mutable only to free each initialiser's bytes once it is read.
  ::onnx::ModelProto &Model;
  /// The model's file and the initialisers' bytes left in it.
  const MappedFile &File;
  const LeanModel &Lean;
  const ImportOptions &Opts;
  DiagEngine &Diag;
  SourceLoc Loc;
  Importer Imp;
  Graph &G;
  int64_t Opset = 1;
  std::unordered_map<std::string, OpHandler> Handlers;
};

bool ModelImporter::run() {
  Opset = defaultOpset(Model);
  if (Opset > kNewestOpset) {
    Diag.error(Loc,
               "ONNX opset {} is not supported: the newest cnnc knows is {}",
               Opset, kNewestOpset);
    return false;
  }
  Handlers = handlerTable();
  G.setName(graphName(Model.graph().name()));
  G.setLoc(Loc);
  fuseLayerNormDecompositions(*Model.mutable_graph(), Opset);
  if (!checkOps() || !addInitializers() || !addInputs() || !importNodes() ||
      !addOutputs())
    return false;
  G.removeDeadNodes();
  return verifyGraph(G, Diag);
}

bool ModelImporter::checkOps() {
  std::vector<std::string> bad;
  for (const auto &n : Model.graph().node()) {
    bool domainOk = n.domain().empty() || n.domain() == "ai.onnx";
    std::string name =
        n.name().empty() && n.output_size() ? n.output(0) : n.name();
    if (domainOk && Handlers.count(n.op_type())) {
      int v = opVersion(n.op_type(), Opset);
      if (v <= kReviewedOpset)
        continue;
      std::vector<int> known;
      for (int x : versionsOf(n.op_type()))
        if (x <= kReviewedOpset)
          known.push_back(x);
      bad.push_back(fmt::format("{}-{} (node '{}', opset {}; cnnc implements "
                                "versions {})",
                                n.op_type(), v, name, Opset,
                                fmt::join(known, ", ")));
      continue;
    }
    std::string type = domainOk ? n.op_type() : n.domain() + "." + n.op_type();
    bad.push_back(fmt::format("{} (node '{}', opset {})", type, name, Opset));
  }
  if (bad.empty())
    return true;
  std::string list;
  for (const std::string &b : bad)
    list += (list.empty() ? "" : ", ") + b;
  Diag.error(Loc, "{} unsupported ONNX op{}: {}", bad.size(),
             bad.size() == 1 ? "" : "s", list);
  return false;
}

bool ModelImporter::addInitializers() {
  auto &inits = *Model.mutable_graph()->mutable_initializer();
  for (int i = 0; i < inits.size(); ++i) {
    ::onnx::TensorProto &t = inits[i];
    std::string error;
    std::string_view inFile =
        size_t(i) < Lean.raw.size() ? Lean.raw[size_t(i)] : std::string_view();
    std::optional<ConstData> c =
        inFile.empty() ? readTensor(t, t.name(), error)
                       : readTensor(t, t.name(), inFile, &File, error);
    if (!c) {
      Diag.error(Loc, "{}", error);
      return false;
    }
    Imp.bind(t.name(),
             Binding{nullptr, std::make_shared<ConstData>(std::move(*c))});
    // Read once: its bytes are freed now, not held beside the tensor
    // until the import ends.
    if (t.has_raw_data())
      std::string().swap(*t.mutable_raw_data());
    t.clear_float_data();
    t.clear_int64_data();
    t.clear_int32_data();
    t.clear_double_data();
  }
  return true;
}

std::optional<Shape>
ModelImporter::inputShape(const ::onnx::ValueInfoProto &in) {
  auto given = Opts.inputShapes.find(in.name());
  if (given != Opts.inputShapes.end())
    return given->second;
  if (!in.type().tensor_type().has_shape()) {
    Diag.error(Loc,
               "input '{}' has no shape; give it with --input-shape "
               "{}=1x3x224x224",
               in.name(), in.name());
    return std::nullopt;
  }
  Shape s;
  const auto &dims = in.type().tensor_type().shape().dim();
  for (int d = 0; d < dims.size(); ++d) {
    if (dims[d].has_dim_value() && dims[d].dim_value() >= 0) {
      s.push_back(dims[d].dim_value());
      continue;
    }
    std::string sym = dims[d].has_dim_param() ? dims[d].dim_param() : "?";
    Diag.error(Loc,
               "input '{}' has a symbolic dimension '{}' (dim {}); give "
               "its shape with --input-shape {}=1x3x224x224",
               in.name(), sym, d, in.name());
    return std::nullopt;
  }
  return s;
}

bool ModelImporter::addFrozenInput(const ::onnx::ValueInfoProto &in,
                                   const Tensor &t) {
  int type = in.type().tensor_type().elem_type();
  ConstData c;
  c.shape = t.shape;
  bool isFloat = type == ::onnx::TensorProto::FLOAT ||
                 type == ::onnx::TensorProto::DOUBLE ||
                 type == ::onnx::TensorProto::FLOAT16 ||
                 type == ::onnx::TensorProto::BFLOAT16;
  if (isFloat) {
    c.f = std::make_shared<Tensor>(t);
  } else {
    c.isInt = true;
    for (float v : t.data)
      c.i.push_back(int64_t(std::llround(v)));
  }
  Imp.bind(in.name(), Binding{nullptr, std::make_shared<ConstData>(c)});
  return true;
}

bool ModelImporter::addInput(const ::onnx::ValueInfoProto &in) {
  if (Imp.lookup(in.name()))
    return true; // an initializer (IR version < 4 lists them as inputs)
  auto frozen = Opts.frozenInputs.find(in.name());
  if (frozen != Opts.frozenInputs.end())
    return addFrozenInput(in, frozen->second);
  if (!in.type().has_tensor_type()) {
    Diag.error(Loc, "input '{}' is not a tensor", in.name());
    return false;
  }
  int type = in.type().tensor_type().elem_type();
  if (type != ::onnx::TensorProto::FLOAT) {
    Diag.error(Loc, "input '{}' is {}; cnnc computes f32 inputs only",
               in.name(), ::onnx::TensorProto::DataType_Name(type));
    return false;
  }
  std::optional<Shape> shape = inputShape(in);
  if (!shape)
    return false;
  Value *v = G.addInput(Imp.uniqueName(in.name()),
                        TensorType(DType::F32, *shape), Loc);
  Imp.bind(in.name(), Binding{v, nullptr});
  return true;
}

bool ModelImporter::addInputs() {
  std::set<std::string> names;
  bool ok = true;
  for (const auto &in : Model.graph().input()) {
    names.insert(in.name());
    ok &= addInput(in);
  }
  for (const auto &[name, shape] : Opts.inputShapes)
    if (!names.count(name)) {
      Diag.error(Loc,
                 "--input-shape names '{}', which is not an input of "
                 "the model",
                 name);
      ok = false;
    }
  return ok;
}

bool ModelImporter::importNodes() {
  for (const auto &n : Model.graph().node()) {
    NodeCtx ctx(Imp, n, Opset);
    if (n.output_size() == 0) {
      ctx.error("has no outputs");
      return false;
    }
    if (!Handlers.at(n.op_type())(ctx))
      return false;
  }
  return true;
}

bool ModelImporter::addOutputs() {
  for (const auto &o : Model.graph().output()) {
    Binding *b = Imp.lookup(o.name());
    if (!b) {
      Diag.error(Loc, "output '{}' is not computed by any node", o.name());
      return false;
    }
    Value *v = Imp.materialise(o.name(), *b);
    if (!v) {
      Diag.error(Loc,
                 "output '{}' is an integer tensor; cnnc computes f32 "
                 "outputs only",
                 o.name());
      return false;
    }
    // An output that is a graph input, a constant or another output gets
    // its own value, so every output is computed by a node of its own.
    bool shared =
        v->isGraphInput() || v->def()->kind() == OpKind::Const || G.isOutput(v);
    if (shared) {
      Node *n = G.addNode(OpKind::Identity, Loc, {v},
                          {Imp.uniqueName(o.name() + ".out")});
      n->result()->setType(v->type());
      v = n->result();
    }
    G.addOutput(v);
  }
  if (G.outputs().empty()) {
    Diag.error(Loc, "the model has no outputs");
    return false;
  }
  return true;
}

} // namespace

int newestOpset() { return kNewestOpset; }

int opVersion(const std::string &op, int64_t opset) {
  int v = 0;
  for (int x : versionsOf(op))
    if (x <= opset)
      v = x;
  return v;
}

std::vector<std::pair<std::string, std::vector<int>>> supportedOnnxOps() {
  std::vector<std::pair<std::string, std::vector<int>>> out;
  for (const auto &[name, handler] : handlerTable()) {
    std::vector<int> vs;
    for (int v : versionsOf(name))
      if (v <= kReviewedOpset)
        vs.push_back(v);
    out.push_back({name, vs});
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::unique_ptr<Graph> importOnnxFile(const std::string &path,
                                      const ImportOptions &opts,
                                      DiagEngine &diag) {
  ::onnx::ModelProto model;
  MappedFile file;
  LeanModel lean;
  if (!readModel(path, model, file, lean, diag) ||
      !loadExternalData(model, path, diag, diag.fileLoc(path)))
    return nullptr;
  auto g = std::make_unique<Graph>();
  ModelImporter imp(model, file, lean, opts, diag, diag.fileLoc(path), *g);
  if (!imp.run())
    return nullptr;
  return g;
}

bool parseInputShape(const std::string &text, ImportOptions &opts,
                     std::string &error) {
  size_t eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    error =
        fmt::format("--input-shape expects NAME=D1xD2x..., found '{}'", text);
    return false;
  }
  Shape shape;
  std::string dims = text.substr(eq + 1);
  size_t pos = 0;
  while (pos <= dims.size()) {
    size_t x = dims.find('x', pos);
    std::string d = dims.substr(pos, x == std::string::npos ? x : x - pos);
    std::optional<int64_t> v = parseIntText(d);
    if (!v || *v < 1 || *v > kMaxElements) {
      error = fmt::format("--input-shape expects positive dimensions "
                          "separated by 'x', found '{}'",
                          dims);
      return false;
    }
    shape.push_back(*v);
    if (x == std::string::npos)
      break;
    pos = x + 1;
  }
  opts.inputShapes[text.substr(0, eq)] = shape;
  return true;
}

} // namespace cnnc::onnx
