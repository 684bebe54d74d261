#!/usr/bin/env bash
# The whole test suite: set up, build, run every test with ctest.
#
#   ./scripts/test.sh [--sanitize] [ctest arguments, e.g. -R golden -V]
#
# --sanitize builds cnnc, the runtime, the tools and the tests with
# AddressSanitizer and UndefinedBehaviorSanitizer (any report is fatal) in
# build-asan/ and runs the same suite there.
# ctest does not show a skipped test's output, so the reason each skipped
# test gave (its line saying "skipped") is printed after the run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = "--sanitize" ]; then
  shift
  "$root/scripts/setup.sh"
  build="$root/build-asan"
  if [ ! -f "$build/build.ninja" ]; then
    flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCNNC_SANITIZE=ON "-DCMAKE_C_FLAGS=$flags" "-DCMAKE_CXX_FLAGS=$flags" \
      "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined -Wl,--as-needed" \
      "-DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=address,undefined -Wl,--as-needed" \
      "-DCMAKE_MODULE_LINKER_FLAGS=-fsanitize=address,undefined -Wl,--as-needed" >/dev/null
  fi
  cmake --build "$build"
  # Leaks are checked too; a report of either sanitizer fails the test.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  cd "$build"
else
  "$root/scripts/build.sh"
  cd "$root/build"
fi
echo "CPU: $(grep -o 'avx512[a-z_0-9]*\|avx2\|amx[a-z_0-9]*' /proc/cpuinfo 2>/dev/null | sort -u | tr '\n' ' ')"
status=0
ctest --output-on-failure -j"$(nproc)" "$@" | tee ctest-output.txt ||
  status=${PIPESTATUS[0]}
log=Testing/Temporary/LastTest.log
skipped=$(sed -n 's/^[[:space:]]*[0-9]* - \(.*\) (Skipped)$/\1/p' ctest-output.txt)
if [ -n "$skipped" ] && [ -f "$log" ]; then
  echo "Why tests were skipped:"
  for t in $skipped; do
    awk -v t="$t" '/^[0-9]+\/[0-9]+ Test: / { name = $3 }
         name == t && /[Ss]kipped/ {
           print "  " t ": " (length($0) > 400 ? substr($0, 1, 400) "..." : $0)
           exit }' "$log"
  done
fi
rm -f ctest-output.txt
exit "$status"
