//===- Profile.cpp - cnnrun --profile: where the time goes ----------------===//
//
// A model compiled with `cnnc --profile` adds each kernel call's elapsed
// time to an array the caller passes (cnnc_exec_ctx.profile_seconds); its
// descriptor names every call (node and fused ops, library kernel, source
// location, FLOPs). This file runs such a model and prints one row per
// kernel, slowest first: total and mean time, share, GFLOP/s. A CUDA
// model's entries are its launches, timed with CUDA events.
//
//===----------------------------------------------------------------------===//
#include "tools/cnnrun/Runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>

namespace cnnc {

namespace {

/// The calls of one (name, library kernel) pair, summed over the runs.
struct Row {
  std::string name;
  std::string kernel;
  std::string source;
  int64_t calls = 0;
  double seconds = 0;
  double flops = 0;
};

/// Groups the profile entries by name and kernel, in first-call order.
std::vector<Row> gatherRows(const cnnc_model_desc &d,
                            const std::vector<double> &seconds, int64_t runs) {
  std::vector<Row> rows;
  std::map<std::pair<std::string, std::string>, size_t> index;
  for (int32_t i = 0; i < d.num_profile_entries; ++i) {
    const cnnc_profile_entry &e = d.profile_entries[i];
    auto key = std::make_pair(std::string(e.name), std::string(e.kernel));
    auto [it, fresh] = index.emplace(key, rows.size());
    if (fresh)
      rows.push_back(Row{e.name, e.kernel, e.source, 0, 0, 0});
    Row &r = rows[it->second];
    r.calls += runs;
    r.seconds += seconds[size_t(i)];
    r.flops += double(e.flops) * double(runs);
  }
  return rows;
}

std::string gflopsStr(double flops, double seconds) {
  if (flops <= 0 || seconds <= 0)
    return "-";
  return fmt::format("{:.2f}", flops / seconds * 1e-9);
}

std::string formatTable(std::vector<Row> rows, int64_t runs,
                        const std::string &where, int32_t entries,
                        double wallSeconds) {
  std::stable_sort(rows.begin(), rows.end(), [](const Row &a, const Row &b) {
    return a.seconds > b.seconds;
  });
  double total = 0, flops = 0;
  int64_t calls = 0;
  for (const Row &r : rows) {
    total += r.seconds;
    flops += r.flops;
    calls += r.calls;
  }
  std::string t = fmt::format(
      "# profile: {} run{} on {}, {} kernel call{} per run: kernels "
      "{:.3f} ms of {:.3f} ms per run\n",
      runs, runs == 1 ? "" : "s", where, entries, entries == 1 ? "" : "s",
      total * 1e3 / double(runs), wallSeconds * 1e3 / double(runs));
  t += fmt::format("{:>4} {:>11} {:>7} {:>7} {:>11} {:>9}  {:<18} {}\n", "#",
                   "total ms", "share", "calls", "mean us", "GFLOP/s", "kernel",
                   "name (source)");
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row &r = rows[i];
    t += fmt::format(
        "{:>4} {:>11.4f} {:>6.1f}% {:>7} {:>11.2f} {:>9}  {:<18} {}{}\n", i + 1,
        r.seconds * 1e3, total > 0 ? 100 * r.seconds / total : 0.0, r.calls,
        r.seconds * 1e6 / double(r.calls), gflopsStr(r.flops, r.seconds),
        r.kernel, r.name, r.source.empty() ? "" : " (" + r.source + ")");
  }
  t += fmt::format("{:>4} {:>11.4f} {:>6.1f}% {:>7} {:>11} {:>9}  {:<18} {}\n",
                   "", total * 1e3, 100.0, calls, "", gflopsStr(flops, total),
                   "", "total");
  return t;
}

} // namespace

bool profileModel(const cnnrt_model *m, int64_t runs, const std::string &where,
                  const std::function<cnnrt_status(double *)> &run,
                  DiagEngine &diag, std::string &report) {
  const cnnc_model_desc &d = *cnnrt_model_desc(m);
  if (d.num_profile_entries == 0) {
    diag.error(SourceLoc{},
               "model '{}' was compiled without profiling; "
               "recompile it with cnnc --profile",
               d.name);
    return false;
  }
  std::vector<double> seconds(size_t(d.num_profile_entries), 0.0);
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < runs; ++i)
    if (cnnrt_status s = run(seconds.data()); s != CNNRT_OK) {
      diag.error(SourceLoc{}, "{}", cnnrt_last_error());
      return false;
    }
  double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  report += formatTable(gatherRows(d, seconds, runs), runs, where,
                        d.num_profile_entries, wall);
  return true;
}

} // namespace cnnc
