//===- CpuFeatures.cpp - What this CPU and OS can run -----------*- C++ -*-===//
//
// Detects x86 features with cpuid, and with xgetbv whether the OS saves the
// AVX, AVX-512 and AMX register state (a CPU feature the OS does not enable
// faults like a missing one). Names follow LLVM's spelling, the one the
// compiler writes in a model's `cpu_features`.
//
//===----------------------------------------------------------------------===//
#include "Internal.h"

#include <cstdlib>
#include <mutex>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif
#define CNNRT_X86 1
#endif

namespace cnnrt {

namespace {

/// Which register state a feature needs the OS to enable.
enum class OsState { None, Avx, Avx512, Amx };

/// Where cpuid reports a feature.
enum class Leaf { L1Ecx, L1Edx, L7Ebx, L7Ecx, L7Edx, L7S1Eax, Ext1Ecx };

struct FeatureInfo {
  const char *Name;
  Leaf Where;
  unsigned Bit;
  OsState State;
};

/// The runtime's feature table; bit i of a FeatureMask is entry i.
constexpr FeatureInfo Features[] = {
    {"sse2", Leaf::L1Edx, 26, OsState::None},
    {"sse3", Leaf::L1Ecx, 0, OsState::None},
    {"ssse3", Leaf::L1Ecx, 9, OsState::None},
    {"sse4.1", Leaf::L1Ecx, 19, OsState::None},
    {"sse4.2", Leaf::L1Ecx, 20, OsState::None},
    {"popcnt", Leaf::L1Ecx, 23, OsState::None},
    {"avx", Leaf::L1Ecx, 28, OsState::Avx},
    {"avx2", Leaf::L7Ebx, 5, OsState::Avx},
    {"fma", Leaf::L1Ecx, 12, OsState::Avx},
    {"f16c", Leaf::L1Ecx, 29, OsState::Avx},
    {"bmi", Leaf::L7Ebx, 3, OsState::None},
    {"bmi2", Leaf::L7Ebx, 8, OsState::None},
    {"lzcnt", Leaf::Ext1Ecx, 5, OsState::None},
    {"movbe", Leaf::L1Ecx, 22, OsState::None},
    {"avx512f", Leaf::L7Ebx, 16, OsState::Avx512},
    {"avx512cd", Leaf::L7Ebx, 28, OsState::Avx512},
    {"avx512bw", Leaf::L7Ebx, 30, OsState::Avx512},
    {"avx512dq", Leaf::L7Ebx, 17, OsState::Avx512},
    {"avx512vl", Leaf::L7Ebx, 31, OsState::Avx512},
    {"avx512vnni", Leaf::L7Ecx, 11, OsState::Avx512},
    {"avx512bf16", Leaf::L7S1Eax, 5, OsState::Avx512},
    {"avx512fp16", Leaf::L7Edx, 23, OsState::Avx512},
    {"avx512ifma", Leaf::L7Ebx, 21, OsState::Avx512},
    {"avx512vbmi", Leaf::L7Ecx, 1, OsState::Avx512},
    {"avx512vbmi2", Leaf::L7Ecx, 6, OsState::Avx512},
    {"avx512bitalg", Leaf::L7Ecx, 12, OsState::Avx512},
    {"avx512vpopcntdq", Leaf::L7Ecx, 14, OsState::Avx512},
    {"avxvnni", Leaf::L7S1Eax, 4, OsState::Avx},
    {"amx-tile", Leaf::L7Edx, 24, OsState::Amx},
    {"amx-int8", Leaf::L7Edx, 25, OsState::Amx},
    {"amx-bf16", Leaf::L7Edx, 22, OsState::Amx},
};
constexpr unsigned NumFeatures = sizeof(Features) / sizeof(Features[0]);
static_assert(NumFeatures <= 64, "a FeatureMask holds 64 features");

#ifdef CNNRT_X86
/// The cpuid registers the table reads.
struct CpuidWords {
  unsigned L1Ecx = 0, L1Edx = 0;
  unsigned L7Ebx = 0, L7Ecx = 0, L7Edx = 0, L7S1Eax = 0;
  unsigned Ext1Ecx = 0;
  uint64_t Xcr0 = 0;
};

uint64_t readXcr0() {
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t(hi) << 32) | lo;
}

CpuidWords readCpuid() {
  CpuidWords w;
  unsigned a, b, c, d;
  unsigned maxLeaf = __get_cpuid_max(0, nullptr);
  if (maxLeaf >= 1 && __get_cpuid(1, &a, &b, &c, &d)) {
    w.L1Ecx = c;
    w.L1Edx = d;
  }
  if (maxLeaf >= 7 && __get_cpuid_count(7, 0, &a, &b, &c, &d)) {
    w.L7Ebx = b;
    w.L7Ecx = c;
    w.L7Edx = d;
    if (a >= 1 && __get_cpuid_count(7, 1, &a, &b, &c, &d))
      w.L7S1Eax = a;
  }
  if (__get_cpuid_max(0x80000000u, nullptr) >= 0x80000001u &&
      __get_cpuid(0x80000001u, &a, &b, &c, &d))
    w.Ext1Ecx = c;
  constexpr unsigned OsXsave = 1u << 27;
  if (w.L1Ecx & OsXsave)
    w.Xcr0 = readXcr0();
  return w;
}

/// On Linux a process must ask for the AMX tile state before using it.
bool amxPermitted() {
#if defined(__linux__) && defined(SYS_arch_prctl)
  constexpr int ArchReqXcompPerm = 0x1023, XfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, ArchReqXcompPerm, XfeatureXtiledata) == 0;
#else
  return true;
#endif
}

