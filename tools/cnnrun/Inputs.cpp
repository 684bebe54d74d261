//===- Inputs.cpp - cnnrun's inputs and output files ----------------------===//
#include "ir/Npy.h"
#include "ir/Weights.h"
#include "tools/cnnrun/Runner.h"

namespace cnnc {

std::string tensorName(const cnnc_tensor_desc &t) {
  std::string n = t.name;
  return !n.empty() && n[0] == '%' ? n.substr(1) : n;
}

Shape tensorShape(const cnnc_tensor_desc &t) {
  return Shape(t.shape, t.shape + t.rank);
}

namespace {

/// Splits "[NAME=]FILE" and finds the tensor it names: by NAME, or the next
/// one in order. Returns -1 after reporting.
int32_t pickTensor(const std::string &arg, const cnnc_tensor_desc *ts,
                   int32_t count, const char *kind, int32_t &next,
                   std::vector<bool> &given, std::string &path,
                   const cnnrt_model *m, DiagEngine &diag) {
  size_t eq = arg.find('=');
  path = eq == std::string::npos ? arg : arg.substr(eq + 1);
  int32_t index = -1;
  if (eq == std::string::npos) {
    index = next++;
    if (index >= count) {
      diag.error(SourceLoc{}, "more --{} files than the {} {}{} of '{}'", kind,
                 count, kind, count == 1 ? "" : "s", cnnrt_model_name(m));
      return -1;
    }
  } else {
    std::string name = arg.substr(0, eq);
    if (!name.empty() && name[0] == '%')
      name = name.substr(1);
    for (int32_t i = 0; i < count && index < 0; ++i)
      if (tensorName(ts[i]) == name)
        index = i;
    if (index < 0) {
      diag.error(SourceLoc{}, "model '{}' has no {} '%{}'", cnnrt_model_name(m),
                 kind, name);
      return -1;
    }
  }
  if (given[size_t(index)]) {
    diag.error(SourceLoc{}, "{} '%{}' is given twice", kind,
               tensorName(ts[index]));
    return -1;
  }
  given[size_t(index)] = true;
  return index;
}

} // namespace

bool makeInputs(const cnnrt_model *m, const RunOptions &opts, DiagEngine &diag,
                std::vector<Tensor> &inputs, std::string &report) {
  const cnnc_model_desc &d = *cnnrt_model_desc(m);
  inputs.clear();
  for (int32_t i = 0; i < d.num_inputs; ++i) {
    Tensor t(tensorShape(d.inputs[i]));
    for (int64_t j = 0; j < t.size(); ++j)
      t.data[size_t(j)] =
          2.0f * randomUniform01(opts.seed + uint64_t(i), uint64_t(j)) - 1.0f;
    inputs.push_back(std::move(t));
  }
  std::vector<std::string> origin(inputs.size(),
                                  fmt::format("random (seed {})", opts.seed));
  std::vector<bool> given(inputs.size(), false);
  int32_t next = 0;
  for (const std::string &arg : opts.inputs) {
    std::string path;
    int32_t index = pickTensor(arg, d.inputs, d.num_inputs, "input", next,
                               given, path, m, diag);
    if (index < 0)
      return false;
    std::optional<Tensor> t = readNpy(path, diag);
    if (!t)
      return false;
    const Shape &want = inputs[size_t(index)].shape;
    if (t->shape != want) {
      diag.error(SourceLoc{}, "input '%{}' expects shape {}, '{}' has {}",
                 tensorName(d.inputs[index]), shapeStr(want), path,
                 shapeStr(t->shape));
      return false;
    }
    inputs[size_t(index)] = std::move(*t);
    origin[size_t(index)] = "'" + path + "'";
  }
  for (size_t i = 0; i < inputs.size(); ++i)
    report += fmt::format("# input %{} {}: {}\n", tensorName(d.inputs[i]),
                          shapeStr(inputs[i].shape), origin[i]);
  return true;
}

bool writeOutputs(const cnnrt_model *m, const RunOptions &opts,
                  const std::vector<Tensor> &outputs, DiagEngine &diag,
                  std::string &report) {
  const cnnc_model_desc &d = *cnnrt_model_desc(m);
  std::vector<bool> given(outputs.size(), false);
  int32_t next = 0;
  for (const std::string &arg : opts.outputs) {
    std::string path;
    int32_t index = pickTensor(arg, d.outputs, d.num_outputs, "output", next,
                               given, path, m, diag);
    if (index < 0 || !writeNpy(path, outputs[size_t(index)], diag))
      return false;
    report += fmt::format("# wrote %{} to '{}'\n", tensorName(d.outputs[index]),
                          path);
  }
  return true;
}

} // namespace cnnc
