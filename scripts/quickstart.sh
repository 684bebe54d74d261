#!/usr/bin/env bash
# The main job on a bundled sample: set up, build, then compile LeNet-5 and
# show its inferred IR, its summary and the reference interpreter's output.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh" >/dev/null
cnnc="$root/build/tools/cnnc"
model="$root/samples/lenet5.ir"
echo "== cnnc samples/lenet5.ir --emit=ir"
"$cnnc" "$model" --emit=ir
echo
echo "== cnnc samples/lenet5.ir --emit=summary"
"$cnnc" "$model" --emit=summary
echo
echo "== cnnc samples/lenet5.ir --interpret --output-dir out/lenet5"
"$cnnc" "$model" --interpret --output-dir "$root/out/lenet5"
