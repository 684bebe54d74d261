//===- Header.cpp - The C header of a compiled model -----------------------===//
#include "compiler/host/Header.h"
#include "compiler/Embed.h"

#include <fmt/format.h>

#include <cctype>

#ifndef CNNC_ABI_HEADER_PATH
#error "CNNC_ABI_HEADER_PATH must name runtime/include/cnnc/abi.h"
#endif

// The ABI header's text, embedded so generated headers are self-contained.
CNNC_EMBED_FILE(cnnc_abi_h, CNNC_ABI_HEADER_PATH)

namespace cnnc::host {

static std::string upper(const std::string &s) {
  std::string r;
  for (char c : s)
    r += char(std::toupper(static_cast<unsigned char>(c)));
  return r;
}

static void tensorMacros(std::string &h, const std::string &prefix,
                         const std::vector<Value *> &values) {
  for (size_t i = 0; i < values.size(); ++i) {
    const Value *v = values[i];
    const Shape &s = v->type().shape;
    std::string dims;
    for (size_t d = 0; d < s.size(); ++d)
      dims += (d ? ", " : "") + std::to_string(s[d]);
    std::string m = fmt::format("{}{}", prefix, i);
    h += fmt::format("/* %{}: f32{} */\n", v->name(), shapeStr(s));
    h += fmt::format("#define {}_RANK {}\n", m, s.size());
    h += fmt::format("#define {}_SHAPE {{ {} }}\n", m, dims);
    h += fmt::format("#define {}_ELEMENTS {}\n", m, numElements(s));
  }
}

std::string generateHeader(const Graph &g, const std::string &name,
                           int64_t workspaceBytes) {
  std::string up = upper(name);
  std::string h;
  h += fmt::format("/* {}.h: model '{}' compiled by cnnc. Generated; do not "
                   "edit. */\n",
                   name, g.name());
  h += fmt::format("#ifndef CNNC_MODEL_{0}_H\n#define CNNC_MODEL_{0}_H\n\n",
                   up);
  h += cnnc_abi_h_bytes();
  h += "\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  h += fmt::format("#define {}_NUM_INPUTS {}\n", up, g.inputs().size());
  h += fmt::format("#define {}_NUM_OUTPUTS {}\n", up, g.outputs().size());
  h += fmt::format("/* Bytes of workspace one run needs ({}-byte aligned). "
                   "*/\n#define {}_WORKSPACE_BYTES {}\n\n",
                   64, up, workspaceBytes);
  tensorMacros(h, up + "_INPUT", g.inputs());
  tensorMacros(h, up + "_OUTPUT", g.outputs());
  h += fmt::format("\n/* The model's descriptor; run it with\n"
                   " *   {0}_cnnc_model()->run(inputs, outputs, workspace, "
                   "NULL). */\n"
                   "const cnnc_model_desc *{0}_cnnc_model(void);\n",
                   name);
  h += "\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
  return h;
}

} // namespace cnnc::host
