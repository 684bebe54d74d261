#!/usr/bin/python3
"""cnnc next to ONNX Runtime and OpenVINO (FP32), same ONNX files, one run.

    /usr/bin/python3 bench/peers.py [--models resnet18,mobilenet_v2,...]
        [--threads 1,2] [--runs 20] [--target-cpu CPU] [--peer-isa avx2]
        [--build build]
    /usr/bin/python3 bench/peers.py --layers [--models resnet18]
        [--threads 1] [--runs 10] [--target-cpu CPU]

Latency mode (default). Each model is a torchvision network exported by
Debian's PyTorch (tests/onnx/export_networks.py: seeded random weights and
batch-norm statistics, batch 1, opset 13, cached outside the repository)
with its input and PyTorch's output. cnnc compiles the ONNX file to a .so
(its compile time is printed); ONNX Runtime runs it with sequential
execution and intra_op_num_threads = T, OpenVINO with INFERENCE_NUM_THREADS
= T, the latency hint and f32 inference precision. Every engine's output is
checked against PyTorch's (max abs error relative to the output's scale:
"ok" below 1e-3). Then, after warm-up runs, the engines take turns, five
inferences each after a pause and an untimed run (interleaved, so a noisy
neighbour hits them alike, while one engine's spinning threads do not
steal the cores of the next), --runs timed inferences each; printed are min and median ms per engine and cnnc's min over the
faster peer's min (< 1: cnnc is faster). cnnc runs in process through
libcnnrt (ctypes), as an application would call it.

--peer-isa avx2 caps OpenVINO at AVX2 (ONEDNN_MAX_CPU_ISA and
OV_CPU_MAX_ISA, set before it loads), for a like-for-like row against
cnnc --target-cpu=x86-64-v3 on an AVX-512 host, as on an AVX2-only
machine; the header names the primitives its convolutions ran with.
ONNX Runtime has no such cap: it always uses the host's best kernels, so
on an AVX-512 host its column stays an AVX-512 figure, and the ratio
column is then cnnc over OpenVINO alone (cnnc/OV).

Layers mode (--layers). A peak probe (bench/peak_probe.c, built with the
host compiler) measures this core's FP32 FMA rate for 256-bit and 512-bit
vectors (where the CPU has them) and the copy bandwidth of a buffer in L2
and one in memory. Then each model is compiled with --profile and run
with `cnnrun --profile`; printed is every conv, gemm and depthwise layer:
its time, GFLOP/s and the share of the FMA peak of the vector width the
model was compiled for (8 floats: the 256-bit peak; 16: the 512-bit one).

The peers are benchmark tools only, never a dependency of cnnc: they are
installed from PyPI into a virtual environment of their own
($CNNC_BENCH_VENV, default build/bench-venv; Debian's python3-venv, which
scripts/setup.sh installs), which this script creates on first use and
re-runs itself in. These machines are
shared and noisy: compare ratios from one run, rerun when in doubt.
"""
import argparse
import ctypes
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER_PACKAGES = ["numpy<2.3", "onnxruntime", "openvino"]
DEFAULT_MODELS = ("resnet18,resnet50,mobilenet_v2,vgg16,efficientnet_b0,"
                  "densenet121,squeezenet1_1,alexnet,googlenet,"
                  "shufflenet_v2_x1_0")


#===--- The virtual environment of the peers ------------------------------===#

def venv_dir(build):
    return os.environ.get("CNNC_BENCH_VENV") or os.path.join(build,
                                                             "bench-venv")


def ensure_venv(build, packages=PEER_PACKAGES):
    """Re-runs this script in the peers' virtual environment, creating it
    and installing `packages` (those not installed yet) first when needed.
    Returns only when already running inside it."""
    venv = venv_dir(build)
    python = os.path.join(venv, "bin", "python3")
    if os.path.realpath(sys.prefix) == os.path.realpath(venv):
        return
    stamp = os.path.join(venv, ".cnnc-peers")
    have = open(stamp).read().split() if os.path.exists(stamp) else []
    missing = [p for p in packages if p not in have]
    if missing:
        print(f"bench: installing {' '.join(missing)} from PyPI into {venv}",
              file=sys.stderr)
        if not os.path.exists(python):
            r = subprocess.run(["/usr/bin/python3", "-m", "venv", venv])
            if r.returncode != 0:
                sys.exit("bench: cannot create the virtual environment; "
                         "install Debian's python3-venv (scripts/setup.sh)")
            subprocess.run([python, "-m", "pip", "install", "-q",
                            "--upgrade", "pip"], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q"] + missing,
                       check=True)
        with open(stamp, "w") as f:
            f.write("\n".join([p for p in have if p] + missing) + "\n")
    os.execv(python, [python] + sys.argv)


