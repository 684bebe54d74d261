//===- Target.cpp - Resolving the target CPU through LLVM ------------------===//
#include "compiler/cpu/Target.h"

#include "compiler/cpu/kernels/ParamsConv.h"

#include <llvm/ADT/StringMap.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/Host.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/X86TargetParser.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>

#include <fmt/format.h>

#include <algorithm>
#include <mutex>

namespace cnnc::cpu {

/// Features the runtime can detect (runtime/src, same spelling as LLVM);
/// a model records those of them its target enables.
static const char *const RuntimeFeatures[] = {
    "sse2",       "sse3",        "ssse3",        "sse4.1",
    "sse4.2",     "popcnt",      "avx",          "avx2",
    "fma",        "f16c",        "bmi",          "bmi2",
    "lzcnt",      "movbe",       "avx512f",      "avx512cd",
    "avx512bw",   "avx512dq",    "avx512vl",     "avx512vnni",
    "avx512bf16", "avx512fp16",  "avx512ifma",   "avx512vbmi",
    "avx512vbmi2", "avx512bitalg", "avx512vpopcntdq", "avxvnni",
    "amx-tile",   "amx-int8",    "amx-bf16"};

static void initLLVMTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

static std::string hostFeatures() {
  llvm::StringMap<bool> map;
  if (!llvm::sys::getHostCPUFeatures(map))
    return "";
  std::vector<std::string> names;
  for (auto &kv : map)
    names.push_back((kv.second ? "+" : "-") + kv.first().str());
  std::sort(names.begin(), names.end());
  std::string s;
  for (auto &n : names)
    s += (s.empty() ? "" : ",") + n;
  return s;
}

Target::Target() = default;
Target::~Target() = default;

/// Whether LLVM's x86 feature table knows `name`: a known feature enables
/// at least itself.
static bool isKnownFeature(const std::string &name) {
  llvm::StringMap<bool> implied;
  llvm::X86::updateImpliedFeatures(name, true, implied);
  return !implied.empty();
}

/// Checks every "+name"/"-name" of `features` against LLVM's list.
static bool checkFeatureNames(const std::string &features,
                              std::string &error) {
  size_t pos = 0;
  while (pos < features.size()) {
    size_t comma = features.find(',', pos);
    std::string f = features.substr(pos, comma - pos);
    pos = comma == std::string::npos ? features.size() : comma + 1;
    if (f.empty())
      continue;
    if (f[0] != '+' && f[0] != '-') {
      error = fmt::format("target feature '{}' must start with '+' or '-'", f);
      return false;
    }
    std::string name = f.substr(1);
    if (!isKnownFeature(name)) {
      error = fmt::format("unknown target feature '{}'", name);
      return false;
    }
  }
  return true;
}

std::unique_ptr<Target> resolveTarget(const std::string &cpuIn,
                                      const std::string &extraFeatures,
                                      std::string &error) {
  initLLVMTargets();
  std::string triple = llvm::sys::getDefaultTargetTriple();
  std::string lookupError;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, lookupError);
  if (!target) {
    error = fmt::format("no LLVM target for '{}': {}", triple, lookupError);
    return nullptr;
  }
  bool host = cpuIn.empty() || cpuIn == "native";
  std::string cpu = host ? llvm::sys::getHostCPUName().str() : cpuIn;
  std::unique_ptr<llvm::MCSubtargetInfo> probe(
      target->createMCSubtargetInfo(triple, "", ""));
  if (!probe->isCPUStringValid(cpu)) {
    error = fmt::format("unknown target CPU '{}' (try --target-cpu=help "
                        "with llc-14 -mcpu=help for the list)",
                        cpu);
    return nullptr;
  }
  if (!checkFeatureNames(extraFeatures, error))
    return nullptr;
  std::string features = host ? hostFeatures() : "";
  if (!extraFeatures.empty())
    features += (features.empty() ? "" : ",") + extraFeatures;

  llvm::TargetOptions opts;
  auto result = std::make_unique<Target>();
  result->machine.reset(target->createTargetMachine(
      triple, cpu, features, opts, llvm::Reloc::PIC_, llvm::None,
      llvm::CodeGenOpt::Aggressive));
  if (!result->machine) {
    error = fmt::format("cannot create a target machine for '{}'", cpu);
    return nullptr;
  }
  const llvm::MCSubtargetInfo &sti = *result->machine->getMCSubtargetInfo();
  TargetInfo &info = result->info;
  info.triple = triple;
  info.cpu = cpu;
  info.features = features;
  auto has = [&](const char *f) {
    return sti.checkFeatures(std::string("+") + f);
  };
  if (has("avx512f")) {
    info.vectorWidth = 16;
    info.vectorRegisters = 32;
  } else if (has("avx")) {
    info.vectorWidth = 8;
    info.vectorRegisters = 16;
  } else {
    info.vectorWidth = 4;
    info.vectorRegisters = 16;
  }
  for (const char *f : RuntimeFeatures)
    if (has(f))
      result->requiredFeatures +=
          (result->requiredFeatures.empty() ? "" : ",") + std::string(f);
  return result;
}

std::string describeTarget(const Target &t) {
  const TargetInfo &i = t.info;
  return fmt::format("triple: {}\n"
                     "cpu: {}\n"
                     "vector-width: {} floats ({}-bit)\n"
                     "vector-registers: {}\n"
                     "register-tile: {}x{}\n"
                     "l1-bytes: {}\n"
                     "l2-bytes: {}\n"
                     "cpu-features: {}\n",
                     i.triple, i.cpu, i.vectorWidth, i.vectorWidth * 32,
                     i.vectorRegisters, cnnk::gemmMR(i.vectorWidth),
                     cnnk::gemmNR(i.vectorWidth), i.l1Bytes, i.l2Bytes,
                     t.requiredFeatures);
}

} // namespace cnnc::cpu
