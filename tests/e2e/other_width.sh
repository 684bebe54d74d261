#!/bin/sh
# Runs COMMAND with --target-cpu= the x86-64 level of the vector width the
# host's own code does not use, so both widths are tested on every host:
# x86-64-v3 (AVX2, 8 floats) where the host has AVX-512, else x86-64-v4
# (AVX-512, 16 floats; on a host without it the command compiles, verifies
# and links, and skips running with exit 77).
#
#   other_width.sh CNNC COMMAND [ARG...]
set -eu
cnnc=$1
shift
if "$cnnc" --print-target | grep -q '^vector-width: 16 '; then
  cpu=x86-64-v3
else
  cpu=x86-64-v4
fi
echo "other vector width: --target-cpu=$cpu"
exec "$@" "--target-cpu=$cpu"
