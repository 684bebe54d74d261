#!/usr/bin/python3
"""Writes the bundled sample networks (samples/*.ir) in cnnc's text IR.

    /usr/bin/python3 samples/gen_samples.py            # (re)write the .ir files
    /usr/bin/python3 samples/gen_samples.py --check    # compare with PyTorch
    /usr/bin/python3 samples/gen_samples.py --compare NAME OUT.npy [SEED]

The .ir files are what ships; this script only saves typing them. Output is
deterministic: weights are `random(seed, lo, hi)` with seeds 1, 2, 3, ... in
file order, so nothing is downloaded. Values and weights are named after the
torchvision modules and state_dict keys (`%layer1.0.conv1`,
`%layer1.0.conv1.weight`), so --compare can load the same random weights
into the PyTorch model by name.

--check (needs torch/torchvision) builds each network in PyTorch and checks
the parameter count and the output shape against what the .ir declares.
--compare NAME OUT.npy [SEED] recomputes one sample in PyTorch (in double)
with the weights `random(seed, lo, hi)` generates and the input cnnc's randomInputs(g, SEED)
gives (default 0), and compares with OUT.npy written from cnnc's reference
interpreter.

Only the standard library is needed to write the files.
"""

import math
import os
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))

# Small ranges for biases and batch-norm operands keep activations sane with
# random weights.
BIAS_RANGE = (-0.05, 0.05)
BN_SCALE_RANGE = (0.5, 1.5)
BN_BIAS_RANGE = (-0.05, 0.05)
BN_MEAN_RANGE = (-0.1, 0.1)
BN_VAR_RANGE = (0.5, 1.5)

# Conv and fc weights: uniform in +-gain/sqrt(fan_in). PyTorch's default
# (gain 1) shrinks the signal about 2.4x per relu layer, so the outputs of
# the deep samples would hardly depend on the input (VGG-16's by 1e-7 of
# their spread) and a wrong early layer would go unseen in a comparison.
# He (Kaiming) uniform, gain sqrt(6), keeps the variance through relu
# layers; tanh layers and ResNet's residual sums (which add variance block
# by block) take gain sqrt(3).
HE_GAIN = math.sqrt(6)
LECUN_GAIN = math.sqrt(3)

WHY_HE = ("He uniform: PyTorch's default +-1/sqrt(fan_in) shrinks the signal "
          "layer by layer until the output hardly depends on the input")


def weights_note(net):
    """The header paragraph that says how the weights are generated."""
    k = {HE_GAIN: 6, LECUN_GAIN: 3}[net.gain]
    text = ("Weights: random(seed, lo, hi), one seed per tensor (no download)."
            f" Conv and fc weights are uniform in +-sqrt({k}/fan_in) (bounds "
            f"rounded to 4 digits; {net.why}); biases are in +-0.05.")
    if net.torchvision:
        text += " Names follow torchvision's state_dict."
    if net.has_bn:
        # "\0" keeps a range on one line; it becomes a space after wrapping.
        r = [f"[{lo},\0{hi}]" for lo, hi in (BN_SCALE_RANGE, BN_BIAS_RANGE,
                                            BN_MEAN_RANGE, BN_VAR_RANGE)]
        text += (f" Batch norm: scale in {r[0]}, bias in {r[1]}, running mean "
                 f"in {r[2]}, running variance in {r[3]}, epsilon 1e-5 (the "
                 "default).")
    return textwrap.fill(text, 76).replace("\0", " ")


def shape_str(shape):
    return "[" + ",".join(str(d) for d in shape) + "]"


def ints(values):
    return "[" + ",".join(str(v) for v in values) + "]"


def num(x):
    return repr(x) if isinstance(x, float) else str(x)


def window_out(n, k, s, pb, pe, d=1):
    """Output size of a sliding window (floor mode), as ir/Window.h."""
    span = n + pb + pe - d * (k - 1) - 1
    assert span >= 0, "window larger than the padded input"
    return span // s + 1


class Value:
    def __init__(self, name, shape):
        self.name = name
        self.shape = list(shape)

    def __str__(self):
        return "%" + self.name


