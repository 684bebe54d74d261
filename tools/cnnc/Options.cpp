//===- Options.cpp - cnnc's command line ----------------------------------===//
#include "tools/cnnc/Options.h"

#include <algorithm>
#include <cctype>
#include "ir/Attr.h"
#include "ir/Op.h"

#include <cstdio>
#include <fmt/format.h>

namespace cnnc {

void printUsage() {
  std::string passes;
  for (const PassInfo &p : allPasses())
    passes += fmt::format("  {:<22} {}\n", p.name, p.summary);
  std::printf(
      "usage: cnnc MODEL.ir [options]\n"
      "       cnnc MODEL.onnx [options]\n"
      "\n"
      "Parses and verifies a network (or imports an ONNX model), infers\n"
      "every shape, and writes what --emit asks for.\n"
      "\n"
      "output:\n"
      "  --emit=ir              the verified, shape-inferred IR (default)\n"
      "  --emit=summary         per-layer table: output shape, parameters, "
      "MACs\n"
      "                         fused ops, tiles, workspace offsets\n"
      "  --emit=dot             the optimised graph for graphviz (dot -Tsvg)\n"
      "  --emit=so              a shared object for the runtime / cnnrun\n"
      "  --emit=obj             an object file to link into an application\n"
      "  --emit=header          the C header of the model (with --emit=obj)\n"
      "  --emit=asm|llvm        the generated assembly / optimised LLVM IR\n"
      "  --emit=kernels -o DIR  each kernel's optimised LLVM IR to its own "
      "file in\n"
      "                         DIR, and DIR/manifest.json (source nodes, "
      "tiles,\n"
      "                         FLOPs); with --target=cuda, their CUDA C\n"
      "  --emit=cuda -o DIR     --target=cuda: each kernel's CUDA C, the "
      "kernel\n"
      "                         library (DIR/cnnk), the whole program "
      "(model.cu)\n"
      "                         and DIR/manifest.json\n"
      "  --emit=ptx             --target=cuda: the PTX of the newest "
      "--gpu-arch\n"
      "  -o FILE                write to FILE instead of standard output;\n"
      "                         without --emit, the kind follows FILE's\n"
      "                         extension (.so .o .h .s .ll, else IR)\n"
      "\n"
      "ONNX import (MODEL.onnx):\n"
      "  --input-shape NAME=1x3x224x224\n"
      "                         the static shape of input NAME (repeatable;\n"
      "                         needed for symbolic dimensions)\n"
      "\n"
      "code generation:\n"
      "  --name=ID              the model's C name: entry ID_cnnc_model "
      "(default:\n"
      "                         the graph's name)\n"
      "  --target=cpu|cuda      the backend (default cpu): cuda emits CUDA C\n"
      "                         compiled by NVRTC into cubins and PTX, run "
      "by the\n"
      "                         runtime on an NVIDIA GPU\n"
      "  --gpu-arch=LIST        cuda: architectures to build cubins for, "
      "e.g.\n"
      "                         sm_80,sm_90 (the default; PTX for the "
      "newest too)\n"
      "  --target-cpu=CPU       LLVM CPU name (default: the host), e.g. "
      "x86-64-v3\n"
      "                         (AVX2), x86-64-v4 or sapphirerapids "
      "(AVX-512)\n"
      "  --target-features=F    extra LLVM features, e.g. +avx2,-avx512f\n"
      "  --print-target         print the resolved target (CPU, vector "
      "width,\n"
      "                         register tile, features the code needs) "
      "and exit\n"
      "  --weights=external     weights in FILE's stem + .weights, checked "
      "by size\n"
      "                         and hash at load (default: embedded)\n"
      "  -O0 .. -O3             LLVM optimisation level (default -O3)\n"
      "  --specialise=shared|all\n"
      "                         shared (default): calls that differ only in\n"
      "                         sizes share one kernel body; all: each call\n"
      "                         its own, every parameter a constant\n"
      "  -jN, --jobs=N          compile the kernels on N threads (default:\n"
      "                         every core; the artefact is the same for any "
      "N)\n"
      "  --time-stages          print the time of each compilation stage\n"
      "  --profile              time each kernel call (see cnnrun --profile)\n"
      "\n"
      "reference interpreter:\n"
      "  --interpret            run the model in the reference interpreter\n"
      "  --input [NAME=]X.npy   an input (in graph order, or by name); "
      "missing\n"
      "                         inputs are seeded random in [-1, 1]\n"
      "  --seed N               seed of the random inputs (default 0)\n"
      "  --output-dir DIR       write each output to DIR/NAME.npy\n"
      "  --print-outputs        print every output value\n"
      "\n"
      "passes:\n"
      "  --passes=a,b,c         run these passes (default: infer-shapes)\n"
      "  --print-pipeline       print the pipeline that will run\n"
      "  --print-ir-after=P     print the IR after pass P (repeatable)\n"
      "  --print-ir-after-all   print the IR after every pass\n"
      "  --verify-each          verify the graph after every pass\n"
      "  --stop-after=P         stop the pipeline after pass P\n"
      "  --time-passes          print the time of each pass\n"
      "\n"
      "  --list-ops             the op table: operands and attributes\n"
      "  --list-onnx-ops        the ONNX ops imported, with the versions of\n"
      "                         their definitions (docs/onnx-ops.md)\n"
      "  --list-passes          the registered passes\n"
      "  --help, --version\n"
      "\n"
      "passes:\n%s",
      passes.c_str());
}

std::string listOps() {
  std::string s;
  for (const OpInfo &op : allOps()) {
    s += fmt::format("{}({})", op.name, op.operandList());
    std::string attrs;
    for (const AttrSpec &a : op.attrs) {
      attrs += attrs.empty() ? " {" : ", ";
      attrs += std::string(a.name) + "=";
      if (a.required)
        attrs += "<required>";
      else if (a.kind == AttrKind::Enum)
        attrs += std::string(a.defaultText);
      else if (a.defaultText.empty())
        attrs += "[]";
      else
        attrs += attrValueStr(a.defaultValue);
    }
    s += attrs + (attrs.empty() ? "" : "}") + "\n";
  }
  return s;
}

namespace {
bool startsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}
bool endsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

std::optional<EmitKind> emitKindByName(std::string_view k) {
  if (k == "ir")
    return EmitKind::IR;
  if (k == "summary")
    return EmitKind::Summary;
  if (k == "dot")
    return EmitKind::Dot;
  if (k == "so")
    return EmitKind::SharedObject;
  if (k == "obj")
    return EmitKind::Object;
  if (k == "asm")
    return EmitKind::Assembly;
  if (k == "llvm")
    return EmitKind::LLVM;
  if (k == "header")
    return EmitKind::Header;
  if (k == "kernels")
    return EmitKind::Kernels;
  if (k == "cuda")
    return EmitKind::Cuda;
  if (k == "ptx")
    return EmitKind::Ptx;
  return std::nullopt;
}

/// The artefact a file name asks for when --emit is not given.
EmitKind emitKindForFile(std::string_view path) {
  if (endsWith(path, ".so"))
    return EmitKind::SharedObject;
  if (endsWith(path, ".o"))
    return EmitKind::Object;
  if (endsWith(path, ".h"))
    return EmitKind::Header;
  if (endsWith(path, ".s"))
    return EmitKind::Assembly;
  if (endsWith(path, ".ll"))
    return EmitKind::LLVM;
  if (endsWith(path, ".ptx"))
    return EmitKind::Ptx;
  return EmitKind::IR;
}
} // namespace

