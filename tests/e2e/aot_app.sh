#!/bin/bash
# The AOT sample as a user builds it: install cnnc into a prefix, build
# samples/app as a separate CMake project against the installed package
# (two models linked in, no runtime library), classify the sample images,
# and compare each model's top-5 with the reference interpreter's on the
# same input tensor (saved by the app).
#
#   aot_app.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d /tmp/cnnc-aot-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$src/samples/app" -B "$tmp/app" -G Ninja \
      -DCMAKE_PREFIX_PATH="$tmp/prefix" >"$tmp/configure.log" ||
  { cat "$tmp/configure.log"; exit 1; }
if ! cmake --build "$tmp/app" >"$tmp/build.log" 2>&1; then
  cat "$tmp/build.log"; echo "FAIL: the AOT sample does not build"; exit 1
fi
# The application needs nothing of cnnc at run time.
if readelf -d "$tmp/app/classify" | grep -q cnnrt; then
  echo "FAIL: classify links libcnnrt"; exit 1
fi

# Top-5 lines: "  top-5: c (v) c (v) ..." -> compare classes exactly and
# scores within 1e-4 of the largest score.
compare() {
  awk -v a="$1" -v b="$2" 'BEGIN {
    sub(/^ +/, "", a); sub(/^ +/, "", b); sub(/[ )]+$/, "", a); sub(/[ )]+$/, "", b);
    na = split(a, x, /[ ()]+/); nb = split(b, y, /[ ()]+/);
    if (na != nb) { print "FAIL: top-5 lengths differ"; exit 1 }
    m = 0; for (i = 3; i <= na; i += 2) { v = x[i] < 0 ? -x[i] : x[i]; if (v > m) m = v }
    for (i = 2; i <= na; i += 2) if (x[i] != y[i]) { print "FAIL: classes differ"; exit 1 }
    for (i = 3; i <= na; i += 2) { d = x[i] - y[i]; if (d < 0) d = -d;
      if (d > 1e-4 * (m > 1 ? m : 1)) { print "FAIL: score", x[i], "vs", y[i]; exit 1 } }
  }'
}

for img in digit.pgm disc.ppm; do
  mkdir -p "$tmp/in"
  out=$("$tmp/app/classify" "$src/samples/app/images/$img" --save-inputs "$tmp/in")
  echo "$out"
  for model in lenet5 mobilenet_v2; do
    app=$(echo "$out" | grep -A1 "^$model " | grep "top-5:")
    ref=$("$build/tools/cnnc" "$src/samples/$model.ir" --interpret \
          --input "$tmp/in/$model.npy" 2>/dev/null | grep "top-5:")
    if [ -z "$app" ] || [ -z "$ref" ]; then
      echo "FAIL: $model on $img printed no top-5"; exit 1
    fi
    compare "$app" "$ref" || { echo "app: $app"; echo "ref: $ref"; exit 1; }
    echo "ok: $model on $img matches the interpreter"
  done
done