class Net:
    """Emits IR lines and tracks shapes, seeds and parameter counts."""

    def __init__(self, name, gain, why=WHY_HE, torchvision=False,
                 has_bn=False):
        self.name = name
        self.gain = gain  # conv and fc weights in +-gain/sqrt(fan_in)
        self.why = why
        self.torchvision = torchvision
        self.has_bn = has_bn
        self.header = []
        self.lines = []
        self.seed = 0
        self.params = 0
        self.buffers = 0
        self.names = set()
        self.weights = []  # (name, shape, lo, hi, seed) for --compare
        self.outputs = []
        self.input_shape = None

    # --- text ---------------------------------------------------------------
    def doc(self, text=""):
        text = text.replace("@WEIGHTS@", weights_note(self))
        self.header += [("# " + line).rstrip() for line in text.split("\n")]

    def comment(self, text):
        self.lines += [("  # " + line).rstrip() for line in text.split("\n")]

    def blank(self):
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def _define(self, name):
        assert name not in self.names, "value %" + name + " defined twice"
        self.names.add(name)

    # --- values -------------------------------------------------------------
    def input(self, name, shape):
        self._define(name)
        self.input_shape = list(shape)
        self.lines.append(f"  input %{name} : f32{shape_str(shape)}")
        return Value(name, shape)

    def const(self, name, shape, rng=None, buffer=False):
        self._define(name)
        self.seed += 1
        if rng is None:
            src = f"random({self.seed})"
            lo = hi = None
        else:
            lo, hi = rng
            src = f"random({self.seed}, {num(lo)}, {num(hi)})"
        self.lines.append(f"  %{name} = const {src} : f32{shape_str(shape)}")
        count = math.prod(shape)
        if buffer:
            self.buffers += count
        else:
            self.params += count
        self.weights.append((name, list(shape), lo, hi, self.seed))
        return Value(name, shape)

    def op(self, name, op, operands, attrs, shape):
        """`attrs` is a list of (name, text) pairs, written in that order."""
        self._define(name)
        args = ", ".join(str(v) for v in operands)
        line = f"  %{name} = {op}({args})"
        if attrs:
            line += " {" + ", ".join(f"{k}={v}" for k, v in attrs) + "}"
        line += f" : f32{shape_str(shape)}"
        self.lines.append(line)
        return Value(name, shape)

    def output(self, *values):
        self.outputs = list(values)

    def text(self):
        out = list(self.header)
        out.append(f"graph {self.name} {{")
        out += self.lines
        while out[-1] == "":
            out.pop()
        out.append("  output " + ", ".join(str(v) for v in self.outputs))
        out.append("}")
        return "\n".join(out) + "\n"

    # --- layers -------------------------------------------------------------
    def weight(self, name, shape):
        """A conv or fc weight: +-gain/sqrt(fan_in), rounded to 4 digits."""
        b = float(f"{self.gain / math.sqrt(math.prod(shape[1:])):.4g}")
        return self.const(name, shape, (-b, b))

    def conv(self, name, x, out_ch, k, stride=1, pad=0, dilation=1, groups=1,
             bias=True):
        """A PyTorch ConvNd: symmetric `pad`, scalar or per-axis k/stride."""
        r = len(x.shape) - 2
        k, stride, pad, dilation = (
            [v] * r if isinstance(v, int) else list(v)
            for v in (k, stride, pad, dilation))
        in_ch = x.shape[1]
        assert in_ch % groups == 0 and out_ch % groups == 0
        operands = [x, self.weight(name + ".weight",
                                   [out_ch, in_ch // groups] + k)]
        if bias:
            operands.append(self.const(name + ".bias", [out_ch], BIAS_RANGE))
        attrs = []
        if any(s != 1 for s in stride):
            attrs.append(("stride", ints(stride)))
        if any(d != 1 for d in dilation):
            attrs.append(("dilation", ints(dilation)))
        if any(pad):
            attrs.append(("pads", ints(pad + pad)))
        if groups != 1:
            attrs.append(("groups", groups))
        spatial = [window_out(n, k[i], stride[i], pad[i], pad[i], dilation[i])
                   for i, n in enumerate(x.shape[2:])]
        return self.op(name, "conv", operands, attrs,
                       [x.shape[0], out_ch] + spatial)

    def batch_norm(self, name, x):
        c = [x.shape[1]]
        operands = [x,
                    self.const(name + ".weight", c, BN_SCALE_RANGE),
                    self.const(name + ".bias", c, BN_BIAS_RANGE),
                    self.const(name + ".running_mean", c, BN_MEAN_RANGE,
                               buffer=True),
                    self.const(name + ".running_var", c, BN_VAR_RANGE,
                               buffer=True)]
        return self.op(name, "batch_norm", operands, [], x.shape)

    def linear(self, name, x, out_features):
        assert len(x.shape) == 2
        w = self.weight(name + ".weight", [out_features, x.shape[1]])
        b = self.const(name + ".bias", [out_features], BIAS_RANGE)
        return self.op(name, "gemm", [x, w, b], [("trans_b", 1)],
                       [x.shape[0], out_features])

    def unary(self, name, op, x, attrs=()):
        return self.op(name, op, [x], list(attrs), x.shape)

    def relu(self, name, x):
        return self.unary(name, "relu", x)

    def relu6(self, name, x):
        return self.unary(name, "clip", x, [("min", 0), ("max", 6)])

    def pool(self, name, op, x, k, stride=None, pad=0):
        r = len(x.shape) - 2
        k = [k] * r if isinstance(k, int) else list(k)
        stride = k if stride is None else (
            [stride] * r if isinstance(stride, int) else list(stride))
        pad = [pad] * r if isinstance(pad, int) else list(pad)
        attrs = [("kernel", ints(k))]
        if stride != k:
            attrs.append(("stride", ints(stride)))
        if any(pad):
            attrs.append(("pads", ints(pad + pad)))
        spatial = [window_out(n, k[i], stride[i], pad[i], pad[i])
                   for i, n in enumerate(x.shape[2:])]
        return self.op(name, op, [x], attrs, x.shape[:2] + spatial)

    def max_pool(self, name, x, k, stride=None, pad=0):
        return self.pool(name, "max_pool", x, k, stride, pad)

    def avg_pool(self, name, x, k, stride=None, pad=0):
        return self.pool(name, "avg_pool", x, k, stride, pad)

    def global_avg_pool(self, name, x):
        return self.op(name, "global_avg_pool", [x], [],
                       x.shape[:2] + [1] * (len(x.shape) - 2))

    def flatten(self, name, x):
        return self.op(name, "flatten", [x], [],
                       [x.shape[0], math.prod(x.shape[1:])])

    def dropout(self, name, x, ratio=0.5):
        attrs = [] if ratio == 0.5 else [("ratio", num(ratio))]
        return self.unary(name, "dropout", x, attrs)

    def add(self, name, a, b):
        assert a.shape == b.shape
        return self.op(name, "add", [a, b], [], a.shape)


def thousands(n):
    return f"{n:,}"


#===--- LeNet-5 -------------------------------------------------------------===#

def lenet5():
    n = Net("lenet5", LECUN_GAIN,
            why="variance 1/fan_in, which keeps tanh in its responsive range")
    n.doc("""\
LeNet-5 (LeCun, Bottou, Bengio, Haffner, "Gradient-based learning applied to
document recognition", Proc. IEEE 1998), the classic digit recogniser.
Input:  %x f32[1,1,32,32] (a 32x32 grey image).
Output: %fc3 f32[1,10] (class scores, before softmax).
Parameters: 61,706 (conv1 156, conv2 2,416, fc1 48,120, fc2 10,164,
fc3 850), equal to the PyTorch model in gen_samples.py --check.

@WEIGHTS@

Classic choices: tanh activations and 2x2/2 average pooling ("subsampling")
as in the paper. Differences from the paper, as in most modern re-creations:
- the subsampling layers are plain average pooling (the paper multiplies the
  average by a trainable coefficient, adds a trainable bias and applies a
  sigmoid), and the activation is tanh rather than 1.7159*tanh(2x/3);
- C3 connects every S2 map to every C3 map (the paper's sparse connection
  table gives 1,516 weights instead of 2,416);
- C5, a 5x5 conv with 120 maps over the 5x5 S4 output, is written as the
  equivalent flatten + fully connected layer fc1 (400 -> 120);
- the output layer is fully connected (84 -> 10) instead of Euclidean RBF
  units.""")
    x = n.input("x", [1, 1, 32, 32])
    n.blank()
    n.comment("C1: 6 maps 5x5 -> 28x28, S2: 2x2 average pooling -> 14x14")
    h = n.conv("conv1", x, 6, 5)
    h = n.unary("tanh1", "tanh", h)
    h = n.avg_pool("pool1", h, 2)
    n.blank()
    n.comment("C3: 16 maps 5x5 -> 10x10, S4: 2x2 average pooling -> 5x5")
    h = n.conv("conv2", h, 16, 5)
    h = n.unary("tanh2", "tanh", h)
    h = n.avg_pool("pool2", h, 2)
    n.blank()
    n.comment("C5 (as fc1), F6 and the output layer")
    h = n.flatten("flatten", h)
    h = n.linear("fc1", h, 120)
    h = n.unary("tanh3", "tanh", h)
    h = n.linear("fc2", h, 84)
    h = n.unary("tanh4", "tanh", h)
    h = n.linear("fc3", h, 10)
    n.output(h)
    return n


#===--- AlexNet (torchvision) -----------------------------------------------===#

def alexnet():
    n = Net("alexnet", HE_GAIN, torchvision=True)
    n.doc("""\
AlexNet as torchvision.models.alexnet builds it (the "One weird trick"
variant, arXiv:1404.5997: 64-192-384-256-256 filters, no LRN, no groups).
Input:  %x f32[1,3,224,224] (an RGB image, normalised).
Output: %classifier.6 f32[1,1000] (ImageNet class scores, before softmax).
Parameters: 61,100,840, as sum(p.numel() for p in alexnet().parameters()).

@WEIGHTS@

Differences from the framework:
- avgpool, AdaptiveAvgPool2d((6, 6)), is left out: on a 224x224 input the
  features already end at 6x6, where it is the identity;
- torch.flatten(x, 1) is %flatten; dropout is the identity at inference.""")
    x = n.input("x", [1, 3, 224, 224])
    cfg = [  # (index, out channels, kernel, stride, pad, max pool after)
        (0, 64, 11, 4, 2, True),
        (3, 192, 5, 1, 2, True),
        (6, 384, 3, 1, 1, False),
        (8, 256, 3, 1, 1, False),
        (10, 256, 3, 1, 1, True),
    ]
    h = x
    for i, c, k, s, p, pool in cfg:
        n.blank()
        what = f"features.{i}-{i + 2 if pool else i + 1}: conv {c} {k}x{k}"
        what += f"/{s}" if s != 1 else ""
        what += f" pad {p}, relu" + (", max pool 3x3/2" if pool else "")
        n.comment(what)
        h = n.conv(f"features.{i}", h, c, k, s, p)
        h = n.relu(f"features.{i + 1}", h)
        if pool:
            h = n.max_pool(f"features.{i + 2}", h, 3, 2)
    n.blank()
    n.comment("avgpool (AdaptiveAvgPool2d 6x6) is the identity on 6x6: left "
              "out")
    h = n.flatten("flatten", h)
    n.blank()
    n.comment("classifier")
    h = n.dropout("classifier.0", h)
    h = n.linear("classifier.1", h, 4096)
    h = n.relu("classifier.2", h)
    h = n.dropout("classifier.3", h)
    h = n.linear("classifier.4", h, 4096)
    h = n.relu("classifier.5", h)
    h = n.linear("classifier.6", h, 1000)
    n.output(h)
    return n


#===--- AlexNet (the 2012 paper) --------------------------------------------===#

def alexnet2012():
    n = Net("alexnet2012", HE_GAIN)
    n.doc("""\
AlexNet as in the paper (Krizhevsky, Sutskever, Hinton, "ImageNet
Classification with Deep Convolutional Neural Networks", NIPS 2012), in its
single-tower form: the two GPU halves are merged, so conv2, conv4 and conv5
see all channels of the previous layer (no groups).
Input:  %x f32[1,3,227,227] (227, not the paper's 224: 11x11/4 filters on
        227 give the paper's 55x55 maps).
Output: %prob f32[1,1000] (the paper's 1000-way softmax).
Parameters: 62,378,344 (conv1 34,944: 96 x 3x11x11 + 96 biases).

@WEIGHTS@

Layers: conv-relu-LRN-pool, conv-relu-LRN-pool, three conv-relu, pool,
fc-relu-dropout twice, fc, softmax.
- LRN: size 5, k (bias) 2, beta 0.75, and the paper's alpha 1e-4. cnnc's
  lrn is PyTorch's and ONNX's, which divide alpha by size, so the paper's
  alpha=1e-4 is written alpha=0.0005 (0.0005 / 5 = 1e-4).
- Pooling overlaps: 3x3 windows, stride 2 (55 -> 27 -> 13 -> 6).
- Dropout (0.5) follows fc6 and fc7; it is the identity at inference.""")
    x = n.input("x", [1, 3, 227, 227])
    lrn = [("size", 5), ("alpha", "0.0005"), ("beta", "0.75"), ("bias", "2")]
    n.blank()
    n.comment("conv1: 96 11x11/4 -> 55x55x96, LRN, max pool 3x3/2 -> 27x27x96")
    h = n.conv("conv1", x, 96, 11, 4)
    h = n.relu("relu1", h)
    h = n.unary("norm1", "lrn", h, lrn)
    h = n.max_pool("pool1", h, 3, 2)
    n.blank()
    n.comment("conv2: 256 5x5 pad 2 -> 27x27x256, LRN, max pool -> 13x13x256")
    h = n.conv("conv2", h, 256, 5, 1, 2)
    h = n.relu("relu2", h)
    h = n.unary("norm2", "lrn", h, lrn)
    h = n.max_pool("pool2", h, 3, 2)
    for i, c in ((3, 384), (4, 384), (5, 256)):
        n.blank()
        n.comment(f"conv{i}: {c} 3x3 pad 1 -> 13x13x{c}"
                  + (", max pool -> 6x6x256" if i == 5 else ""))
        h = n.conv(f"conv{i}", h, c, 3, 1, 1)
        h = n.relu(f"relu{i}", h)
    h = n.max_pool("pool5", h, 3, 2)
    n.blank()
    n.comment("fc6, fc7: 4096 each with dropout; fc8: 1000 and the softmax")
    h = n.flatten("flatten", h)
    for i in (6, 7):
        h = n.linear(f"fc{i}", h, 4096)
        h = n.relu(f"relu{i}", h)
        h = n.dropout(f"drop{i}", h)
    h = n.linear("fc8", h, 1000)
    h = n.unary("prob", "softmax", h, [("axis", 1)])
    n.output(h)
    return n


#===--- VGG-16 --------------------------------------------------------------===#

def vgg16():
    n = Net("vgg16", HE_GAIN, torchvision=True)
    n.doc("""\
VGG-16 (configuration D of Simonyan and Zisserman, "Very Deep Convolutional
Networks for Large-Scale Image Recognition", ICLR 2015) as
torchvision.models.vgg16 builds it, without batch norm.
Input:  %x f32[1,3,224,224] (an RGB image, normalised).
Output: %classifier.6 f32[1,1000] (ImageNet class scores, before softmax).
Parameters: 138,357,544, as sum(p.numel() for p in vgg16().parameters()).

@WEIGHTS@

Differences from the framework:
- avgpool, AdaptiveAvgPool2d((7, 7)), is left out: on a 224x224 input the
  features already end at 7x7, where it is the identity;
- torch.flatten(x, 1) is %flatten; dropout is the identity at inference.""")
    x = n.input("x", [1, 3, 224, 224])
    cfg = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512],
           [512, 512, 512]]
    h, i = x, 0
    for stage, channels in enumerate(cfg, 1):
        n.blank()
        size = h.shape[2]
        n.comment(f"block {stage}: {len(channels)} x (conv {channels[0]} 3x3 "
                  f"pad 1, relu) at {size}x{size}, max pool 2x2 -> "
                  f"{size // 2}x{size // 2}")
        for c in channels:
            h = n.conv(f"features.{i}", h, c, 3, 1, 1)
            h = n.relu(f"features.{i + 1}", h)
            i += 2
        h = n.max_pool(f"features.{i}", h, 2)
        i += 1
    n.blank()
    n.comment("avgpool (AdaptiveAvgPool2d 7x7) is the identity on 7x7: left "
              "out")
    h = n.flatten("flatten", h)
    n.blank()
    n.comment("classifier")
    h = n.linear("classifier.0", h, 4096)
    h = n.relu("classifier.1", h)
    h = n.dropout("classifier.2", h)
    h = n.linear("classifier.3", h, 4096)
    h = n.relu("classifier.4", h)
    h = n.dropout("classifier.5", h)
    h = n.linear("classifier.6", h, 1000)
    n.output(h)
    return n


#===--- ResNet-18 -----------------------------------------------------------===#

def resnet18():
    n = Net("resnet18", LECUN_GAIN, torchvision=True, has_bn=True,
            why="variance 1/fan_in: the default +-1/sqrt(fan_in) makes the "
            "output hardly depend on the input, He's +-sqrt(6/fan_in) lets "
            "the residual sums grow block by block to logits of spread 70")
    n.doc("""\
ResNet-18 (He, Zhang, Ren, Sun, "Deep Residual Learning for Image
Recognition", CVPR 2016) as torchvision.models.resnet18 builds it:
BasicBlocks [2, 2, 2, 2], downsampling by stride 2 in the first 3x3 conv of
layers 2-4 with a 1x1 conv + batch norm on the shortcut.
Input:  %x f32[1,3,224,224] (an RGB image, normalised).
Output: %fc f32[1,1000] (ImageNet class scores, before softmax).
Parameters: 11,689,512, as sum(p.numel() for p in resnet18().parameters());
the batch norms' running mean and variance (9,600 values) are buffers.

@WEIGHTS@

Naming: in block layerN.B, %layerN.B.relu is the first relu, %layerN.B.add
the residual sum and %layerN.B the block's output (the second relu).
Differences from the framework: avgpool, AdaptiveAvgPool2d((1, 1)), is
global_avg_pool; torch.flatten(x, 1) is %flatten.
cnnc warns that the 1x1 stride-2 downsample convs leave the last row and
column of their 56x56, 28x28 and 14x14 inputs unused: that is ResNet as
designed (the output size is floored), not a mistake in this file.""")
    x = n.input("x", [1, 3, 224, 224])
    n.blank()
    n.comment("stem: conv 64 7x7/2 pad 3, bn, relu -> 112x112, max pool 3x3/2 "
              "pad 1 -> 56x56")
    h = n.conv("conv1", x, 64, 7, 2, 3, bias=False)
    h = n.batch_norm("bn1", h)
    h = n.relu("relu", h)
    h = n.max_pool("maxpool", h, 3, 2, 1)
    for layer, (c, s) in enumerate(((64, 1), (128, 2), (256, 2), (512, 2)), 1):
        for b in range(2):
            p = f"layer{layer}.{b}"
            stride = s if b == 0 else 1
            down = stride != 1 or h.shape[1] != c
            n.blank()
            out = window_out(h.shape[2], 3, stride, 1, 1)
            n.comment(f"{p}: basic block, {c} channels"
                      + (f", stride {stride}" if stride != 1 else "")
                      + f" -> {out}x{out}"
                      + (", 1x1 conv + bn on the shortcut" if down else ""))
            identity = h
            t = n.conv(f"{p}.conv1", h, c, 3, stride, 1, bias=False)
            t = n.batch_norm(f"{p}.bn1", t)
            t = n.relu(f"{p}.relu", t)
            t = n.conv(f"{p}.conv2", t, c, 3, 1, 1, bias=False)
            t = n.batch_norm(f"{p}.bn2", t)
            if down:
                identity = n.conv(f"{p}.downsample.0", h, c, 1, stride,
                                  bias=False)
                identity = n.batch_norm(f"{p}.downsample.1", identity)
            t = n.add(f"{p}.add", t, identity)
            h = n.relu(p, t)
    n.blank()
    n.comment("head: global average pool, fc 512 -> 1000")
    h = n.global_avg_pool("avgpool", h)
    h = n.flatten("flatten", h)
    h = n.linear("fc", h, 1000)
    n.output(h)
    return n


#===--- MobileNetV2 ---------------------------------------------------------===#

def mobilenet_v2():
    n = Net("mobilenet_v2", HE_GAIN, torchvision=True, has_bn=True)
    n.doc("""\
MobileNetV2 (Sandler, Howard, Zhu, Zhmoginov, Chen, "MobileNetV2: Inverted
Residuals and Linear Bottlenecks", CVPR 2018) as
torchvision.models.mobilenet_v2 builds it (width 1.0).
Input:  %x f32[1,3,224,224] (an RGB image, normalised).
Output: %classifier.1 f32[1,1000] (ImageNet class scores, before softmax).
Parameters: 3,504,872, as sum(p.numel() for p in
mobilenet_v2().parameters()); the batch norms' running mean and variance
(34,112 values) are buffers.

@WEIGHTS@

Inverted residual blocks (t = expansion, c = output channels, n = repeats,
s = stride of the first): t,c,n,s = 1,16,1,1  6,24,2,2  6,32,3,2  6,64,4,2
6,96,3,1  6,160,3,2  6,320,1,1. Each block: 1x1 expansion conv + bn + relu6
(left out when t = 1), 3x3 depthwise conv (groups = channels) + bn + relu6,
1x1 linear projection conv + bn; a residual add when the stride is 1 and the
channel count is unchanged (%features.N is then the block's output).
ReLU6 is clip {min=0, max=6}.
Differences from the framework: adaptive_avg_pool2d(x, (1, 1)) is
global_avg_pool; torch.flatten(x, 1) is %flatten; dropout (p=0.2) is the
identity at inference.""")
    x = n.input("x", [1, 3, 224, 224])
    n.blank()
    n.comment("features.0: conv 32 3x3/2 pad 1, bn, relu6 -> 112x112")
    h = n.conv("features.0.0", x, 32, 3, 2, 1, bias=False)
    h = n.batch_norm("features.0.1", h)
    h = n.relu6("features.0.2", h)
    settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    idx = 1
    for t, c, reps, s in settings:
        for r in range(reps):
            stride = s if r == 0 else 1
            inp = h.shape[1]
            hidden = int(round(inp * t))
            residual = stride == 1 and inp == c
            p = f"features.{idx}.conv"
            n.blank()
            out = window_out(h.shape[2], 3, stride, 1, 1)
            n.comment(f"features.{idx}: inverted residual {inp} -> {c}, "
                      f"expansion {t} ({hidden})"
                      + (f", stride {stride}" if stride != 1 else "")
                      + f" -> {out}x{out}"
                      + (", residual" if residual else ""))
            y, j = h, 0
            if t != 1:
                y = n.conv(f"{p}.0.0", y, hidden, 1, bias=False)
                y = n.batch_norm(f"{p}.0.1", y)
                y = n.relu6(f"{p}.0.2", y)
                j = 1
            y = n.conv(f"{p}.{j}.0", y, hidden, 3, stride, 1, groups=hidden,
                       bias=False)
            y = n.batch_norm(f"{p}.{j}.1", y)
            y = n.relu6(f"{p}.{j}.2", y)
            y = n.conv(f"{p}.{j + 1}", y, c, 1, bias=False)
            y = n.batch_norm(f"{p}.{j + 2}", y)
            h = n.add(f"features.{idx}", h, y) if residual else y
            idx += 1
    n.blank()
    n.comment(f"features.{idx}: conv 1280 1x1, bn, relu6")
    h = n.conv(f"features.{idx}.0", h, 1280, 1, bias=False)
    h = n.batch_norm(f"features.{idx}.1", h)
    h = n.relu6(f"features.{idx}.2", h)
    n.blank()
    n.comment("head: global average pool, dropout, fc 1280 -> 1000")
    h = n.global_avg_pool("pool", h)
    h = n.flatten("flatten", h)
    h = n.dropout("classifier.0", h, 0.2)
    h = n.linear("classifier.1", h, 1000)
    n.output(h)
    return n


#===--- A 1D signal network -------------------------------------------------===#

def signal1d():
    n = Net("signal1d", HE_GAIN, has_bn=True)
    n.doc("""\
A small 1D convolutional network for a one-channel signal (e.g. 256 samples
of audio or a sensor trace) classified into 10 classes. Not a published
model: a sample that exercises 1D convolution with stride, dilation and
padding, 1D max pooling, batch norm and global average pooling.
Input:  %x f32[1,1,256].
Output: %fc f32[1,10] (class scores).
Parameters: 9,578 (conv1 128, conv2 2,592, bn2 64, conv3 6,144, fc 650),
equal to the PyTorch model in gen_samples.py --check; bn2's running mean
and variance (64 values) are buffers.

@WEIGHTS@""")
    x = n.input("x", [1, 1, 256])
    n.blank()
    n.comment("conv1: 16 filters of 7, stride 2, pad 3 -> 128")
    h = n.conv("conv1", x, 16, 7, 2, 3)
    h = n.relu("relu1", h)
    n.blank()
    n.comment("conv2: 32 filters of 5, dilation 2 (span 9), pad 4 -> 128; "
              "bn; max pool 2 -> 64")
    h = n.conv("conv2", h, 32, 5, 1, 4, dilation=2)
    h = n.batch_norm("bn2", h)
    h = n.relu("relu2", h)
    h = n.max_pool("pool2", h, 2)
    n.blank()
    n.comment("conv3: 64 filters of 3, stride 2, pad 1, no bias -> 32")
    h = n.conv("conv3", h, 64, 3, 2, 1, bias=False)
    h = n.relu("relu3", h)
    n.blank()
    n.comment("head: global average pool over time, fc 64 -> 10")
    h = n.global_avg_pool("pool", h)
    h = n.flatten("flatten", h)
    h = n.linear("fc", h, 10)
    n.output(h)
    return n


#===--- A 3D volume network -------------------------------------------------===#

def volume3d():
    n = Net("volume3d", HE_GAIN)
    n.doc("""\
A small 3D convolutional network for a one-channel volume (e.g. a 16-slice
32x32 scan or a 16-frame clip) classified into 10 classes. Not a published
model: a sample that exercises 3D convolution (with an anisotropic kernel
and stride), 3D max pooling and global average pooling.
Input:  %x f32[1,1,16,32,32] (N, C, D, H, W).
Output: %fc f32[1,10] (class scores).
Parameters: 8,666 (conv1 224, conv2 3,472, conv3 4,640, fc 330), equal to
the PyTorch model in gen_samples.py --check.

@WEIGHTS@""")
    x = n.input("x", [1, 1, 16, 32, 32])
    n.blank()
    n.comment("conv1: 8 filters 3x3x3 pad 1 -> 16x32x32, max pool 2x2x2 -> "
              "8x16x16")
    h = n.conv("conv1", x, 8, 3, 1, 1)
    h = n.relu("relu1", h)
    h = n.max_pool("pool1", h, 2)
    n.blank()
    n.comment("conv2: 16 filters 3x3x3 pad 1 -> 8x16x16, max pool 2x2x2 -> "
              "4x8x8")
    h = n.conv("conv2", h, 16, 3, 1, 1)
    h = n.relu("relu2", h)
    h = n.max_pool("pool2", h, 2)
    n.blank()
    n.comment("conv3: 32 filters 1x3x3 (in-plane only), stride 1x2x2, pad "
              "0x1x1 -> 4x4x4")
    h = n.conv("conv3", h, 32, (1, 3, 3), (1, 2, 2), (0, 1, 1))
    h = n.relu("relu3", h)
    n.blank()
    n.comment("head: global average pool over the volume, fc 32 -> 10")
    h = n.global_avg_pool("pool", h)
    h = n.flatten("flatten", h)
    h = n.linear("fc", h, 10)
    n.output(h)
    return n


SAMPLES = {
    "lenet5": lenet5,
    "alexnet": alexnet,
    "alexnet2012": alexnet2012,
    "vgg16": vgg16,
    "resnet18": resnet18,
    "mobilenet_v2": mobilenet_v2,
    "signal1d": signal1d,
    "volume3d": volume3d,
}


def write_all():
    for name, build in SAMPLES.items():
        net = build()
        # The hand-written header must state the total the layers add up to.
        header = "\n".join(net.header)
        assert "# Parameters: " + thousands(net.params) in header, \
            name + ": header total is stale"
        assert not net.buffers or f"({thousands(net.buffers)} values)" in \
            header.replace("\n# ", " "), name + ": header buffers are stale"
        path = os.path.join(HERE, name + ".ir")
        with open(path, "w", newline="\n") as f:
            f.write(net.text())
        print(f"{name + '.ir':18} {thousands(net.params):>12} parameters")


#===--- Checks against PyTorch ----------------------------------------------===#

def torch_model(name):
    """The PyTorch model a sample mirrors, with matching state_dict keys."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torchvision

    if name in ("alexnet", "vgg16", "resnet18", "mobilenet_v2"):
        return getattr(torchvision.models, name)()

    class LeNet5(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)
            self.fc1, self.fc2 = nn.Linear(400, 120), nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.avg_pool2d(torch.tanh(self.conv1(x)), 2)
            x = F.avg_pool2d(torch.tanh(self.conv2(x)), 2)
            x = torch.tanh(self.fc1(torch.flatten(x, 1)))
            return self.fc3(torch.tanh(self.fc2(x)))

    class AlexNet2012(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 96, 11, 4)
            self.conv2 = nn.Conv2d(96, 256, 5, padding=2)
            self.conv3 = nn.Conv2d(256, 384, 3, padding=1)
            self.conv4 = nn.Conv2d(384, 384, 3, padding=1)
            self.conv5 = nn.Conv2d(384, 256, 3, padding=1)
            self.fc6 = nn.Linear(9216, 4096)
            self.fc7 = nn.Linear(4096, 4096)
            self.fc8 = nn.Linear(4096, 1000)
            self.lrn = nn.LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2.0)

        def forward(self, x):
            x = F.max_pool2d(self.lrn(F.relu(self.conv1(x))), 3, 2)
            x = F.max_pool2d(self.lrn(F.relu(self.conv2(x))), 3, 2)
            x = F.relu(self.conv3(x))
            x = F.relu(self.conv4(x))
            x = F.max_pool2d(F.relu(self.conv5(x)), 3, 2)
            x = F.relu(self.fc6(torch.flatten(x, 1)))
            x = F.relu(self.fc7(x))
            return F.softmax(self.fc8(x), dim=1)

    class Signal1d(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv1d(1, 16, 7, 2, 3)
            self.conv2 = nn.Conv1d(16, 32, 5, 1, 4, dilation=2)
            self.bn2 = nn.BatchNorm1d(32)
            self.conv3 = nn.Conv1d(32, 64, 3, 2, 1, bias=False)
            self.fc = nn.Linear(64, 10)

        def forward(self, x):
            x = F.relu(self.conv1(x))
            x = F.max_pool1d(F.relu(self.bn2(self.conv2(x))), 2)
            x = F.relu(self.conv3(x))
            return self.fc(torch.flatten(F.adaptive_avg_pool1d(x, 1), 1))

    class Volume3d(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv3d(1, 8, 3, 1, 1)
            self.conv2 = nn.Conv3d(8, 16, 3, 1, 1)
            self.conv3 = nn.Conv3d(16, 32, (1, 3, 3), (1, 2, 2), (0, 1, 1))
            self.fc = nn.Linear(32, 10)

        def forward(self, x):
            x = F.max_pool3d(F.relu(self.conv1(x)), 2)
            x = F.max_pool3d(F.relu(self.conv2(x)), 2)
            x = F.relu(self.conv3(x))
            return self.fc(torch.flatten(F.adaptive_avg_pool3d(x, 1), 1))

    return {"lenet5": LeNet5, "alexnet2012": AlexNet2012,
            "signal1d": Signal1d, "volume3d": Volume3d}[name]()


def random_array(seed, shape, lo=None, hi=None):
    """What cnnc's random(seed[, lo, hi]) gives (ir/Weights.cpp)."""
    import numpy as np
    count = math.prod(shape)
    with np.errstate(over="ignore"):
        z = (np.uint64(seed) << np.uint64(32)) + np.arange(count,
                                                            dtype=np.uint64)
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.float64) / 16777216.0
    if lo is None:
        fan_in = math.prod(shape[1:]) if len(shape) > 1 else 1
        b = 1.0 / math.sqrt(max(fan_in, 1))
        lo, hi = -b, b
    return (lo + (hi - lo) * u).astype(np.float32).reshape(shape)


