#!/usr/bin/env bash
# The whole test suite: set up, build, run every test with ctest.
# Extra arguments go to ctest (e.g. -R golden, -V).
# ctest does not show a skipped test's output, so the reason each skipped
# test gave (its line saying "skipped") is printed after the run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
cd "$root/build"
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
