#!/usr/bin/env python3
"""Classify an image with a torchvision network compiled by cnnc.

    python3 samples/python/classify.py [IMAGE] [--model resnet18]
        [--weights FILE.pth | --pretrained] [--so resnet18.so] [--check]

The network is exported from PyTorch and compiled ahead of time with
cnnc.from_torch; `--so FILE` keeps the compiled model and reuses it on
the next run (cnnc.load), so PyTorch is then needed for nothing but the
class names. The image (PPM/PGM, PNG, JPEG: whatever Pillow reads) is
resized to 256 on its short side, centre-cropped to 224 and normalised
with ImageNet's mean and deviation, as torchvision's classifiers expect.

Weights: `--pretrained` asks torchvision for its ImageNet weights (they are
downloaded on first use, so it needs the internet); `--weights FILE` loads
a state_dict saved with torch.save; without either the network keeps its
random initialisation (seeded), which shows the pipeline but not a
meaningful class. `--check` also runs the PyTorch module on the same input
and fails if the two disagree beyond float rounding.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

import cnnc

HERE = Path(__file__).resolve().parent
DEFAULT_IMAGE = HERE.parent / "app" / "images" / "disc.ppm"
MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)


def load_image(path: Path) -> np.ndarray:
    """[1, 3, 224, 224] float32, preprocessed as for torchvision."""
    from PIL import Image
    img = Image.open(path).convert("RGB")
    w, h = img.size
    s = 256 / min(w, h)
    img = img.resize((max(224, round(w * s)), max(224, round(h * s))),
                     Image.BILINEAR)
    w, h = img.size
    left, top = (w - 224) // 2, (h - 224) // 2
    img = img.crop((left, top, left + 224, top + 224))
    x = (np.asarray(img, np.float32) / 255.0 - MEAN) / STD
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None])


def build_network(name: str, weights, pretrained: bool):
    """The torchvision module (eval mode) and its class names or None."""
    import torch
    import torchvision
    torch.manual_seed(0)
    if pretrained:
        w = torchvision.models.get_model_weights(name).DEFAULT
        net = torchvision.models.get_model(name, weights=w)
        return net.eval(), w.meta["categories"]
    net = getattr(torchvision.models, name)()
    if weights:
        net.load_state_dict(torch.load(weights, map_location="cpu"))
    return net.eval(), None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("image", nargs="?", type=Path, default=DEFAULT_IMAGE)
    ap.add_argument("--model", default="resnet18",
                    help="a torchvision classifier (default resnet18)")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--weights", type=Path, help="a saved state_dict")
    g.add_argument("--pretrained", action="store_true",
                   help="torchvision's ImageNet weights (downloads them)")
    ap.add_argument("--so", type=Path,
                    help="keep the compiled model here and reuse it")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--check", action="store_true",
                    help="compare with PyTorch's output on the same input")
    ap.add_argument("--top", type=int, default=5)
    args = ap.parse_args()

    x = load_image(args.image)
    net = categories = None
    if args.so and args.so.is_file() and not args.check:
        model = cnnc.load(args.so, threads=args.threads)
        print(f"loaded {args.so}")
    else:
        import torch
        net, categories = build_network(args.model, args.weights,
                                        args.pretrained)
        t0 = time.perf_counter()
        model = cnnc.from_torch(net, torch.from_numpy(x), output=args.so,
                                threads=args.threads)
        print(f"compiled {args.model} with cnnc in "
              f"{time.perf_counter() - t0:.1f} s")
    logits = model(x)[0]
    bench = model.benchmark(x, runs=10)
    p = np.exp(logits - logits.max())
    p /= p.sum()
    print(f"{args.image.name}: {model.name} on {model.threads} threads, "
          f"{bench.min_ms:.2f} ms (min of {bench.runs})")
    for k in np.argsort(-p)[:args.top]:
        label = categories[k] if categories else f"class {k}"
        print(f"  {p[k]:7.2%}  {label}")
    if not args.weights and not args.pretrained and net is not None:
        print("  (random weights: pass --pretrained or --weights for a "
              "meaningful class)")
    if args.check:
        import torch
        with torch.no_grad():
            want = net(torch.from_numpy(x))[0].numpy()
        err = float(np.abs(logits - want).max())
        scale = float(np.abs(want).max())
        same_top = int(np.argmax(logits)) == int(np.argmax(want))
        print(f"check against PyTorch: max |difference| {err:.3g} "
              f"(output scale {scale:.3g}), same top class: {same_top}")
        if err > 1e-4 * max(scale, 1.0) or not same_top:
            sys.exit(1)


if __name__ == "__main__":
    main()
