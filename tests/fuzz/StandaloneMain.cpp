//===- StandaloneMain.cpp - run a fuzz target without libFuzzer -----------===//
//
// The main of the fuzz targets in the normal build (any compiler, no
// coverage feedback), for ctest's short fuzz runs:
//
//   fuzz-NAME [-max_total_time=S] [-runs=N] [-seed=K] CORPUS...
//
// runs every file of the corpus folders (and files) given, then mutations
// of them (bit flips, byte changes, insertions, erasures, duplicated and
// spliced chunks, interesting values) until S seconds (default 3) or N
// mutated runs are done. The flags are spelt as libFuzzer's, so the same
// command line serves both builds. On a crash, an abort or an input taking
// over 60 s, the input is written to crash-NAME-PID (in the current
// folder) before the process dies, and its path is printed: rerun the
// target with that file to reproduce.
//
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int *argc,
                                                          char ***argv);

namespace {

// The input being run, for the signal handler (written with write(2)).
const uint8_t *CurrentData = nullptr;
size_t CurrentSize = 0;
char CrashPath[256];

void onCrash(int sig) {
  int fd = ::open(CrashPath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    if (CurrentSize)
      (void)!::write(fd, CurrentData, CurrentSize);
    ::close(fd);
  }
  const char *msg = "\nfuzz: the input that failed was written to ";
  (void)!::write(2, msg, std::strlen(msg));
  (void)!::write(2, CrashPath, std::strlen(CrashPath));
  (void)!::write(2, "\n", 1);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void runOne(const std::vector<uint8_t> &in) {
  CurrentData = in.data();
  CurrentSize = in.size();
  alarm(60);
  LLVMFuzzerTestOneInput(in.empty() ? nullptr : in.data(), in.size());
  alarm(0);
}

std::vector<uint8_t> readFile(const std::filesystem::path &p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

const uint8_t Interesting[] = {0,   1,   0x7f, 0x80, 0xff, '0', '9', '-',
                               '[', ']', '{',  '}',  ',',  '"', ' ', '\n'};

void mutate(std::vector<uint8_t> &v,
            const std::vector<std::vector<uint8_t>> &corpus,
            std::mt19937_64 &rng) {
  auto pick = [&](size_t n) { return size_t(rng() % std::max<size_t>(n, 1)); };
  int edits = 1 + int(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    switch (rng() % 7) {
    case 0: // flip a bit
      if (!v.empty())
        v[pick(v.size())] ^= uint8_t(1u << (rng() % 8));
      break;
    case 1: // a random or interesting byte
      if (!v.empty())
        v[pick(v.size())] =
            rng() % 2 ? uint8_t(rng()) : Interesting[pick(sizeof Interesting)];
      break;
    case 2: // insert
      v.insert(v.begin() + std::ptrdiff_t(pick(v.size() + 1)),
               Interesting[pick(sizeof Interesting)]);
      break;
    case 3: // erase a chunk
      if (!v.empty()) {
        size_t at = pick(v.size()),
               n = 1 + pick(std::min<size_t>(16, v.size() - at));
        v.erase(v.begin() + std::ptrdiff_t(at),
                v.begin() + std::ptrdiff_t(at + n));
      }
      break;
    case 4: // duplicate a chunk
      if (!v.empty() && v.size() < (1u << 20)) {
        size_t at = pick(v.size()),
               n = 1 + pick(std::min<size_t>(64, v.size() - at));
        std::vector<uint8_t> chunk(v.begin() + std::ptrdiff_t(at),
                                   v.begin() + std::ptrdiff_t(at + n));
        v.insert(v.begin() + std::ptrdiff_t(pick(v.size() + 1)), chunk.begin(),
                 chunk.end());
      }
      break;
    case 5: // splice with another corpus entry
      if (!corpus.empty()) {
        const std::vector<uint8_t> &o = corpus[pick(corpus.size())];
        size_t cut = pick(v.size() + 1), from = pick(o.size() + 1);
        v.resize(cut);
        v.insert(v.end(), o.begin() + std::ptrdiff_t(from), o.end());
      }
      break;
    case 6: // truncate
      v.resize(pick(v.size() + 1));
      break;
    }
  }
}

} // namespace

int main(int argc, char **argv) {
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  double seconds = 3;
  long runs = -1;
  uint64_t seed = 1;
  std::vector<std::vector<uint8_t>> corpus;
  std::string name = std::filesystem::path(argv[0]).filename().string();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("-max_total_time=", 0) == 0)
      seconds = std::atof(a.c_str() + 16);
    else if (a.rfind("-runs=", 0) == 0)
      runs = std::atol(a.c_str() + 6);
    else if (a.rfind("-seed=", 0) == 0)
      seed = std::strtoull(a.c_str() + 6, nullptr, 10);
    else if (a[0] == '-')
      continue; // other libFuzzer flags mean nothing here
    else if (std::filesystem::is_directory(a)) {
      std::vector<std::filesystem::path> files;
      for (const auto &e : std::filesystem::directory_iterator(a))
        if (e.is_regular_file())
          files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const auto &f : files)
        corpus.push_back(readFile(f));
    } else {
      corpus.push_back(readFile(a));
    }
  }
  std::snprintf(CrashPath, sizeof CrashPath, "crash-%s-%d", name.c_str(),
                int(getpid()));
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE, SIGALRM})
    std::signal(sig, onCrash);

  auto t0 = std::chrono::steady_clock::now();
  for (const std::vector<uint8_t> &in : corpus)
    runOne(in);
  std::mt19937_64 rng(seed);
  long mutated = 0;
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
        .count();
  };
  while ((runs < 0 ? elapsed() < seconds : mutated < runs)) {
    std::vector<uint8_t> in =
        corpus.empty() ? std::vector<uint8_t>() : corpus[rng() % corpus.size()];
    mutate(in, corpus, rng);
    runOne(in);
    ++mutated;
  }
  std::printf("%s: %zu corpus inputs and %ld mutations run in %.1f s: no "
              "crash\n",
              name.c_str(), corpus.size(), mutated, elapsed());
  return 0;
}
