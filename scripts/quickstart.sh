#!/usr/bin/env bash
# The main job on a bundled sample: set up, build, compile ResNet-18 ahead
# of time into a self-contained shared object, then run it with cnnrun:
# its top-5 classes on a seeded random image, a check against the reference
# interpreter, and its latency.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh" >/dev/null
cnnc="$root/build/tools/cnnc"
cnnrun="$root/build/tools/cnnrun/cnnrun"
mkdir -p "$root/out"
echo "== cnnc samples/resnet18.ir -o out/resnet18.so"
"$cnnc" "$root/samples/resnet18.ir" -o "$root/out/resnet18.so" --time-stages 2>&1 |
  grep -v 'warning: conv stride'
echo
echo "== cnnrun out/resnet18.so --check samples/resnet18.ir --bench 20"
"$cnnrun" "$root/out/resnet18.so" --check "$root/samples/resnet18.ir" \
  --bench 20 2>&1 | grep -v 'warning: conv stride'
