"""Whole-network golden outputs: torchvision vs. cnnc's samples.

For each sample that mirrors a torchvision model, this script regenerates
the sample's `random(seed)` weights exactly as cnnc does (splitmix64 of
seed * 2^32 + index, top 24 bits, scaled to the range), loads them into the
torchvision model by name (the samples name every const after the
state_dict key), runs the model in float64 on cnnc's seeded random input (randomInputs with
seed 0), and writes `NAME.expected.npy` next to this script. The unit test
tests/unit/NetworksTest.cpp runs the same sample in cnnc's reference
interpreter on the same input and compares.

Run from the repository root with Debian's Python (torch, torchvision):
    /usr/bin/python3 tests/networks/gen_networks.py
"""
import math
import os
import re
import sys

import numpy as np
import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.join(HERE, "..", "..", "samples")
MASK = (1 << 64) - 1

CONST_RE = re.compile(
    r"^\s*%(\S+)\s*=\s*const\s+random\((\d+)(?:,\s*([-\d.e+]+),\s*([-\d.e+]+))?\)"
    r"\s*:\s*f32\[([\d,]*)\]")


def splitmix_uniform(seed, count):
    """cnnc's randomUniform01(seed, i) for i in [0, count), as float64."""
    idx = np.arange(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = (np.uint64((seed << 32) & MASK) + idx
             + np.uint64(0x9E3779B97F4A7C15))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(40)).astype(np.float64) / 16777216.0


def random_tensor(seed, lo, hi, shape):
    """The f32 values of `const random(seed[, lo, hi]) : f32[shape]`."""
    if lo is None:
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        b = 1.0 / math.sqrt(max(fan_in, 1))
        lo, hi = -b, b
    u = splitmix_uniform(seed, int(np.prod(shape)) if shape else 1)
    return (lo + (hi - lo) * u).astype(np.float32).reshape(shape)


def sample_weights(name):
    """Maps each const of samples/NAME.ir to its f32 data."""
    weights = {}
    with open(os.path.join(SAMPLES, name + ".ir")) as f:
        for line in f:
            m = CONST_RE.match(line)
            if not m:
                continue
            key, seed, lo, hi, dims = m.groups()
            shape = [int(d) for d in dims.split(",")] if dims else []
            weights[key] = random_tensor(
                int(seed), float(lo) if lo else None,
                float(hi) if hi else None, shape)
    return weights


def input_tensor(shape, seed):
    """cnnc's randomInputs for one input: 2*u - 1 with seed `seed`."""
    u = splitmix_uniform(seed, int(np.prod(shape))).astype(np.float32)
    return (np.float32(2.0) * u - np.float32(1.0)).reshape(shape)


def write_npy(path, array):
    np.save(path, np.ascontiguousarray(array, dtype=np.float32))


def generate(name, model, input_shape):
    weights = sample_weights(name)
    state = model.state_dict()
    missing = [k for k in state if k not in weights
               and not k.endswith("num_batches_tracked")]
    extra = [k for k in weights if k not in state]
    if missing or extra:
        sys.exit(f"{name}: state_dict keys without a const: {missing[:5]}; "
                 f"consts without a key: {extra[:5]}")
    for k, v in weights.items():
        if tuple(state[k].shape) != v.shape:
            sys.exit(f"{name}: {k} is {tuple(state[k].shape)} in torchvision, "
                     f"{v.shape} in the sample")
        state[k] = torch.from_numpy(v.astype(np.float64))
    model = model.double()
    model.load_state_dict(state)
    model.eval()
    x = input_tensor(input_shape, 0)
    with torch.no_grad():
        y = model(torch.from_numpy(x.astype(np.float64))).numpy()
    write_npy(os.path.join(HERE, name + ".expected.npy"), y)
    print(f"{name}: output {y.shape}, range [{y.min():.4g}, {y.max():.4g}]")


def main():
    torch.manual_seed(0)
    tv = torchvision.models
    generate("alexnet", tv.alexnet(), (1, 3, 224, 224))
    generate("resnet18", tv.resnet18(), (1, 3, 224, 224))
    generate("mobilenet_v2", tv.mobilenet_v2(), (1, 3, 224, 224))
    generate("vgg16", tv.vgg16(), (1, 3, 224, 224))


if __name__ == "__main__":
    main()
