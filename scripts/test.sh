#!/usr/bin/env bash
# The whole test suite: set up, build, run every test with ctest.
# Extra arguments go to ctest (e.g. -R golden, -V).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
cd "$root/build"
ctest --output-on-failure -j"$(nproc)" "$@"
