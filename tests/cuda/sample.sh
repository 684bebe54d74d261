#!/bin/bash
# A bundled sample compiled for CUDA:
#  - the .so: NVRTC cubins for sm_80 and sm_90 and PTX, and a descriptor that
#    needs nothing but libc (no CUDA library is linked);
#  - the PTX as a file, checked by ptxas for sm_90;
#  - the CUDA sources (--emit=cuda): one .cu per kernel of the manifest;
#  - loading it with cnnrun. With a GPU (libcuda loads and has a device) the
#    model runs and is checked against the reference interpreter; without
#    one, loading must fail with the runtime's "no CUDA driver/GPU" message,
#    and the script says the GPU run did not happen.
#
#   sample.sh BUILD_DIR SOURCE_DIR PTXAS NAME
set -euo pipefail
build=$1 src=$2 ptxas=$3 name=$4
tmp=$(mktemp -d /tmp/cnnc-cuda-sample-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cnnc="$build/tools/cnnc" cnnrun="$build/tools/cnnrun/cnnrun"
model="$src/samples/$name.ir"

"$cnnc" "$model" --target=cuda -o "$tmp/$name.so"
deps=$(readelf -d "$tmp/$name.so" | awk '/NEEDED/ { print $5 }')
for d in $deps; do
  case "$d" in
    "[libc.so."*) ;;
    *) echo "FAIL: $name.so depends on $d"; exit 1 ;;
  esac
done

"$cnnc" "$model" --target=cuda --emit=ptx -o "$tmp/$name.ptx"
"$ptxas" -arch=sm_90 "$tmp/$name.ptx" -o "$tmp/$name.cubin"

"$cnnc" "$model" --target=cuda --emit=cuda -o "$tmp/src"
kernels=$(grep -c '"file": "[0-9]*_.*\.cu"' "$tmp/src/manifest.json")
files=$(ls "$tmp/src"/*_*.cu | wc -l)
if [ "$kernels" -eq 0 ] || [ "$kernels" -ne "$files" ]; then
  echo "FAIL: manifest lists $kernels kernels, folder has $files .cu files"
  exit 1
fi

if "$cnnrun" "$tmp/$name.so" --check "$model" > "$tmp/run.log" 2>&1; then
  cat "$tmp/run.log"
  echo "$name: ran on the GPU and matches the interpreter"
elif grep -q -e "CUDA driver could not be loaded" -e "found no usable GPU" \
    -e "CUDA driver reports no GPU" "$tmp/run.log"; then
  echo "$name: compiled for CUDA; no CUDA driver or GPU here, so it did not" \
       "run (cnnrun said: $(head -c 300 "$tmp/run.log"))"
else
  cat "$tmp/run.log"
  exit 1
fi