bool osEnables(OsState s, uint64_t xcr0) {
  constexpr uint64_t Avx = 0x6, Avx512 = 0xe6, Amx = 0x60000;
  switch (s) {
  case OsState::None:
    return true;
  case OsState::Avx:
    return (xcr0 & Avx) == Avx;
  case OsState::Avx512:
    return (xcr0 & Avx512) == Avx512;
  case OsState::Amx:
    return (xcr0 & Amx) == Amx;
  }
  return false;
}

unsigned wordOf(const CpuidWords &w, Leaf l) {
  switch (l) {
  case Leaf::L1Ecx:
    return w.L1Ecx;
  case Leaf::L1Edx:
    return w.L1Edx;
  case Leaf::L7Ebx:
    return w.L7Ebx;
  case Leaf::L7Ecx:
    return w.L7Ecx;
  case Leaf::L7Edx:
    return w.L7Edx;
  case Leaf::L7S1Eax:
    return w.L7S1Eax;
  case Leaf::Ext1Ecx:
    return w.Ext1Ecx;
  }
  return 0;
}

FeatureMask detect() {
  CpuidWords w = readCpuid();
  FeatureMask mask = 0;
  for (unsigned i = 0; i < NumFeatures; ++i) {
    const FeatureInfo &f = Features[i];
    if ((wordOf(w, f.Where) >> f.Bit & 1) && osEnables(f.State, w.Xcr0))
      mask |= FeatureMask(1) << i;
  }
  FeatureMask amx =
      featureBit("amx-tile") | featureBit("amx-int8") | featureBit("amx-bf16");
  if ((mask & amx) && !amxPermitted())
    mask &= ~amx;
  return mask;
}
#else
FeatureMask detect() { return 0; }
#endif

/// The CPU does not change while the process runs: detect once.
FeatureMask detectedFeatures() {
  static std::once_flag once;
  static FeatureMask mask = 0;
  std::call_once(once, [] { mask = detect(); });
  return mask;
}

/// Features named in CNNRT_HIDE_CPU_FEATURES.
FeatureMask hiddenFeatures() {
  const char *env = std::getenv("CNNRT_HIDE_CPU_FEATURES");
  if (!env)
    return 0;
  FeatureMask mask = 0;
  std::string_view list(env);
  while (!list.empty()) {
    size_t comma = list.find(',');
    mask |= featureBit(list.substr(0, comma));
    list = comma == std::string_view::npos ? "" : list.substr(comma + 1);
  }
  return mask;
}

} // namespace

FeatureMask hostFeatures() { return detectedFeatures() & ~hiddenFeatures(); }

FeatureMask featureBit(std::string_view name) {
  while (!name.empty() && (name.front() == ' ' || name.front() == '+'))
    name.remove_prefix(1);
  while (!name.empty() && name.back() == ' ')
    name.remove_suffix(1);
  for (unsigned i = 0; i < NumFeatures; ++i)
    if (name == Features[i].Name)
      return FeatureMask(1) << i;
  return 0;
}

std::string featureNames(FeatureMask mask, std::string_view sep) {
  std::string s;
  for (unsigned i = 0; i < NumFeatures; ++i) {
    if (!(mask >> i & 1))
      continue;
    if (!s.empty())
      s += sep;
    s += Features[i].Name;
  }
  return s;
}

} // namespace cnnrt

const char *cnnrt_cpu_features(void) {
  static thread_local std::string text;
  try {
    text = cnnrt::featureNames(cnnrt::hostFeatures(), ",");
  } catch (...) {
    text.clear();
  }
  return text.c_str();
}
