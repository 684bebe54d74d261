#!/usr/bin/python3
"""Latency of compiled samples against PyTorch on this CPU, in one run.

    /usr/bin/python3 bench/cpu_latency.py [--build build] [--runs 30]
        [--threads 1,2] [--models lenet5,resnet18,mobilenet_v2]

For each sample: cnnc's compile time, then `cnnrun --bench` latency (min
and median of --runs runs) at each thread count, next to PyTorch's eager
model of the same network (torchvision's, batch 1, no_grad, same thread
count) when there is one, and the ratio PyTorch / cnnc of the minima (> 1:
cnnc is faster). The machines are shared and noisy: compare minima, rerun
when in doubt. Needs Debian's python3-torch and python3-torchvision for the
PyTorch column (left empty without them).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TORCHVISION = {"alexnet": "alexnet", "vgg16": "vgg16", "resnet18": "resnet18",
               "mobilenet_v2": "mobilenet_v2"}


def cnnc_compile(build, model, out):
    start = time.perf_counter()
    subprocess.run([os.path.join(build, "tools", "cnnc"),
                    os.path.join(ROOT, "samples", model + ".ir"), "-o", out],
                   check=True, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def cnnc_bench(build, so, runs, threads):
    out = subprocess.run([os.path.join(build, "tools", "cnnrun", "cnnrun"),
                          so, "--bench", str(runs), "--threads", str(threads)],
                         check=True, capture_output=True, text=True).stdout
    m = re.search(r"min ([0-9.]+) ms, median ([0-9.]+) ms", out)
    return float(m.group(1)), float(m.group(2))


def torch_bench(model, runs, threads):
    try:
        import torch
        import torchvision
    except ImportError:
        return None
    if model not in TORCHVISION:
        return None
    torch.set_num_threads(threads)
    net = getattr(torchvision.models, TORCHVISION[model])().eval()
    x = torch.rand(1, 3, 224, 224)
    times = []
    with torch.no_grad():
        for _ in range(3):
            net(x)
        for _ in range(runs):
            start = time.perf_counter()
            net(x)
            times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return times[0], times[len(times) // 2]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--models", default="lenet5,resnet18,mobilenet_v2")
    args = p.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    print(f"{'model':<14} {'compile s':>9} {'thr':>3} {'cnnc min/median ms':>20}"
          f" {'pytorch min/median ms':>22} {'pytorch/cnnc':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models.split(","):
            so = os.path.join(tmp, model + ".so")
            compile_s = cnnc_compile(args.build, model, so)
            for t in threads:
                cmin, cmed = cnnc_bench(args.build, so, args.runs, t)
                ref = torch_bench(model, args.runs, t)
                ref_s = f"{ref[0]:10.2f} /{ref[1]:9.2f}" if ref else ""
                ratio = f"{ref[0] / cmin:12.2f}" if ref else ""
                print(f"{model:<14} {compile_s:9.2f} {t:3d} {cmin:9.3f} /"
                      f"{cmed:9.3f} {ref_s:>22} {ratio:>12}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