#===--- Models -------------------------------------------------------------===#

def export(models):
    """Exports the models with Debian's PyTorch (only /usr/bin/python3 sees
    it); returns {name: folder with model.onnx, input.npy, expected.npy}."""
    out = subprocess.run(
        ["/usr/bin/python3", os.path.join(ROOT, "tests", "onnx",
                                          "export_networks.py")] + models,
        check=True, capture_output=True, text=True).stdout
    folders = {}
    for line in out.splitlines():
        name, _, folder = line.partition(": ")
        folders[name] = folder
    return folders


def cnnc_compile(build, onnx, out, target_cpu, profile=False):
    """Compiles `onnx` to `out`; returns the wall time in seconds."""
    cmd = [os.path.join(build, "tools", "cnnc"), onnx, "-o", out]
    if target_cpu:
        cmd.append("--target-cpu=" + target_cpu)
    if profile:
        cmd.append("--profile")
    start = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"cnnc failed on {onnx}:\n{r.stderr}")
    return time.perf_counter() - start


def error_of(actual, expected):
    """Max abs error relative to the expected output's scale."""
    import numpy as np
    scale = max(float(np.abs(expected).max()), 1e-6)
    return float(np.abs(actual.reshape(expected.shape) - expected).max()) / scale


#===--- Engines ------------------------------------------------------------===#

class TensorDesc(ctypes.Structure):
    """cnnc_tensor_desc (runtime/include/cnnc/abi.h)."""
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int32),
                ("rank", ctypes.c_int32),
                ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("bytes", ctypes.c_int64)]


class Buffer(ctypes.Structure):
    """cnnrt_input / cnnrt_output: data and byte size."""
    _fields_ = [("data", ctypes.c_void_p), ("bytes", ctypes.c_uint64)]


class Cnnc:
    """A compiled model run through libcnnrt with a pool of `threads`."""
    name = "cnnc"

    def __init__(self, build, so, threads, x):
        import numpy as np
        lib = ctypes.CDLL(os.path.join(build, "runtime", "libcnnrt.so"))
        lib.cnnrt_last_error.restype = ctypes.c_char_p
        lib.cnnrt_workspace_bytes.restype = ctypes.c_uint64
        lib.cnnrt_output_desc.restype = ctypes.POINTER(TensorDesc)
        lib.cnnrt_load.argtypes = [ctypes.c_char_p,
                                   ctypes.POINTER(ctypes.c_void_p)]
        for f in ("cnnrt_workspace_bytes", "cnnrt_unload",
                  "cnnrt_pool_destroy", "cnnrt_workspace_free"):
            getattr(lib, f).argtypes = [ctypes.c_void_p]
        lib.cnnrt_output_desc.argtypes = [ctypes.c_void_p, ctypes.c_int32]
        lib.cnnrt_run.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                  ctypes.c_int32, ctypes.c_void_p,
                                  ctypes.c_int32, ctypes.c_void_p,
                                  ctypes.c_uint64, ctypes.c_void_p]
        self.lib = lib
        self.model = ctypes.c_void_p()
        self.pool = ctypes.c_void_p()
        self.ws = ctypes.c_void_p()
        self.check(lib.cnnrt_load(so.encode(), ctypes.byref(self.model)))
        self.check(lib.cnnrt_pool_create(threads, ctypes.byref(self.pool)))
        self.check(lib.cnnrt_workspace_alloc(self.model,
                                             ctypes.byref(self.ws)))
        self.ws_bytes = lib.cnnrt_workspace_bytes(self.model)
        out = lib.cnnrt_output_desc(self.model, 0).contents
        self.x = np.ascontiguousarray(x, dtype=np.float32)
        self.y = np.empty([out.shape[i] for i in range(out.rank)],
                          dtype=np.float32)
        self.inp = Buffer(self.x.ctypes.data, self.x.nbytes)
        self.outp = Buffer(self.y.ctypes.data, self.y.nbytes)

    def check(self, status):
        if status != 0:
            raise RuntimeError("cnnrt: " +
                               self.lib.cnnrt_last_error().decode())

    def run(self):
        self.check(self.lib.cnnrt_run(self.model, ctypes.byref(self.inp), 1,
                                      ctypes.byref(self.outp), 1, self.ws,
                                      self.ws_bytes, self.pool))
        return self.y

    def close(self):
        self.lib.cnnrt_workspace_free(self.ws)
        self.lib.cnnrt_pool_destroy(self.pool)
        self.lib.cnnrt_unload(self.model)


