#!/usr/bin/env bash
# Coverage-guided fuzzing of every input format (tests/fuzz/):
#
#   ./scripts/fuzz.sh [SECONDS] [TARGET...]
#
# builds the fuzz targets with clang 14's libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer in build-fuzz/ (cnnc's libraries instrumented
# too), then runs each target (default: all) for SECONDS (default 60) from
# its seed corpus (tests/fuzz/corpus/NAME, read-only; what the run finds
# goes to build-fuzz/corpus/NAME) with its dictionary where there is one.
# Exits non-zero on any crash, hang (an input over 30 s), leak, out-of-memory
# or sanitizer report, and prints how to reproduce each; the last line
# sums up the runs and executions.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(ir onnx safetensors npy runtime compile)
build="$root/build-fuzz"

"$root/scripts/setup.sh" || exit 1
if [ ! -f "$build/build.ninja" ]; then
  flags="-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
  CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCNNC_LIBFUZZER=ON \
    "-DCMAKE_C_FLAGS=$flags" "-DCMAKE_CXX_FLAGS=$flags" \
    "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined -Wl,--as-needed" \
    "-DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=address,undefined -Wl,--as-needed" \
    "-DCMAKE_MODULE_LINKER_FLAGS=-fsanitize=address,undefined -Wl,--as-needed" >/dev/null || exit 1
fi
cmake --build "$build" --target "${targets[@]/#/fuzz-}" || exit 1

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0 total_runs=0 total_execs=0
for t in "${targets[@]}"; do
  bin="$build/tests/fuzz/fuzz-$t"
  seeds="$root/tests/fuzz/corpus/$t"
  found="$build/corpus/$t"
  artifacts="$build/artifacts/$t"
  mkdir -p "$found" "$artifacts"
  dict=()
  [ -f "$root/tests/fuzz/$t.dict" ] && dict=("-dict=$root/tests/fuzz/$t.dict")
  log="$build/fuzz-$t.log"
  "$bin" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" \
    "$found" "$seeds" >"$log" 2>&1
  status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  execs=${execs:-0}
  total_execs=$((total_execs + execs))
  total_runs=$((total_runs + 1))
  if [ $status -ne 0 ]; then
    failed=$((failed + 1))
    echo "fuzz-$t: FAILED after $execs executions (exit $status); the report:"
    grep -E "ERROR|SUMMARY|runtime error|Test unit written|==[0-9]+==" "$log" | head -20 | sed 's/^/  /'
    for a in "$artifacts"/*; do
      [ -f "$a" ] && echo "  reproduce: $bin $a"
    done
    echo "  full log: $log"
  else
    echo "fuzz-$t: $execs executions in ${seconds} s, no failure ($(ls "$found" | wc -l) new corpus inputs in $found)"
  fi
done
echo "fuzz: $total_runs targets, $total_execs executions, $failed failed"
[ $failed -eq 0 ]
