//===- Target.cpp - Resolving the target CPU through LLVM ------------------===//
#include "compiler/cpu/Target.h"
#include "compiler/host/Machine.h"

#include "compiler/cpu/Catalogue.h"

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

Target::Target() = default;
Target::~Target() = default;

std::unique_ptr<Target> resolveTarget(const std::string &cpuIn,
                                      const std::string &extraFeatures,
                                      std::string &error) {
  host::Machine m;
  if (!host::createMachine(cpuIn, extraFeatures, m, error))
    return nullptr;
  auto result = std::make_unique<Target>();
  result->machine = std::move(m.machine);
  std::string triple = m.triple, cpu = m.cpu, features = m.features;
  const llvm::MCSubtargetInfo &sti = *result->machine->getMCSubtargetInfo();
  TargetInfo &info = result->info;
  info.triple = triple;
  info.cpu = cpu;
  info.features = features;
  auto has = [&](const char *f) {
    return sti.checkFeatures(std::string("+") + f);
  };
  // The best instruction set of the catalogue the CPU has.
  for (const IsaEntry &e : isaEntries())
    if (!*e.feature || has(e.feature)) {
      info.vectorWidth = e.vectorWidth;
      info.vectorRegisters = e.vectorRegisters;
      break;
    }
  for (const char *f : RuntimeFeatures)
    if (has(f))
      result->requiredFeatures +=
          (result->requiredFeatures.empty() ? "" : ",") + std::string(f);
  return result;
}

std::string describeTarget(const Target &t) {
  const TargetInfo &i = t.info;
  const IsaEntry &isa = isaOfWidth(i.vectorWidth);
  return fmt::format("triple: {}\n"
                     "cpu: {}\n"
                     "vector-width: {} floats ({}-bit)\n"
                     "vector-registers: {}\n"
                     "register-tile: {}x{}\n"
                     "isa: {}\n"
                     "l1-bytes: {}\n"
                     "l2-bytes: {}\n"
                     "cpu-features: {}\n",
                     i.triple, i.cpu, i.vectorWidth, i.vectorWidth * 32,
                     i.vectorRegisters, isa.gemmMR, isa.gemmNR, isa.name,
                     i.l1Bytes, i.l2Bytes,
                     t.requiredFeatures);
}

} // namespace cnnc::cpu