class OnnxRuntime:
    name = "ONNX Runtime"

    def __init__(self, onnx, threads, x):
        import onnxruntime as ort
        o = ort.SessionOptions()
        o.intra_op_num_threads = threads
        o.inter_op_num_threads = 1
        o.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.sess = ort.InferenceSession(onnx, o,
                                         providers=["CPUExecutionProvider"])
        self.feed = {self.sess.get_inputs()[0].name: x}

    def run(self):
        return self.sess.run(None, self.feed)[0]

    def close(self):
        del self.sess


class OpenVino:
    name = "OpenVINO"

    def __init__(self, onnx, threads, x):
        import openvino as ov
        core = ov.Core()
        self.compiled = core.compile_model(onnx, "CPU", {
            "INFERENCE_NUM_THREADS": threads,
            "PERFORMANCE_HINT": "LATENCY",
            "INFERENCE_PRECISION_HINT": "f32"})
        self.req = self.compiled.create_infer_request()
        self.x = x

    def conv_primitives(self):
        """The primitive types OpenVINO chose for its convolutions."""
        kinds = set()
        try:
            for op in self.compiled.get_runtime_model().get_ordered_ops():
                rt = op.get_rt_info()
                if rt["layerType"].astype(str) == "Convolution":
                    kinds.add(rt["primitiveType"].astype(str))
        except Exception:  # an OpenVINO without this runtime info
            return "?"
        return ",".join(sorted(kinds))

    def run(self):
        self.req.infer({0: self.x})
        return self.req.get_output_tensor(0).data

    def close(self):
        del self.req
        del self.compiled


