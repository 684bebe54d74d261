#!/usr/bin/env bash
# Installs what cnnc needs to build and test, from Debian's packages.
# Idempotent, and quiet when nothing is missing.
set -euo pipefail

packages=(
  cmake ninja-build g++ python3
  llvm-14-dev llvm-14-tools clang-14 lld-14   # LLVM, FileCheck, not, lit
  libclang-rt-14-dev                          # libFuzzer, sanitizers (fuzz.sh)
  libfmt-dev doctest-dev nlohmann-json3-dev
  libonnx-dev libprotobuf-dev protobuf-compiler     # the ONNX importer
  libonnx-testdata                                  # ONNX's own node tests
  python3-torch python3-torchvision python3-numpy   # networks exported to ONNX
  python3-pytest python3-onnx python3-pil           # the Python package's tests
  binutils                                          # readelf, nm (tests)
  python3-venv                                      # bench/peers.py's peers
  zlib1g-dev libzstd-dev libedit-dev libxml2-dev libffi-dev libncurses-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! { $sudo apt-get update -qq && \
       $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "setup: installing ${missing[*]} failed" >&2
  exit 1
fi
rm -f "$log"
echo "setup: done"
