#!/usr/bin/python3
"""Exports CNNs from PyTorch to ONNX, with an input and PyTorch's output.

    /usr/bin/python3 tests/onnx/export_networks.py [--cache DIR] [--opset N]
                                                  [--force] [NETWORK...]

NETWORK is any of lenet5 alexnet vgg16 resnet18 resnet50 mobilenet_v2
googlenet efficientnet_b0 densenet121 squeezenet1_1 shufflenet_v2_x1_0
mobilenet_v3_large convnext_tiny efficientnet_v2_s regnet_x_400mf
resnext50_32x4d inception_v3 lraspp_mobilenet_v3_large (default: all). Each
network gets random weights (torch.manual_seed(0); batch-norm statistics
and affine parameters, layer-norm gains and ConvNeXt's layer scales are
randomised too, so the normalisation does real work, with gains that keep
outputs O(1); the newer networks' zero-initialised biases get random
values), runs in eval mode on batch 1, and lands in
DIR/opset<N>/<network>/ as model.onnx, input.npy (seeded standard normal)
and expected.npy (PyTorch's output on that input; LR-ASPP's "out" score
map). N is --opset, or by default 13 (17 for convnext_tiny, exported with
LayerNormalization). DIR is $CNNC_ONNX_CACHE or ~/.cache/cnnc/onnx:
exported models are cached outside the repository, and a network already
there is not exported again (unless --force).

Needs Debian's python3-torch, python3-torchvision and python3-numpy, which
only /usr/bin/python3 sees.
"""
import argparse
import os
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torchvision

NETWORKS = ["lenet5", "alexnet", "vgg16", "resnet18", "resnet50",
            "mobilenet_v2", "googlenet", "efficientnet_b0", "densenet121",
            "squeezenet1_1", "shufflenet_v2_x1_0",
            # Newer architectures: hard-swish and squeeze-excitation,
            # LayerNorm and GELU, fused MBConv, grouped convs, asymmetric
            # kernels at 299x299, and a segmentation head with bilinear
            # upsampling.
            "mobilenet_v3_large", "convnext_tiny", "efficientnet_v2_s",
            "regnet_x_400mf", "resnext50_32x4d", "inception_v3",
            "lraspp_mobilenet_v3_large"]
NEWER = set(NETWORKS[NETWORKS.index("mobilenet_v3_large"):])
# The opset each network is exported at unless --opset says otherwise:
# ConvNeXt at 17, where LayerNorm is one LayerNormalization node (at 13
# PyTorch spells it out in ReduceMean, Pow and Sqrt).
OPSETS = {"convnext_tiny": 17}
DEFAULT_OPSET = 13


def opset_of(name, opset=None):
    """The opset `name` is exported at: `opset` when given, else its own."""
    return opset or OPSETS.get(name, DEFAULT_OPSET)


