#!/usr/bin/python3
"""Regenerates the golden test cases of every cnnc op from PyTorch.

Run from anywhere (Debian's python3 with python3-torch, python3-torchvision
and python3-numpy):

    /usr/bin/python3 tests/golden/gen_golden.py

It deletes tests/golden/cases/ and writes, for every case NAME, NAME.ir (a
small graph in cnnc's text IR whose header comment gives the PyTorch
expression of the expectation) and NAME.safetensors (weights, `input:<v>`
for each graph input, `expected:<v>` for each graph output). The data is
seeded by the case name, so the output is the same on every run and adding
a case does not change the others. The C++ test cnnc-golden-test reads the
cases without PyTorch.

The cases live in golden_conv.py (sliding-window ops), golden_ops.py
(activations, normalisation, linear algebra, elementwise, softmax) and
golden_shape.py (data movement, resize, small networks).
"""

import shutil
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import golden_conv  # noqa: E402
import golden_ops  # noqa: E402
import golden_shape  # noqa: E402

CASES_DIR = Path(__file__).resolve().parent / "cases"
# Keeps the repository small; raise it deliberately, not by accident.
MAX_TOTAL_BYTES = 3 << 20


def main():
    torch.use_deterministic_algorithms(True)
    cases = golden_conv.all_cases() + golden_ops.all_cases() + \
        golden_shape.all_cases()
    names = [c.name for c in cases]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        sys.exit(f"duplicate case names: {', '.join(duplicates)}")
    shutil.rmtree(CASES_DIR, ignore_errors=True)
    CASES_DIR.mkdir(parents=True)
    for c in cases:
        c.write(CASES_DIR)
    total = sum(p.stat().st_size for p in CASES_DIR.iterdir())
    print(f"wrote {len(cases)} cases ({total / 1024:.0f} KiB) to {CASES_DIR}")
    if total > MAX_TOTAL_BYTES:
        sys.exit(f"the cases take {total} bytes, over {MAX_TOTAL_BYTES}")


if __name__ == "__main__":
    main()