def stats(times):
    t = sorted(times)
    return t[0], t[len(t) // 2]


def bench_model(args, name, folder, so, threads):
    """One row: every engine on `threads` threads, interleaved."""
    import numpy as np
    onnx = os.path.join(folder, "model.onnx")
    x = np.load(os.path.join(folder, "input.npy"))
    expected = np.load(os.path.join(folder, "expected.npy"))
    engines = [Cnnc(args.build, so, threads, x), OnnxRuntime(onnx, threads, x),
               OpenVino(onnx, threads, x)]
    errors = {}
    for e in engines:
        errors[e.name] = error_of(np.array(e.run()), expected)
        for _ in range(args.warmup):
            e.run()
    # Interleaved in blocks: each engine runs a few inferences in turn,
    # after a pause and an untimed run, so the previous engine's threads
    # (ONNX Runtime's and OpenVINO's spin after their work) have gone idle
    # and do not take the cores of the one being timed.
    if not args.ov_primitives:
        args.ov_primitives = engines[2].conv_primitives()
    times = {e.name: [] for e in engines}
    block = 5
    for r in range(0, args.runs, block):
        for e in engines:
            time.sleep(0.05)
            e.run()
            for _ in range(min(block, args.runs - r)):
                start = time.perf_counter()
                e.run()
                times[e.name].append((time.perf_counter() - start) * 1e3)
    for e in engines:
        e.close()
    return {e.name: stats(times[e.name]) for e in engines}, errors


def latency(args, folders):
    engines = ["cnnc", "ONNX Runtime", "OpenVINO"]
    target = args.target_cpu or "host"
    print(f"# cnnc --target-cpu={target}; min / median ms of {args.runs} "
          f"interleaved runs; error: max abs error / output scale vs PyTorch")
    head = f"{'model':<20} {'thr':>3} {'compile s':>9}"
    for e in engines:
        head += f" {e + ' min/med':>22}"
    # Capped, OpenVINO is the one like-for-like peer: the ratio is over it.
    ratio = "cnnc/OV" if args.peer_isa == "avx2" else "cnnc/best"
    print(head + f" {ratio:>9}  errors", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, folder in folders.items():
            so = os.path.join(tmp, name + ".so")
            compile_s = cnnc_compile(args.build,
                                     os.path.join(folder, "model.onnx"), so,
                                     args.target_cpu)
            for t in args.threads:
                res, errs = bench_model(args, name, folder, so, t)
                if not args.ov_printed:
                    print(f"# OpenVINO's convolutions: {args.ov_primitives}"
                          f" (--peer-isa {args.peer_isa}); ONNX Runtime: "
                          "the host's kernels", flush=True)
                    args.ov_printed = True
                line = f"{name:<20} {t:>3} {compile_s:9.2f}"
                for e in engines:
                    line += f" {res[e][0]:10.2f} /{res[e][1]:10.2f}"
                best = res["OpenVINO"][0] if args.peer_isa == "avx2" else \
                    min(res["ONNX Runtime"][0], res["OpenVINO"][0])
                bad = [e for e in engines if errs[e] > 1e-3]
                err = ("ok" if not bad else "MISMATCH " + ",".join(bad)) + \
                    " (" + " ".join(f"{errs[e]:.0e}" for e in engines) + ")"
                print(line + f" {res['cnnc'][0] / best:9.2f}  {err}",
                      flush=True)


#===--- Layers mode -------------------------------------------------------===#

def peak_probe():
    """{'fma256': GFLOP/s, 'fma512': GFLOP/s or 0, 'l2': GB/s, 'mem': GB/s}
    of one core, from bench/peak_probe.c built with cc -O2 -march=native."""
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "peak_probe")
        subprocess.run(["cc", "-O2", "-march=native", "-o", exe,
                        os.path.join(ROOT, "bench", "peak_probe.c")],
                       check=True)
        out = subprocess.run([exe], check=True, capture_output=True,
                             text=True).stdout
    return json.loads(out)


# A row of cnnrun --profile's table: total ms, calls, mean us, GFLOP/s,
# kernel, name (source).
PROFILE_ROW = re.compile(
    r"^\s*\d+\s+([0-9.]+)\s+[0-9.]+%\s+(\d+)\s+([0-9.]+)\s+(\S+)\s+"
    r"(\S+)\s+(.*)$")


def layers(args, folders):
    peak = peak_probe()
    print(f"# peak of one core: FMA {peak['fma256']:.1f} GFLOP/s (256-bit), "
          f"{peak['fma512']:.1f} GFLOP/s (512-bit); copy {peak['l2']:.1f} "
          f"GB/s within L2, {peak['mem']:.1f} GB/s from memory")
    with tempfile.TemporaryDirectory() as tmp:
        for name, folder in folders.items():
            so = os.path.join(tmp, name + ".so")
            cnnc_compile(args.build, os.path.join(folder, "model.onnx"), so,
                         args.target_cpu, profile=True)
            for t in args.threads:
                out = subprocess.run(
                    [os.path.join(args.build, "tools", "cnnrun", "cnnrun"),
                     so, "--profile", "--bench", str(args.runs), "--threads",
                     str(t), "--input", os.path.join(folder, "input.npy")],
                    check=True, capture_output=True, text=True).stdout
                m = re.search(r"target (\S+),", out)
                width = 512 if "avx512f" in cpu_features(args, m.group(1)) \
                    else 256
                fma = peak["fma512" if width == 512 else "fma256"] * t
                total = re.search(r"min ([0-9.]+) ms", out).group(1)
                print(f"\n{name}, {t} thread(s), {m.group(1)} ({width}-bit "
                      f"peak {fma:.0f} GFLOP/s): min {total} ms")
                print(f"  {'ms/run':>8} {'GFLOP/s':>8} {'% peak':>7}  "
                      f"{'kernel':<22} layer")
                runs = int(re.search(r"profile: (\d+) runs", out).group(1))
                for line in out.splitlines():
                    r = PROFILE_ROW.match(line)
                    if not r or r.group(4) == "-":
                        continue
                    kernel = r.group(5)
                    if not re.match(r"(conv|gemm|depthwise)", kernel):
                        continue
                    ms = float(r.group(1)) / runs
                    gflops = float(r.group(4))
                    layer = re.sub(r" \(.*\)$", "", r.group(6))
                    print(f"  {ms:8.3f} {gflops:8.1f} "
                          f"{100 * gflops / fma:6.0f}%  {kernel:<22} "
                          f"{layer}")


def cpu_features(args, cpu):
    out = subprocess.run([os.path.join(args.build, "tools", "cnnc"),
                          "--print-target", "--target-cpu=" + cpu],
                         check=True, capture_output=True, text=True).stdout
    return re.search(r"^cpu-features: (.*)$", out, re.M).group(1)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--models", default=DEFAULT_MODELS)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--target-cpu", default="",
                   help="cnnc's --target-cpu (default: the host)")
    p.add_argument("--peer-isa", choices=["host", "avx2"], default="host",
                   help="cap OpenVINO's instruction set (ONNX Runtime has "
                        "no cap)")
    p.add_argument("--layers", action="store_true",
                   help="per-layer GFLOP/s and share of the FMA peak")
    args = p.parse_args()
    args.build = os.path.abspath(args.build)
    args.threads = [int(t) for t in args.threads.split(",")]
    args.ov_primitives, args.ov_printed = "", False
    if args.peer_isa == "avx2":
        # Read by oneDNN and OpenVINO when they load: set before the
        # re-run in the virtual environment, which inherits them.
        os.environ["ONEDNN_MAX_CPU_ISA"] = "AVX2"
        os.environ["OV_CPU_MAX_ISA"] = "AVX2"
    if not args.layers:
        ensure_venv(args.build)
    folders = export(args.models.split(","))
    if args.layers:
        layers(args, folders)
    else:
        latency(args, folders)
    return 0


if __name__ == "__main__":
    sys.exit(main())
