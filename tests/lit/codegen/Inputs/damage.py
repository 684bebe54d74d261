#!/usr/bin/env python3
"""damage.py IN OUT: copies a compiled damaged.ir to OUT with one byte of
its embedded weights changed (the first float, 1.03125, found by value)."""
import struct
import sys

data = bytearray(open(sys.argv[1], "rb").read())
first = struct.pack("<4f", 1.03125, 2.0625, 3.09375, 4.125)
at = data.find(first)
if at < 0 or data.find(first, at + 1) >= 0:
    sys.exit("damage.py: the weights are not in the file exactly once")
data[at + 2] ^= 0x40
open(sys.argv[2], "wb").write(data)
