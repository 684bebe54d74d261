#!/usr/bin/env python3
"""Writes the binary inputs of the lit tests (standard library only).

Run from anywhere: python3 tests/lit/Inputs/make_inputs.py
The outputs are checked in; rerun this after changing it.

  weights.safetensors            a valid file: conv.w F32[2,1,2,2] (1..8),
                                 conv.b F32[2] (0.5, -0.5), half F16[2]
  bad-too-short.safetensors      4 bytes: no room for the 8-byte length
  bad-header-length.safetensors  header length 1000 in a 20-byte file
  bad-json.safetensors           header text that is not JSON
  bad-offsets.safetensors        data_offsets [0, 64] with 16 data bytes
  bad-size.safetensors           data_offsets cover 12 bytes, F32[4] needs 16
  nul-byte.ir                    IR text holding a NUL byte (a binary file)
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def safetensors(tensors):
    """tensors: list of (name, dtype, shape, raw bytes)."""
    header, data = {}, b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # align the data to 8 bytes
    return struct.pack("<Q", len(text)) + text + data


def raw_header(text, data=b""):
    return struct.pack("<Q", len(text)) + text + data


def f32(*values):
    return struct.pack("<%df" % len(values), *values)


FILES = {
    "weights.safetensors": safetensors([
        ("conv.w", "F32", [2, 1, 2, 2], f32(1, 2, 3, 4, 5, 6, 7, 8)),
        ("conv.b", "F32", [2], f32(0.5, -0.5)),
        ("half", "F16", [2], struct.pack("<2e", 1.0, 2.0)),
    ]),
    "bad-too-short.safetensors": b"\x10\x00\x00\x00",
    "bad-header-length.safetensors": struct.pack("<Q", 1000) + b"{}" + b" " * 10,
    "bad-json.safetensors": raw_header(b'{"w": {"dtype": "F32",'),
    "bad-offsets.safetensors": raw_header(
        b'{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,64]}}', f32(1, 2, 3, 4)),
    "bad-size.safetensors": raw_header(
        b'{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,12]}}', f32(1, 2, 3, 4)),
    "nul-byte.ir": b"graph g {\n  input %x : f32[4]\0\n  output %x\n}\n",
}

for name, content in FILES.items():
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(content)
