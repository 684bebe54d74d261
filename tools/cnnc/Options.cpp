//===- Options.cpp - cnnc's command line ----------------------------------===//
#include "tools/cnnc/Options.h"
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
      "\n"
      "Parses and verifies a network, infers every shape, and writes what\n"
      "--emit asks for.\n"
      "\n"
      "output:\n"
      "  --emit=ir              the verified, shape-inferred IR (default)\n"
      "  --emit=summary         per-layer table: output shape, parameters, "
      "MACs\n"
      "  -o FILE                write to FILE instead of standard output\n"
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
    if (a == "-o" || a == "--input" || a == "--seed" || a == "--output-dir") {
      if (!takeValue(value))
        return usageError(fmt::format("'{}' needs a value", a));
      if (a == "-o")
        o.output = value;
      else if (a == "--input")
        o.inputs.push_back(value);
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
      if (k == "ir")
        o.emit = EmitKind::IR;
      else if (k == "summary")
        o.emit = EmitKind::Summary;
      else
        return usageError(fmt::format(
            "unknown --emit kind '{}'; expected ir or summary", k));
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
    } else if (a == "--list-passes") {
      o.listPasses = true;
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
  if (!o.help && !o.version && !o.listOps && !o.listPasses && o.model.empty())
    return usageError("no model given");
  if (!o.interpret &&
      (!o.inputs.empty() || !o.outputDir.empty() || o.printOutputs))
    return usageError("--input, --output-dir and --print-outputs need "
                      "--interpret");
  return o;
}

} // namespace cnnc