std::optional<CliOptions> parseCommandLine(int argc, char **argv) {
  CliOptions o;
  auto usageError = [](const std::string &msg) -> std::optional<CliOptions> {
    std::fprintf(stderr, "cnnc: error: %s (see cnnc --help)\n", msg.c_str());
    return std::nullopt;
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    // Options that take the next argument.
    auto takeValue = [&](std::string &out) {
      if (i + 1 >= argc)
        return false;
      out = argv[++i];
      return true;
    };
    std::string value;
    if (startsWith(a, "--input-shape=")) {
      o.inputShapes.push_back(a.substr(14));
      continue;
    }
    if (a == "-o" || a == "--input" || a == "--seed" || a == "--output-dir" ||
        a == "--input-shape") {
      if (!takeValue(value))
        return usageError(fmt::format("'{}' needs a value", a));
      if (a == "-o")
        o.output = value;
      else if (a == "--input")
        o.inputs.push_back(value);
      else if (a == "--input-shape")
        o.inputShapes.push_back(value);
      else if (a == "--output-dir")
        o.outputDir = value;
      else {
        std::optional<int64_t> s = parseIntText(value);
        if (!s || *s < 0)
          return usageError(fmt::format(
              "--seed expects a non-negative integer, found '{}'", value));
        o.seed = uint64_t(*s);
      }
    } else if (startsWith(a, "--emit=")) {
      std::string k = a.substr(7);
      std::optional<EmitKind> kind = emitKindByName(k);
      if (!kind)
        return usageError(fmt::format("unknown --emit kind '{}'; expected "
                                      "ir, summary, dot, so, obj, header, "
                                      "asm, llvm or kernels",
                                      k));
      o.emit = *kind;
      o.emitGiven = true;
    } else if (startsWith(a, "--name=")) {
      o.name = a.substr(7);
    } else if (startsWith(a, "--target=")) {
      std::string t = a.substr(9);
      if (t != "cpu" && t != "cuda")
        return usageError(fmt::format("unknown --target '{}'; expected cpu "
                                      "or cuda",
                                      t));
      o.cuda = t == "cuda";
    } else if (startsWith(a, "--gpu-arch=")) {
      o.gpuArchs.clear();
      std::string list = a.substr(11);
      size_t pos = 0;
      while (pos <= list.size()) {
        size_t comma = std::min(list.find(',', pos), list.size());
        std::string item = list.substr(pos, comma - pos);
        int cc = 0;
        if (item.size() == 5 && startsWith(item, "sm_") &&
            std::isdigit(static_cast<unsigned char>(item[3])) &&
            std::isdigit(static_cast<unsigned char>(item[4])))
          cc = std::stoi(item.substr(3));
        if (cc < 75)
          return usageError(fmt::format(
              "--gpu-arch expects architectures like sm_80,sm_90 (CUDA 13 "
              "supports sm_75 and newer), found '{}'",
              item));
        if (std::find(o.gpuArchs.begin(), o.gpuArchs.end(), cc) ==
            o.gpuArchs.end())
          o.gpuArchs.push_back(cc);
        pos = comma + 1;
      }
    } else if (startsWith(a, "--target-cpu=")) {
      o.targetCpu = a.substr(13);
    } else if (startsWith(a, "--target-features=")) {
      o.targetFeatures = a.substr(18);
    } else if (startsWith(a, "--weights=")) {
      std::string w = a.substr(10);
      if (w != "embedded" && w != "external")
        return usageError(fmt::format(
            "--weights expects embedded or external, found '{}'", w));
      o.externalWeights = w == "external";
    } else if (a == "-O0" || a == "-O1" || a == "-O2" || a == "-O3") {
      o.optLevel = a[2] - '0';
    } else if (startsWith(a, "--jobs=") || (startsWith(a, "-j") && a.size() > 2)) {
      std::string v = a.substr(a[1] == 'j' ? 2 : 7);
      std::optional<int64_t> n = parseIntText(v);
      if (!n || *n < 1 || *n > 1024)
        return usageError(fmt::format(
            "{} expects a thread count from 1 to 1024, found '{}'",
            a[1] == 'j' ? "-j" : "--jobs", v));
      o.jobs = unsigned(*n);
    } else if (startsWith(a, "--specialise=")) {
      std::string v = a.substr(13);
      if (v != "shared" && v != "all")
        return usageError(fmt::format(
            "--specialise expects shared or all, found '{}'", v));
      o.shareKernels = v == "shared";
    } else if (a == "--time-stages") {
      o.timeStages = true;
    } else if (a == "--profile") {
      o.profile = true;
    } else if (startsWith(a, "--passes=")) {
      o.passes = a.substr(9);
      if (o.passes.empty())
        return usageError("--passes= needs a pass list");
    } else if (startsWith(a, "--print-ir-after=")) {
      o.passOpts.printAfter.insert(a.substr(17));
    } else if (startsWith(a, "--stop-after=")) {
      o.passOpts.stopAfter = a.substr(13);
    } else if (a == "--print-ir-after-all") {
      o.passOpts.printAfterAll = true;
    } else if (a == "--verify-each") {
      o.passOpts.verifyEach = true;
    } else if (a == "--time-passes") {
      o.passOpts.timePasses = true;
    } else if (a == "--print-pipeline") {
      o.printPipeline = true;
    } else if (a == "--interpret") {
      o.interpret = true;
    } else if (a == "--print-outputs") {
      o.printOutputs = true;
    } else if (a == "--list-ops") {
      o.listOps = true;
    } else if (a == "--list-onnx-ops") {
      o.listOnnxOps = true;
    } else if (a == "--list-passes") {
      o.listPasses = true;
    } else if (a == "--print-target") {
      o.printTarget = true;
    } else if (a == "--help" || a == "-h") {
      o.help = true;
    } else if (a == "--version") {
      o.version = true;
    } else if (startsWith(a, "-") && a != "-") {
      return usageError(fmt::format("unknown option '{}'", a));
    } else if (o.model.empty()) {
      o.model = a;
    } else {
      return usageError(fmt::format("more than one model given ('{}' and "
                                    "'{}')",
                                    o.model, a));
    }
  }
  if (!o.help && !o.version && !o.listOps && !o.listOnnxOps && !o.listPasses &&
      !o.printTarget && o.model.empty())
    return usageError("no model given");
  if (!o.emitGiven && !o.output.empty())
    o.emit = emitKindForFile(o.output);
  bool binary = o.emit == EmitKind::SharedObject || o.emit == EmitKind::Object;
  if (binary && (o.output.empty() || o.output == "-"))
    return usageError("--emit=so and --emit=obj need -o FILE");
  if (o.emit == EmitKind::Kernels && (o.output.empty() || o.output == "-"))
    return usageError("--emit=kernels needs -o DIR");
  if (o.emit == EmitKind::Cuda && (o.output.empty() || o.output == "-"))
    return usageError("--emit=cuda needs -o DIR");
  if ((o.emit == EmitKind::Cuda || o.emit == EmitKind::Ptx) && !o.cuda)
    return usageError(fmt::format("--emit={} needs --target=cuda",
                                  o.emit == EmitKind::Cuda ? "cuda" : "ptx"));
  if (o.cuda && (o.emit == EmitKind::LLVM || o.emit == EmitKind::Assembly))
    return usageError("--emit=llvm and --emit=asm are for --target=cpu; use "
                      "--emit=cuda or --emit=ptx");
  if (o.externalWeights && !binary)
    return usageError("--weights=external needs --emit=so or --emit=obj");
  if (o.interpret && o.emit != EmitKind::IR && o.emit != EmitKind::Summary)
    return usageError("--interpret does not combine with code generation");
  if (!o.interpret &&
      (!o.inputs.empty() || !o.outputDir.empty() || o.printOutputs))
    return usageError("--input, --output-dir and --print-outputs need "
                      "--interpret");
  return o;
}

} // namespace cnnc
