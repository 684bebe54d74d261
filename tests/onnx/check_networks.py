#!/usr/bin/python3
"""Compiles torchvision networks exported to ONNX with cnnc and compares
their output with PyTorch's.

    /usr/bin/python3 tests/onnx/check_networks.py --cnnc CNNC --cnnrun CNNRUN
        [--cache DIR] [--opset N] [--tmp DIR] [NETWORK...]

For each network (default: all of export_networks.NETWORKS; exported first
when not cached): `cnnc model.onnx -o net.so`, then `cnnrun net.so --input
input.npy --output out.npy`, and out.npy must match PyTorch's expected.npy
elementwise within |out - expected| <= 1e-5 scale + 1e-4 |expected|, where
scale = max |expected| (the tolerance follows the output's scale: random
weights leave some networks' logits near 1e-2, Inception v3's near 1e7).
Prints a table (network, opset, compile seconds, max abs error, max abs
error / scale, ok/FAIL) and exits 1 on any failure.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_networks  # noqa: E402

# |out - expected| <= ATOL_SCALE * max|expected| + RTOL * |expected|.
RTOL, ATOL_SCALE = 1e-4, 1e-5


def run(cmd):
    """Runs `cmd`; returns (ok, seconds, the tail of its output)."""
    start = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    tail = "\n".join(p.stdout.strip().splitlines()[-8:])
    return p.returncode == 0, time.monotonic() - start, tail


def compare(out_path, expected_path):
    """(ok, max abs error, max rel error, why) of an output file."""
    expected = np.load(expected_path)
    out = np.load(out_path)
    if out.shape != expected.shape:
        return False, np.nan, np.nan, (f"shape {list(out.shape)}, expected "
                                       f"{list(expected.shape)}")
    err = np.abs(out.astype(np.float64) - expected.astype(np.float64))
    scale = float(np.abs(expected).max()) if expected.size else 0.0
    ok = bool(np.all(np.isfinite(out)) and
              np.allclose(out, expected, rtol=RTOL, atol=ATOL_SCALE * scale))
    return ok, float(err.max()), float(err.max()) / max(scale, 1e-30), ""


def check(name, folder, tmp, cnnc, cnnrun):
    """One table row and, on failure, why."""
    so = os.path.join(tmp, f"{name}.so")
    out = os.path.join(tmp, f"{name}.out.npy")
    ok, seconds, log = run([cnnc, os.path.join(folder, "model.onnx"),
                            "-o", so])
    if not ok:
        return (name, seconds, np.nan, np.nan, False), "cnnc failed:\n" + log
    ran, _, log = run([cnnrun, so, "--input",
                       os.path.join(folder, "input.npy"), "--output", out])
    if not ran:
        return (name, seconds, np.nan, np.nan, False), "cnnrun failed:\n" + log
    ok, abs_err, rel_err, why = compare(out, os.path.join(folder,
                                                          "expected.npy"))
    if not ok and not why:
        why = f"outside rtol {RTOL}, atol {ATOL_SCALE} x the output's scale"
    return (name, seconds, abs_err, rel_err, ok), why


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("networks", nargs="*", metavar="NETWORK")
    p.add_argument("--cnnc", required=True, help="the cnnc binary")
    p.add_argument("--cnnrun", required=True, help="the cnnrun binary")
    p.add_argument("--cache", help="export cache (default: $CNNC_ONNX_CACHE "
                   "or ~/.cache/cnnc/onnx)")
    p.add_argument("--opset", type=int, help="export opset (default: each "
                   "network's own, export_networks.OPSETS)")
    p.add_argument("--tmp", help="folder for the compiled models (default: a "
                   "temporary one)")
    args = p.parse_args(argv)
    for n in args.networks:
        if n not in export_networks.NETWORKS:
            p.error(f"unknown network '{n}' (expected one of "
                    f"{' '.join(export_networks.NETWORKS)})")
    return args


def main(argv):
    args = parse_args(argv)
    names = args.networks or export_networks.NETWORKS
    folders = export_networks.ensure_exported(names, args.cache, args.opset)
    rows, failures = [], []
    with tempfile.TemporaryDirectory(prefix="cnnc-onnx-networks-") as t:
        for name in names:
            row, why = check(name, folders[name], args.tmp or t,
                             args.cnnc, args.cnnrun)
            rows.append(row)
            if not row[4]:
                failures.append(f"{name}: {why}")
    print(f"{'network':<26}{'opset':>6}{'compile s':>10}{'max abs err':>14}"
          f"{'err/scale':>12}  result")
    for name, seconds, abs_err, rel_err, ok in rows:
        opset = export_networks.opset_of(name, args.opset)
        print(f"{name:<26}{opset:>6}{seconds:>10.2f}{abs_err:>14.3e}"
              f"{rel_err:>12.3e}  {'ok' if ok else 'FAIL'}")
    for f in failures:
        print(f"FAIL {f}")
    print(f"{len(rows) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
