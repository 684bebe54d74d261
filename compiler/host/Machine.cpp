//===- Machine.cpp - LLVM target machines for host code -------------------===//
#include "compiler/host/Machine.h"

#include <llvm/ADT/SmallVector.h>
#include <llvm/ADT/StringMap.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/Host.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/X86TargetParser.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>

#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <vector>

namespace cnnc::host {

namespace {

void initLLVMTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

std::string hostFeatures() {
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

/// Whether LLVM's x86 feature table knows `name`: a known feature enables
/// at least itself.
bool isKnownFeature(const std::string &name) {
  llvm::StringMap<bool> implied;
  llvm::X86::updateImpliedFeatures(name, true, implied);
  return !implied.empty();
}

/// Checks every "+name"/"-name" of `features` against LLVM's list.
bool checkFeatureNames(const std::string &features,
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

} // namespace

Machine::Machine() = default;
Machine::~Machine() = default;
Machine::Machine(Machine &&) = default;

bool createMachine(const std::string &cpuIn, const std::string &extraFeatures,
                   Machine &out, std::string &error) {
  initLLVMTargets();
  std::string triple = llvm::sys::getDefaultTargetTriple();
  std::string lookupError;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, lookupError);
  if (!target) {
    error = fmt::format("no LLVM target for '{}': {}", triple, lookupError);
    return false;
  }
  bool host = cpuIn.empty() || cpuIn == "native";
  std::string cpu = host ? llvm::sys::getHostCPUName().str() : cpuIn;
  std::unique_ptr<llvm::MCSubtargetInfo> probe(
      target->createMCSubtargetInfo(triple, "", ""));
  if (!probe->isCPUStringValid(cpu)) {
    error = fmt::format("unknown target CPU '{}' (try --target-cpu=help "
                        "with llc-14 -mcpu=help for the list)",
                        cpu);
    return false;
  }
  if (!checkFeatureNames(extraFeatures, error))
    return false;
  std::string features = host ? hostFeatures() : "";
  if (!extraFeatures.empty())
    features += (features.empty() ? "" : ",") + extraFeatures;

  llvm::TargetOptions opts;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, opts, llvm::Reloc::PIC_, llvm::None,
      llvm::CodeGenOpt::Aggressive));
  if (!machine) {
    error = fmt::format("cannot create a target machine for '{}'", cpu);
    return false;
  }
  out.triple = triple;
  out.cpu = cpu;
  out.features = features;
  out.machine = std::move(machine);
  return true;
}

bool emitMachineCode(llvm::Module &m, llvm::TargetMachine &machine,
                     FileKind kind, llvm::SmallVectorImpl<char> &out,
                     std::string &error) {
  llvm::raw_svector_ostream os(out);
  llvm::legacy::PassManager pm;
  auto fileType = kind == FileKind::Object ? llvm::CGFT_ObjectFile
                                           : llvm::CGFT_AssemblyFile;
  if (machine.addPassesToEmitFile(pm, os, nullptr, fileType)) {
    error = "the target cannot emit this file type";
    return false;
  }
  pm.run(m);
  return true;
}

} // namespace cnnc::host
