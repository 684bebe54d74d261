#!/usr/bin/env bash
# The whole test suite: set up, build, run every test with ctest.
# Extra arguments go to ctest instead of the default "-LE slow", which leaves
# out the slow suites: ./scripts/test.sh -L slow runs just those.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
cd "$root/build"
if [ $# -eq 0 ]; then set -- -LE slow; fi
ctest --output-on-failure -j"$(nproc)" "$@"
