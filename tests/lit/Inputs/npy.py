#!/usr/bin/env python3
"""Writes a float32 .npy file (standard library only), for lit RUN lines:

  python3 %inputs/npy.py OUT.npy SHAPE VALUE...
  python3 %inputs/npy.py %t.x.npy 1,1,3,3 1 2 3 4 5 6 7 8 9

SHAPE is comma-separated; the values are row-major and must fill it.
"""
import struct
import sys

out, shape = sys.argv[1], [int(d) for d in sys.argv[2].split(",") if d]
values = [float(v) for v in sys.argv[3:]]
count = 1
for d in shape:
    count *= d
if count != len(values):
    sys.exit("npy.py: shape %s needs %d values, got %d" % (shape, count, len(values)))
dims = "".join("%d," % d for d in shape) if len(shape) == 1 else ",".join(map(str, shape))
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % dims
header += " " * (-(10 + len(header) + 1) % 64) + "\n"
with open(out, "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    f.write(struct.pack("<%df" % len(values), *values))
