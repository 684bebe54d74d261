//===- Nvrtc.cpp - CUDA C to cubin and PTX with NVRTC --------------------===//
#include "compiler/cuda/Nvrtc.h"

#include "compiler/cuda/Library.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

#ifdef CNNC_HAVE_NVRTC
#include <nvrtc.h>
#endif

namespace cnnc::cuda {

namespace fs = std::filesystem;

#ifdef CNNC_HAVE_NVRTC

bool haveNvrtc() { return true; }

std::string nvrtcVersion() {
  int major = 0, minor = 0;
  if (::nvrtcVersion(&major, &minor) != NVRTC_SUCCESS)
    return "unknown";
  return fmt::format("{}.{}", major, minor);
}

namespace {

/// The options every compile uses besides the architecture: C++17, IEEE
/// float (no fast math: results are compared with the interpreter).
const std::vector<std::string> &baseOptions() {
  static const std::vector<std::string> opts = {"-std=c++17",
                                                "--fmad=true"};
  return opts;
}

//===--- The cache --------------------------------------------------------===//

uint64_t fnv1a(std::string_view s, uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

/// The cache folder, or "" when caching is off or there is no home.
fs::path cacheDir() {
  if (const char *d = std::getenv("CNNC_CACHE_DIR")) {
    std::string v(d);
    if (v == "off" || v == "0" || v.empty())
      return {};
    return fs::path(v) / "cuda";
  }
  if (const char *x = std::getenv("XDG_CACHE_HOME"); x && *x)
    return fs::path(x) / "cnnc" / "cuda";
  if (const char *h = std::getenv("HOME"); h && *h)
    return fs::path(h) / ".cache" / "cnnc" / "cuda";
  return {};
}

/// 128 bits of hash over everything that decides the output.
std::string cacheKey(const std::string &text, const std::string &arch,
                     bool ptx) {
  std::string all = nvrtcVersion() + "\n" + arch + (ptx ? "ptx\n" : "\n");
  for (const std::string &o : baseOptions())
    all += o + "\n";
  for (const LibraryFile &f : libraryFiles())
    all += f.name + "\n" + std::string(f.text);
  all += text;
  return fmt::format("{:016x}{:016x}", fnv1a(all, 0xcbf29ce484222325ull),
                     fnv1a(all, 0x84222325cbf29ce4ull));
}

bool readCache(const fs::path &file, std::string &data) {
  std::ifstream is(file, std::ios::binary);
  if (!is)
    return false;
  std::ostringstream ss;
  ss << is.rdbuf();
  data = ss.str();
  return bool(is) && !data.empty();
}

void writeCache(const fs::path &file, const std::string &data) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  fs::path tmp = file;
  tmp += fmt::format(".tmp{}.{}", getpid(),
                     std::hash<std::thread::id>()(std::this_thread::get_id()));
  {
    std::ofstream os(tmp, std::ios::binary);
    os.write(data.data(), std::streamsize(data.size()));
    if (!os) {
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::rename(tmp, file, ec);
  if (ec)
    fs::remove(tmp, ec);
}

//===--- One NVRTC compile ------------------------------------------------===//

struct Job {
  int arch = 0;
  bool wantPtx = false;
  std::string cubin, ptx, error;
  int hits = 0;
};

void compileOne(const std::string &text, Job &job) {
  std::string sm = fmt::format("sm_{}", job.arch);
  fs::path dir = cacheDir();
  fs::path cubinFile, ptxFile;
  if (!dir.empty()) {
    cubinFile = dir / (cacheKey(text, sm, false) + ".cubin");
    ptxFile = dir / (cacheKey(text, sm, true) + ".ptx");
    if (readCache(cubinFile, job.cubin) &&
        (!job.wantPtx || readCache(ptxFile, job.ptx))) {
      job.hits = job.wantPtx ? 2 : 1;
      return;
    }
  }
  const std::vector<LibraryFile> &lib = libraryFiles();
  std::vector<std::string> texts;
  std::vector<const char *> headers, names;
  for (const LibraryFile &f : lib) {
    texts.emplace_back(f.text);
    names.push_back(f.name.c_str());
  }
  for (const std::string &t : texts)
    headers.push_back(t.c_str());
  nvrtcProgram prog;
  nvrtcResult r =
      nvrtcCreateProgram(&prog, text.c_str(), "model.cu", int(headers.size()),
                         headers.data(), names.data());
  if (r != NVRTC_SUCCESS) {
    job.error = nvrtcGetErrorString(r);
    return;
  }
  std::string archOpt = "--gpu-architecture=" + sm;
  std::vector<const char *> opts = {archOpt.c_str()};
  for (const std::string &o : baseOptions())
    opts.push_back(o.c_str());
  r = nvrtcCompileProgram(prog, int(opts.size()), opts.data());
  if (r != NVRTC_SUCCESS) {
    size_t n = 0;
    nvrtcGetProgramLogSize(prog, &n);
    std::string log(n, '\0');
    nvrtcGetProgramLog(prog, log.data());
    while (!log.empty() && (log.back() == '\0' || log.back() == '\n'))
      log.pop_back();
    job.error = fmt::format("{} for {}:\n{}", nvrtcGetErrorString(r), sm, log);
    nvrtcDestroyProgram(&prog);
    return;
  }
  size_t n = 0;
  nvrtcGetCUBINSize(prog, &n);
  job.cubin.resize(n);
  nvrtcGetCUBIN(prog, job.cubin.data());
  if (job.wantPtx) {
    nvrtcGetPTXSize(prog, &n); // includes the terminating NUL
    job.ptx.resize(n);
    nvrtcGetPTX(prog, job.ptx.data());
  }
  nvrtcDestroyProgram(&prog);
  if (!dir.empty()) {
    writeCache(cubinFile, job.cubin);
    if (job.wantPtx)
      writeCache(ptxFile, job.ptx);
  }
}

} // namespace

bool compileWithNvrtc(const std::string &text, const std::vector<int> &archs,
                      NvrtcResult &result, std::string &error) {
  if (archs.empty()) {
    error = "no GPU architecture to compile for";
    return false;
  }
  std::vector<Job> jobs(archs.size());
  size_t newest = 0;
  for (size_t i = 0; i < archs.size(); ++i) {
    jobs[i].arch = archs[i];
    if (archs[i] > archs[newest])
      newest = i;
  }
  jobs[newest].wantPtx = true;
  std::vector<std::thread> threads;
  for (size_t i = 1; i < jobs.size(); ++i)
    threads.emplace_back([&text, &job = jobs[i]] { compileOne(text, job); });
  compileOne(text, jobs[0]);
  for (std::thread &t : threads)
    t.join();
  result = NvrtcResult();
  for (const Job &j : jobs) {
    if (!j.error.empty()) {
      error = j.error;
      return false;
    }
    result.images.push_back({fmt::format("sm_{}", j.arch), false, j.cubin});
    result.cacheHits += j.hits;
  }
  const Job &p = jobs[newest];
  result.images.push_back({fmt::format("compute_{}", p.arch), true, p.ptx});
  return true;
}

#else // !CNNC_HAVE_NVRTC

bool haveNvrtc() { return false; }
std::string nvrtcVersion() { return "none"; }

bool compileWithNvrtc(const std::string &, const std::vector<int> &,
                      NvrtcResult &, std::string &error) {
  error = "this cnnc was built without NVRTC (no CUDA toolkit found at "
          "build time): it can write CUDA sources (--emit=cuda) but not "
          "compile them";
  return false;
}

#endif

} // namespace cnnc::cuda