def check():
    import torch
    ok = True
    for name, build in SAMPLES.items():
        net = build()
        model = torch_model(name).eval()
        params = sum(p.numel() for p in model.parameters())
        with torch.no_grad():
            y = model(torch.zeros(net.input_shape))
        out_shape = net.outputs[0].shape
        keys = {k for k in model.state_dict() if "num_batches" not in k}
        names = {w[0] for w in net.weights}
        good = (params == net.params and list(y.shape) == out_shape
                and keys == names)
        ok &= good
        print(f"{name:14} ir {thousands(net.params):>12} torch "
              f"{thousands(params):>12}  output ir {out_shape} torch "
              f"{list(y.shape)}  weights named alike: {keys == names}  "
              f"{'ok' if good else 'MISMATCH'}")
    return ok


def compare(name, npy_path, input_seed=0):
    import numpy as np
    import torch
    net = SAMPLES[name]()
    model = torch_model(name).eval()
    state = model.state_dict()
    for wname, shape, lo, hi, seed in net.weights:
        assert list(state[wname].shape) == shape, wname
        state[wname] = torch.from_numpy(random_array(seed, shape, lo, hi))
    model.load_state_dict(state)
    # randomInputs: 2 * randomUniform01(seed + i, j) - 1 in float.
    u = random_array(input_seed, net.input_shape, 0.0, 1.0)
    x = torch.from_numpy((np.float32(2) * u - np.float32(1)).astype(np.float32))
    with torch.no_grad():
        want = model.double()(x.double()).numpy()
    got = np.load(npy_path)
    err = np.abs(got - want).max()
    scale = np.abs(want).max()
    print(f"{name}: max |cnnc - torch| = {err:.3g} (max |torch| = "
          f"{scale:.3g}, std {want.std():.3g})")
    return err <= 1e-4 * max(scale, 1e-3)


def main(argv):
    if len(argv) > 1 and argv[1] == "--check":
        return 0 if check() else 1
    if len(argv) > 1 and argv[1] == "--compare":
        seed = int(argv[4]) if len(argv) > 4 else 0
        return 0 if compare(argv[2], argv[3], seed) else 1
    if len(argv) > 1:
        print(__doc__)
        return 2
    write_all()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
