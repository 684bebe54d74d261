#!/usr/bin/python3
"""cnnc's CUDA models against PyTorch (cuDNN) on the same GPU, in one run.

    python3 bench/gpu_latency.py [--build build] [--runs 50] [--batches 1,32]
        [--models resnet18,mobilenet_v2] [--tf32] [--no-layers]

Needs an NVIDIA GPU with its driver, and PyTorch with CUDA (torchvision for
the whole networks). For each model and batch size: cnnc's compile time
(--target=cuda, NVRTC), then `cnnrun --bench` latency (CUDA events, min and
median of --runs runs after a warm-up) next to torchvision's model in eager
PyTorch (cudnn.benchmark on, same batch, inputs already on the GPU, CUDA
events), and the ratio PyTorch / cnnc of the minima (> 1: cnnc is faster).
Then every distinct 3x3 conv layer of ResNet-18 alone (conv + bias), in
TFLOP/s, against F.conv2d.

Both sides compute in FP32. PyTorch's TF32 tensor-core paths are off
unless --tf32 is given (cnnc has no TF32 kernels: with --tf32 the
comparison is of different precisions, and says so).

Batch sizes other than the samples' 1 are made by rewriting the IR's batch
dimension (every "f32[1," type becomes "f32[N,"), which is valid for the
samples: none has a constant whose leading dimension is 1.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# ResNet-18's 3x3 convs: (channels, spatial size, stride) of the layers
# that are not the first of their stage.
RESNET_3X3 = [(64, 56, 1), (128, 28, 1), (256, 14, 1), (512, 7, 1)]


def batched_ir(model, batch, tmp):
    text = open(os.path.join(ROOT, "samples", model + ".ir")).read()
    if batch != 1:
        text = text.replace("f32[1,", "f32[%d," % batch)
    path = os.path.join(tmp, "%s_b%d.ir" % (model, batch))
    with open(path, "w") as f:
        f.write(text)
    return path


def conv_ir(c, hw, stride, batch, tmp):
    out = (hw + 2 - 3) // stride + 1
    path = os.path.join(tmp, "conv%d_%d_b%d.ir" % (c, hw, batch))
    with open(path, "w") as f:
        f.write("graph conv3x3 {\n"
                "  input %%x : f32[%d,%d,%d,%d]\n"
                "  %%w = const random(1) : f32[%d,%d,3,3]\n"
                "  %%b = const random(2) : f32[%d]\n"
                "  %%y = conv(%%x, %%w, %%b) {stride=[%d,%d], pads=[1,1,1,1]}"
                " : f32[%d,%d,%d,%d]\n"
                "  output %%y\n}\n"
                % (batch, c, hw, hw, c, c, c, stride, stride, batch, c, out,
                   out))
    return path, 2.0 * batch * c * c * 9 * out * out


def cnnc_compile(build, ir, so):
    start = time.perf_counter()
    subprocess.run([os.path.join(build, "tools", "cnnc"), ir, "--target=cuda",
                    "-o", so], check=True)
    return time.perf_counter() - start


def cnnc_bench(build, so, runs):
    out = subprocess.run([os.path.join(build, "tools", "cnnrun", "cnnrun"),
                          so, "--bench", str(runs)],
                         check=True, capture_output=True, text=True).stdout
    m = re.search(r"min ([0-9.]+) ms, median ([0-9.]+) ms", out)
    if not m:
        sys.exit("cannot read cnnrun's bench line:\n" + out)
    return float(m.group(1)), float(m.group(2))


def torch_time(fn, runs):
    import torch
    for _ in range(5):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(runs):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    times.sort()
    return times[0], times[len(times) // 2]


def torch_model(model, batch, runs):
    import torch
    import torchvision
    net = getattr(torchvision.models, model)().cuda().eval()
    x = torch.rand(batch, 3, 224, 224, device="cuda")
    with torch.no_grad():
        return torch_time(lambda: net(x), runs)


def torch_conv(c, hw, stride, batch, runs):
    import torch
    import torch.nn.functional as F
    x = torch.rand(batch, c, hw, hw, device="cuda")
    w = torch.rand(c, c, 3, 3, device="cuda")
    b = torch.rand(c, device="cuda")
    with torch.no_grad():
        return torch_time(lambda: F.conv2d(x, w, b, stride, 1), runs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--batches", default="1,32")
    ap.add_argument("--models", default="resnet18,mobilenet_v2")
    ap.add_argument("--tf32", action="store_true")
    ap.add_argument("--no-layers", action="store_true")
    args = ap.parse_args()
    import torch
    if not torch.cuda.is_available():
        sys.exit("no CUDA GPU visible to PyTorch: this benchmark needs one")
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    print("# GPU: %s; PyTorch %s, cuDNN %s; TF32 in PyTorch: %s; %d runs"
          % (torch.cuda.get_device_name(0), torch.__version__,
             torch.backends.cudnn.version(), "on" if args.tf32 else "off",
             args.runs))
    batches = [int(b) for b in args.batches.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        print("%-14s %5s %9s %18s %18s %8s" % ("model", "batch", "compile s",
              "cnnc min/med ms", "torch min/med ms", "torch/cnnc"))
        for model in args.models.split(","):
            for batch in batches:
                so = os.path.join(tmp, "%s_b%d.so" % (model, batch))
                secs = cnnc_compile(args.build, batched_ir(model, batch, tmp),
                                    so)
                c = cnnc_bench(args.build, so, args.runs)
                t = torch_model(model, batch, args.runs)
                print("%-14s %5d %9.2f %8.3f / %7.3f %8.3f / %7.3f %8.2f"
                      % (model, batch, secs, c[0], c[1], t[0], t[1],
                         t[0] / c[0]), flush=True)
        if args.no_layers:
            return
        print()
        print("%-22s %5s %16s %16s %8s" % ("3x3 conv (C, HxW)", "batch",
              "cnnc TFLOP/s", "torch TFLOP/s", "ratio"))
        for batch in batches:
            for c, hw, stride in RESNET_3X3:
                ir, flops = conv_ir(c, hw, stride, batch, tmp)
                so = ir[:-3] + ".so"
                cnnc_compile(args.build, ir, so)
                cm = cnnc_bench(args.build, so, args.runs)[0]
                tm = torch_conv(c, hw, stride, batch, args.runs)[0]
                print("%-22s %5d %16.2f %16.2f %8.2f"
                      % ("%d, %dx%d" % (c, hw, hw), batch,
                         flops / cm / 1e9, flops / tm / 1e9, tm / cm),
                      flush=True)


if __name__ == "__main__":
    main()