class LeNet5(nn.Module):
    """LeCun et al. 1998, with tanh and average pooling."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Tanh(),
            nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def build(name):
    """The network `name` with seeded random weights, and its input shape."""
    torch.manual_seed(0)
    models = torchvision.models
    if name == "lenet5":
        return LeNet5(), (1, 1, 32, 32)
    if name == "googlenet":
        net = models.googlenet(weights=None, aux_logits=False,
                               transform_input=False, init_weights=True)
        return net, (1, 3, 224, 224)
    if name == "inception_v3":
        # PyTorch's default initialisation: torchvision's (truncated
        # normal, std 0.1) grows the logits to ~1e7.
        net = models.inception_v3(weights=None, aux_logits=False,
                                  transform_input=False, init_weights=False)
        return net, (1, 3, 299, 299)
    if name == "lraspp_mobilenet_v3_large":
        net = models.segmentation.lraspp_mobilenet_v3_large(
            weights=None, weights_backbone=None)
        return SegmentationOut(net), (1, 3, 224, 224)
    return getattr(models, name)(weights=None), (1, 3, 224, 224)


class SegmentationOut(nn.Module):
    """torchvision's segmentation networks return a dict; this returns its
    "out" tensor (the per-class score map at the input's resolution)."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x)["out"]


def randomise_batch_norm(net, zero_biases=False):
    """Non-trivial running statistics and affine parameters (seeded; layer
    norms get gains in [0.5, 1.5) and small biases). Each
    channel's gain weight / sqrt(var) lies in [0.5, 1), so activations keep
    their scale through deep residual stacks: outputs stay O(1) and the
    comparison's absolute tolerance stays meaningful. With `zero_biases`
    (the newer networks), biases initialised to zero get random values (with torchvision's
    own init, resnet50's logits reach ~100 and mobilenet_v2's ~1e-9)."""
    gen = torch.Generator().manual_seed(1)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            var = 0.5 + torch.rand(c, generator=gen)
            gain = 0.5 + 0.5 * torch.rand(c, generator=gen)
            m.running_mean.copy_(0.1 * torch.randn(c, generator=gen))
            m.running_var.copy_(var)
            m.weight.data.copy_(var.sqrt() * gain)
            m.bias.data.copy_(0.1 * torch.randn(c, generator=gen))
        elif isinstance(m, nn.LayerNorm) and m.elementwise_affine:
            shape = m.weight.shape
            m.weight.data.copy_(0.5 + torch.rand(shape, generator=gen))
            m.bias.data.copy_(0.1 * torch.randn(shape, generator=gen))
    for name, p in net.named_parameters():
        # torchvision initialises the biases of ConvNeXt's, RegNet's and
        # the heads' convs and linear layers to zero, and equal constants
        # are merged: random ones make every bias count.
        if zero_biases and name.endswith(".bias") and not p.any():
            p.data.copy_(0.1 * torch.randn(p.shape, generator=gen))
        # ConvNeXt's per-channel residual scale starts at 1e-6, which would
        # leave its blocks' arithmetic out of the comparison.
        if name.endswith("layer_scale"):
            p.data.copy_(0.05 + 0.1 * torch.rand(p.shape, generator=gen))


def cache_root(cache):
    return cache or os.environ.get("CNNC_ONNX_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "cnnc", "onnx")


def network_dir(cache, opset, name):
    """Where network `name` exported at `opset` lives."""
    return os.path.join(cache_root(cache), f"opset{opset}", name)


def is_exported(folder):
    return all(os.path.exists(os.path.join(folder, f))
               for f in ("model.onnx", "input.npy", "expected.npy"))


def export(name, folder, opset):
    """Exports `name` into `folder` through a temporary folder beside it,
    so an interrupted export never looks cached."""
    net, shape = build(name)
    net.eval()
    with torch.no_grad():
        randomise_batch_norm(net, zero_biases=name in NEWER)
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        expected = net(torch.from_numpy(x)).numpy()
    parent = os.path.dirname(folder)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{name}-", dir=parent)
    os.chmod(tmp, 0o755)
    torch.onnx.export(net, torch.from_numpy(x),
                      os.path.join(tmp, "model.onnx"), opset_version=opset,
                      input_names=["input"], output_names=["output"])
    np.save(os.path.join(tmp, "input.npy"), x)
    np.save(os.path.join(tmp, "expected.npy"), expected)
    if os.path.exists(folder):
        for f in os.listdir(folder):
            os.remove(os.path.join(folder, f))
        os.rmdir(folder)
    os.rename(tmp, folder)


def ensure_exported(names, cache=None, opset=None, force=False,
                    log=sys.stderr):
    """Exports every network of `names` not yet cached (at `opset`, or each
    at its own); returns their folders."""
    folders = {}
    for name in names:
        at = opset_of(name, opset)
        folder = network_dir(cache, at, name)
        if force or not is_exported(folder):
            print(f"exporting {name} (opset {at}) to {folder}", file=log)
            export(name, folder, at)
        folders[name] = folder
    return folders


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Export CNNs from PyTorch to ONNX with an input and "
                    "PyTorch's output.")
    p.add_argument("networks", nargs="*", metavar="NETWORK",
                   help=f"any of {' '.join(NETWORKS)} (default: all)")
    p.add_argument("--cache", help="cache folder (default: $CNNC_ONNX_CACHE "
                   "or ~/.cache/cnnc/onnx)")
    p.add_argument("--opset", type=int, help="ONNX opset (default: 13, "
                   "convnext_tiny 17)")
    p.add_argument("--force", action="store_true",
                   help="export again even when cached")
    args = p.parse_args(argv)
    for n in args.networks:
        if n not in NETWORKS:
            p.error(f"unknown network '{n}' (expected one of "
                    f"{' '.join(NETWORKS)})")
    return args


def main(argv):
    args = parse_args(argv)
    folders = ensure_exported(args.networks or NETWORKS, args.cache,
                              args.opset, args.force)
    for name, folder in folders.items():
        print(f"{name}: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
