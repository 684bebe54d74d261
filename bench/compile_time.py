#!/usr/bin/python3
"""Compile time of cnnc next to iree-compile, same ONNX files, one run.

    /usr/bin/python3 bench/compile_time.py [--models resnet18,...]
        [--runs 3] [--jobs N] [--build build] [--no-iree]

For each model (the torchvision networks of bench/peers.py, exported by
Debian's PyTorch, batch 1, opset 13) this times, cold and in turns:
  - cnnc: ONNX to .so with default options (wall time, peak memory of the
    process tree), with its --time-stages breakdown of the fastest run;
  - iree-compile (IREE from PyPI): the same ONNX file imported once with
    iree-import-onnx (not timed), then compiled for the host CPU
    (llvm-cpu, --iree-llvmcpu-target-cpu=host) to a .vmfb.
Printed are min and median seconds of --runs compiles each, cnnc's peak
memory, and cnnc's min over iree-compile's min (< 1: cnnc is faster).

iree-base-compiler and onnx are benchmark tools only, installed from PyPI
into the peers' virtual environment (bench/peers.py). These machines are
shared and noisy: compare ratios from one run, rerun when in doubt.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402

ROOT = peers.ROOT
PACKAGES = peers.PEER_PACKAGES + ["onnx", "iree-base-compiler"]


def timed(cmd):
    """Runs `cmd`; returns (seconds, peak RSS in MB of it and its children,
    stderr). Raises on failure."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{err}")
    return elapsed, usage.ru_maxrss / 1024.0, err


def stages(stderr):
    """--time-stages lines as 'stage ms' pairs."""
    out = []
    for line in stderr.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0] == "cnnc:" and parts[3] == "ms":
            out.append(f"{parts[1]} {float(parts[2]):.0f}")
    return ", ".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=peers.DEFAULT_MODELS)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=0,
                    help="cnnc -jN (default: every core)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--no-iree", action="store_true",
                    help="time cnnc alone (no virtual environment needed)")
    args = ap.parse_args()
    if not args.no_iree:
        peers.ensure_venv(args.build, PACKAGES)
    models = args.models.split(",")
    folders = peers.export(models)
    bindir = os.path.dirname(sys.executable)
    cnnc = os.path.join(args.build, "tools", "cnnc")
    print(f"# {os.cpu_count()} cores; cnnc -j{args.jobs or os.cpu_count()}; "
          f"min / median of {args.runs} cold compiles each, interleaved")
    print(f"{'model':<20} {'cnnc s':>15} {'peak MB':>8} "
          f"{'iree-compile s':>15} {'cnnc/iree':>9}  cnnc stages (ms)")
    with tempfile.TemporaryDirectory() as tmp:
        for m in models:
            onnx = os.path.join(folders[m], "model.onnx")
            so = os.path.join(tmp, m + ".so")
            ccmd = [cnnc, onnx, "-o", so, "--time-stages"]
            if args.jobs:
                ccmd.append(f"-j{args.jobs}")
            icmd = None
            if not args.no_iree:
                mlir = os.path.join(tmp, m + ".mlir")
                subprocess.run([os.path.join(bindir, "iree-import-onnx"), onnx,
                                "-o", mlir], check=True,
                               capture_output=True)
                icmd = [os.path.join(bindir, "iree-compile"), mlir,
                        "--iree-hal-target-device=local",
                        "--iree-hal-local-target-device-backends=llvm-cpu",
                        "--iree-llvmcpu-target-cpu=host",
                        "-o", os.path.join(tmp, m + ".vmfb")]
            ct, it, peak, best = [], [], 0.0, None
            for _ in range(args.runs):
                t, rss, err = timed(ccmd)
                ct.append(t)
                peak = max(peak, rss)
                if best is None or t <= min(ct):
                    best = stages(err)
                if icmd:
                    try:
                        it.append(timed(icmd)[0])
                    except RuntimeError as e:
                        # IREE cannot compile every network (DenseNet's
                        # pre-activation BatchNormalization): say so.
                        first = str(e).splitlines()[1:2] or [""]
                        print(f"# {m}: iree-compile failed: {first[0][:160]}",
                              file=sys.stderr)
                        icmd = None
            cs = f"{min(ct):.2f} / {statistics.median(ct):.2f}"
            if it:
                iss = f"{min(it):.2f} / {statistics.median(it):.2f}"
                ratio = f"{min(ct) / min(it):.2f}"
            else:
                iss, ratio = "-", "-"
            print(f"{m:<20} {cs:>15} {peak:>8.0f} {iss:>15} {ratio:>9}  "
                  f"{best}", flush=True)


if __name__ == "__main__":
    main()
