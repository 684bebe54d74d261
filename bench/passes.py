#!/usr/bin/python3
"""What the optimisation passes buy, for every sample, in one run.

    /usr/bin/python3 bench/passes.py [--build build] [--runs 20]
        [--runs-o0 2] [--threads 1,2] [--models lenet5,resnet18,...]

For each sample and each configuration:

  -O0        only what correctness needs (infer-shapes), LLVM at -O0
  passes off the default LLVM level but no graph passes (--passes=infer-shapes):
             isolates what the graph passes do from what LLVM does
  default    the default pipeline (compiler/Pipeline.cpp) and LLVM level

it prints the compile time, the number of kernel calls the model makes
(from `cnnc --emit=kernels`' manifest), the workspace bytes (from the
model's descriptor, as cnnrun prints it) and `cnnrun --bench` latency, min
and median of --runs runs (--runs-o0 at -O0, whose unoptimised code is
two orders of magnitude slower), at each thread count. The machines are
shared and noisy: compare minima, rerun when in doubt.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = [("-O0", ["-O0"]), ("passes off", ["--passes=infer-shapes"]),
           ("default", [])]


def tool(build, *path):
    return os.path.join(build, "tools", *path)


def compile_model(build, model, flags, out):
    start = time.perf_counter()
    subprocess.run([tool(build, "cnnc"), model, "-o", out] + flags,
                   check=True, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def kernel_calls(build, model, flags, tmp):
    d = os.path.join(tmp, "kernels")
    subprocess.run(["rm", "-rf", d], check=True)
    subprocess.run([tool(build, "cnnc"), model, "--emit=kernels", "-o", d] +
                   flags, check=True, stderr=subprocess.DEVNULL)
    with open(os.path.join(d, "manifest.json")) as f:
        return json.load(f)["num_calls"]


def bench(build, so, runs, threads):
    out = subprocess.run([tool(build, "cnnrun", "cnnrun"), so, "--bench",
                          str(runs), "--threads", str(threads)],
                         check=True, capture_output=True, text=True).stdout
    ws = int(re.search(r"workspace (\d+) bytes", out).group(1))
    m = re.search(r"min ([0-9.]+) ms, median ([0-9.]+) ms", out)
    return ws, float(m.group(1)), float(m.group(2))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--runs-o0", type=int, default=2)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--models", default="lenet5,signal1d,volume3d,"
                   "mobilenet_v2,resnet18,alexnet,alexnet2012,vgg16")
    args = p.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    print(f"{'model':<13} {'config':<10} {'compile s':>9} {'kernels':>7} "
          f"{'workspace B':>12} " +
          " ".join(f"{f'{t} thr min/med ms':>21}" for t in threads))
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models.split(","):
            model = os.path.join(ROOT, "samples", name + ".ir")
            for config, flags in CONFIGS:
                so = os.path.join(tmp, name + ".so")
                secs = compile_model(args.build, model, flags, so)
                calls = kernel_calls(args.build, model, flags, tmp)
                runs = args.runs_o0 if config == "-O0" else args.runs
                cols = []
                ws = 0
                for t in threads:
                    ws, lo, med = bench(args.build, so, runs, t)
                    cols.append(f"{lo:10.3f} /{med:9.3f}")
                print(f"{name:<13} {config:<10} {secs:9.2f} {calls:7d} "
                      f"{ws:12d} " + " ".join(f"{c:>21}" for c in cols),
                      flush=True)


if __name__ == "__main__":
    sys.exit(main())
