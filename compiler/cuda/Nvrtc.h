//===- Nvrtc.h - CUDA C to cubin and PTX with NVRTC -------------*- C++ -*-===//
//
// Compiles a model's CUDA C program (compiler/cuda/Source.h) with NVRTC at
// model-compile time: a cubin for every architecture asked for, and PTX
// for the newest so that later GPUs can JIT it. The architectures compile
// in parallel, one NVRTC program each. Results are cached on disk by a
// hash of the program text, the options and NVRTC's version, so
// recompiling an unchanged model skips NVRTC.
//
// The cache lives in $CNNC_CACHE_DIR, else $XDG_CACHE_HOME/cnnc, else
// ~/.cache/cnnc (subfolder cuda/); CNNC_CACHE_DIR=off disables it. A cache
// that cannot be written is skipped silently.
//
// Without NVRTC at build time (CNNC_HAVE_NVRTC unset) every compile fails
// with a message saying so.
//
//===----------------------------------------------------------------------===//
#ifndef CNNC_COMPILER_CUDA_NVRTC_H
#define CNNC_COMPILER_CUDA_NVRTC_H

#include <string>
#include <vector>

namespace cnnc::cuda {

/// One compiled form of the program.
struct Image {
  std::string arch; ///< "sm_80" (cubin) or "compute_90" (PTX)
  bool isPtx = false;
  std::string data; ///< cubin bytes, or PTX text (NUL-terminated)
};

struct NvrtcResult {
  std::vector<Image> images; ///< cubins in `archs` order, then the PTX
  int cacheHits = 0;         ///< images read from the cache
};

/// Whether cnnc was built with NVRTC, and its version ("13.0").
bool haveNvrtc();
std::string nvrtcVersion();

/// Compiles `text` for compute capabilities `archs` (80 = sm_80). On
/// failure returns false with `error` holding NVRTC's log.
bool compileWithNvrtc(const std::string &text, const std::vector<int> &archs,
                      NvrtcResult &result, std::string &error);

} // namespace cnnc::cuda

#endif
