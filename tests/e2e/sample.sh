#!/bin/bash
# A bundled sample network, compiled to a shared object and checked against
# the reference interpreter with `cnnrun --check` (2 threads), after making
# sure the .so depends on nothing but libc and libm. Extra arguments go to
# cnnc (e.g. -O0: no graph passes, unoptimised LLVM; --target-cpu=...).
# When the runtime refuses the model because this CPU lacks features of its
# target, the model compiled, verified and linked but cannot run here: the
# test is skipped (exit 77) with the runtime's message.
#
#   sample.sh BUILD_DIR SOURCE_DIR NAME [CNNC_FLAG...]
set -euo pipefail
build=$1 src=$2 name=$3
shift 3
tmp=$(mktemp -d /tmp/cnnc-sample-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

"$build/tools/cnnc" "$src/samples/$name.ir" -o "$tmp/$name.so" "$@" 2>/dev/null
deps=$(readelf -d "$tmp/$name.so" | awk '/NEEDED/ { print $5 }')
for d in $deps; do
  case "$d" in
    "[libc.so."*|"[libm.so."*) ;;
    *) echo "FAIL: $name.so depends on $d"; exit 1 ;;
  esac
done
status=0
"$build/tools/cnnrun/cnnrun" "$tmp/$name.so" --threads 2 \
    --check "$src/samples/$name.ir" 2>"$tmp/stderr" || status=$?
if [ "$status" -ne 0 ]; then
  if grep -q 'needs CPU features this machine lacks' "$tmp/stderr"; then
    echo "skipped running: $name compiled ($*), verified and linked;" \
         "this CPU cannot run it: $(cat "$tmp/stderr")"
    exit 77
  fi
  cat "$tmp/stderr" >&2
  exit "$status"
fi
