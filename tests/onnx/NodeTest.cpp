//===- NodeTest.cpp - ONNX's backend node tests through cnnc --------------===//
//
// cnnc-onnx-node-test [--filter SUBSTR] [--jobs N] [--timeout S]
//                     [--list-skipped] [--verbose] PATH...
//
// PATH is a folder of node tests (e.g. /usr/share/libonnx-testdata/data/
// node) or one test folder (holding model.onnx). Every test runs in its own
// child process, so a crash or a hang fails that test alone. Prints one line
// per failing test with the reason (and every detail with --verbose), the
// tests left out grouped by reason with --list-skipped, then
// `N passed, M failed, K left out`. Exit status 1 when any test fails.
//
//===----------------------------------------------------------------------===//
#include "tests/onnx/NodeCase.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace cnnc::nodetest;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string filter;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  int timeoutS = 120;
  bool listSkipped = false;
  bool verbose = false;
  std::vector<fs::path> tests;
};

/// Adds `p` (a test folder, or a folder of them); false when it is neither.
bool addPath(const fs::path &p, std::vector<fs::path> &tests) {
  if (fs::exists(p / "model.onnx")) {
    tests.push_back(p);
    return true;
  }
  if (!fs::is_directory(p))
    return false;
  for (const auto &e : fs::directory_iterator(p))
    if (fs::exists(e.path() / "model.onnx"))
      tests.push_back(e.path());
  return true;
}

bool parseArgs(int argc, char **argv, Options &o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool hasValue = i + 1 < argc;
    if (a == "--filter" && hasValue)
      o.filter = argv[++i];
    else if (a == "--jobs" && hasValue)
      o.jobs = unsigned(std::max(1, std::atoi(argv[++i])));
    else if (a == "--timeout" && hasValue)
      o.timeoutS = std::max(1, std::atoi(argv[++i]));
    else if (a == "--list-skipped")
      o.listSkipped = true;
    else if (a == "--verbose")
      o.verbose = true;
    else if (!addPath(a, o.tests)) {
      fmt::print(stderr,
                 "cnnc-onnx-node-test: error: '{}' is not a node "
                 "test folder or a folder of them\n",
                 a);
      return false;
    }
  }
  std::sort(o.tests.begin(), o.tests.end());
  std::erase_if(o.tests, [&](const fs::path &p) {
    return p.filename().string().find(o.filter) == std::string::npos;
  });
  return true;
}

/// In the child: runs the test and writes its result to `file` as the
/// outcome's letter, the reason line, then the details.
[[noreturn]] void runChild(const fs::path &test, const fs::path &tmpDir,
                           const fs::path &file) {
  CaseResult r = runNodeTest(test.string(), tmpDir.string());
  char letter = r.outcome == Outcome::Passed    ? 'P'
                : r.outcome == Outcome::LeftOut ? 'L'
                                                : 'F';
  std::ofstream out(file, std::ios::binary);
  out << letter << r.reason << '\n' << r.details;
  out.close();
  _exit(out ? 0 : 3);
}

/// The result a finished child left, or why there is none.
CaseResult childResult(int status, const fs::path &file) {
  if (WIFSIGNALED(status))
    return {Outcome::Failed,
            fmt::format("crashed ({})", strsignal(WTERMSIG(status))), ""};
  std::ifstream in(file, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || text.empty())
    return {Outcome::Failed, "the test process left no result", ""};
  size_t nl = text.find('\n');
  CaseResult r;
  r.outcome = text[0] == 'P'   ? Outcome::Passed
              : text[0] == 'L' ? Outcome::LeftOut
                               : Outcome::Failed;
  r.reason = text.substr(1, nl - 1);
  r.details = nl == std::string::npos ? "" : text.substr(nl + 1);
  return r;
}

struct Child {
  size_t index;
  Clock::time_point start;
  bool timedOut = false;
};

/// Runs every test in a child process, at most `o.jobs` at a time.
std::vector<CaseResult> runAll(const Options &o, const fs::path &tmpDir) {
  std::vector<CaseResult> results(o.tests.size());
  std::map<pid_t, Child> running;
  size_t next = 0;
  auto resultFile = [&](size_t i) { return tmpDir / fmt::format("{}.r", i); };
  while (next < o.tests.size() || !running.empty()) {
    while (next < o.tests.size() && running.size() < o.jobs) {
      std::fflush(stdout);
      pid_t pid = fork();
      if (pid == 0)
        runChild(o.tests[next], tmpDir, resultFile(next));
      if (pid < 0) {
        results[next++] = {Outcome::Failed, "cannot fork", ""};
        continue;
      }
      running[pid] = {next++, Clock::now(), false};
    }
    int status = 0;
    pid_t done = waitpid(-1, &status, WNOHANG);
    if (done > 0 && running.count(done)) {
      const Child &c = running[done];
      if (!c.timedOut)
        results[c.index] = childResult(status, resultFile(c.index));
      running.erase(done);
      continue;
    }
    for (auto &[pid, c] : running)
      if (!c.timedOut &&
          Clock::now() - c.start > std::chrono::seconds(o.timeoutS)) {
        kill(pid, SIGKILL);
        results[c.index] = {Outcome::Failed,
                            fmt::format("timed out after {} s", o.timeoutS),
                            ""};
        c.timedOut = true;
      }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return results;
}

} // namespace

int main(int argc, char **argv) {
  Options o;
  if (!parseArgs(argc, argv, o))
    return 2;
  if (o.tests.empty()) {
    fmt::print("no node tests\n0 passed, 1 failed, 0 left out\n");
    return 1;
  }
  char tmpl[] = "/tmp/cnnc-onnx-node-test-XXXXXX";
  if (!mkdtemp(tmpl)) {
    fmt::print(stderr, "cnnc-onnx-node-test: error: cannot create a "
                       "temporary folder\n");
    return 1;
  }
  std::vector<CaseResult> results = runAll(o, tmpl);
  fs::remove_all(tmpl);

  int passed = 0, failed = 0, leftOut = 0;
  std::map<std::string, std::vector<std::string>> byReason;
  for (size_t i = 0; i < results.size(); ++i) {
    const CaseResult &r = results[i];
    std::string name = o.tests[i].filename().string();
    if (r.outcome == Outcome::Passed) {
      ++passed;
    } else if (r.outcome == Outcome::LeftOut) {
      ++leftOut;
      byReason[r.reason].push_back(name);
    } else {
      ++failed;
      fmt::print("FAIL {}: {}\n{}", name, r.reason, o.verbose ? r.details : "");
    }
  }
  if (o.listSkipped)
    for (const auto &[reason, names] : byReason)
      fmt::print("left out, {} ({}): {}\n", reason, names.size(),
                 fmt::join(names, " "));
  fmt::print("{} passed, {} failed, {} left out\n", passed, failed, leftOut);
  return failed ? 1 : 0;
}
