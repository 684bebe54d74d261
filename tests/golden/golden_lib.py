"""Support code for gen_golden.py: one golden case, its files, ONNX references.

A `Case` collects graph inputs, weights, node lines and expected outputs and
writes two files into the cases directory:

  NAME.ir           the graph in cnnc's text IR, with a `# PyTorch:` comment
                    giving the expression that produced the expectation
  NAME.safetensors  the weights (by value name), `input:<name>` for every
                    graph input and `expected:<name>` for every graph output

Tensors are drawn as float32 (what cnnc reads) from a generator seeded by the
case name, then promoted to float64, so PyTorch computes the expectation in
double precision from exactly the stored inputs. Expectations are rounded to
float32 when written.

The ONNX helpers at the end implement, in plain torch indexing, the parts of
the ONNX spec that have no PyTorch function (slice with negative steps,
resize modes PyTorch lacks, depth_to_space in DCR order).
"""

import json
import math
import struct
import zlib
from pathlib import Path

import torch


def float_text(v):
    """A float as IR text that parses back to the same double."""
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(float(v))


def attr_text(v):
    """An attribute value as IR text: ints, floats, enum names and lists."""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return float_text(v)
    if isinstance(v, str):
        return v
    return "[" + ",".join(attr_text(e) for e in v) + "]"


def type_text(t):
    """The IR type of a tensor: f32[d0,d1,...]."""
    return "f32[" + ",".join(str(d) for d in t.shape) + "]"


def write_safetensors(path, tensors):
    """Writes (key, tensor) pairs as F32 little-endian safetensors."""
    header, blobs, offset = {}, [], 0
    for key, t in tensors:
        data = t.detach().to(torch.float32).contiguous().numpy()
        data = data.astype("<f4").tobytes()
        header[key] = {"dtype": "F32", "shape": list(t.shape),
                       "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":"))
    text += " " * (-(8 + len(text)) % 8)  # align the data to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text.encode("ascii"))
        for b in blobs:
            f.write(b)


class Case:
    """One golden case: a small graph, its inputs and expected outputs."""

    def __init__(self, name):
        self.name = name
        self.expr = ""
        self.gen = torch.Generator().manual_seed(zlib.crc32(name.encode()))
        self.inputs = []   # (value name, tensor)
        self.weights = []  # (value name, tensor, inline?)
        self.lines = []    # node lines of the IR
        self.outputs = []  # (value name, expected tensor)

    # Data ----------------------------------------------------------------
    def randn(self, *shape, scale=1.0):
        """Normal data, rounded through float32, as float64."""
        t = torch.randn(shape, generator=self.gen, dtype=torch.float64)
        return (t * scale).float().double()

    def uniform(self, *shape, lo=-1.0, hi=1.0):
        """Uniform data in [lo, hi), rounded through float32, as float64."""
        t = torch.rand(shape, generator=self.gen, dtype=torch.float64)
        return (lo + (hi - lo) * t).float().double()

    def away_from_zero(self, *shape, lo=0.5, hi=1.5):
        """Values with |v| in [lo, hi) and a random sign (safe divisors)."""
        mag = self.uniform(*shape, lo=lo, hi=hi)
        sign = torch.where(self.uniform(*shape) < 0, -1.0, 1.0)
        return (mag * sign).double()

    # Graph ---------------------------------------------------------------
    def input(self, name, t):
        """Declares a graph input %name holding `t`; returns `t`."""
        self.inputs.append((name, t))
        return t

    def weight(self, name, t, inline=False):
        """Declares a const %name (from the weights file, or an inline
        literal); returns `t`."""
        self.weights.append((name, t, inline))
        return t

    def node(self, results, op, operands, attrs=None):
        """Appends `%r... = op(%o...) {attrs}`; None attributes are left
        out (the op's default)."""
        if isinstance(results, str):
            results = [results]
        line = ", ".join("%" + r for r in results) + " = " + op + "("
        line += ", ".join("%" + o for o in operands) + ")"
        given = [(k, v) for k, v in (attrs or {}).items() if v is not None]
        if given:
            line += " {" + ", ".join(f"{k}={attr_text(v)}" for k, v in given)
            line += "}"
        self.lines.append(line)

    def output(self, name, expected):
        """Marks %name as a graph output with its expected value."""
        self.outputs.append((name, expected))

    # Files ---------------------------------------------------------------
    def ir_text(self):
        """The case's graph as IR text."""
        out = [f"# Golden case {self.name}, generated by gen_golden.py.",
               f"# PyTorch: {self.expr}",
               f"graph {self.name} {{",
               f'  weights "{self.name}.safetensors"']
        for name, t in self.inputs:
            out.append(f"  input %{name} : {type_text(t)}")
        for name, t, inline in self.weights:
            src = f'file("{name}")'
            if inline:
                src = "[" + ", ".join(float_text(v) for v in
                                      t.float().double().flatten().tolist())
                src += "]"
            out.append(f"  %{name} = const {src} : {type_text(t)}")
        out += ["  " + line for line in self.lines]
        out.append("  output " + ", ".join("%" + n for n, _ in self.outputs))
        out.append("}")
        return "\n".join(out) + "\n"

    def write(self, directory):
        """Writes NAME.ir and NAME.safetensors into `directory`."""
        assert self.expr, f"case {self.name} has no PyTorch expression"
        assert self.outputs, f"case {self.name} has no output"
        Path(directory, self.name + ".ir").write_text(self.ir_text())
        tensors = [(n, t) for n, t, inline in self.weights if not inline]
        tensors += [("input:" + n, t) for n, t in self.inputs]
        tensors += [("expected:" + n, t) for n, t in self.outputs]
        write_safetensors(Path(directory, self.name + ".safetensors"),
                          tensors)


def unary_case(name, op, x_shape, attrs, fn, expr, scale=1.0, special=()):
    """A one-input, one-op case: y = op(x) {attrs}, expecting fn(x).
    `special` values overwrite the first elements of x (kinks, zeros)."""
    c = Case(name)
    x = c.randn(*x_shape, scale=scale)
    flat = x.view(-1)
    for i, v in enumerate(special):
        flat[i] = v
    c.input("x", x)
    c.node("y", op, ["x"], attrs)
    c.output("y", fn(x))
    c.expr = expr
    return c


# ONNX references -------------------------------------------------------------

def torch_pads(begins, ends):
    """Per-axis begin/end pads (first axis first) in F.pad's order (last
    axis first, (begin, end) pairs)."""
    out = []
    for b, e in zip(reversed(begins), reversed(ends)):
        out += [b, e]
    return out


def same_pads(sizes, kernel, stride, dilation, upper):
    """auto_pad SAME_UPPER / SAME_LOWER pads: out = ceil(n / s), the odd
    pad at the end (upper) or the beginning (lower)."""
    begins, ends = [], []
    for n, k, s, d in zip(sizes, kernel, stride, dilation):
        out = -(-n // s)
        total = max(0, (out - 1) * s + d * (k - 1) + 1 - n)
        b = total // 2 if upper else total - total // 2
        begins.append(b)
        ends.append(total - b)
    return begins, ends


def onnx_slice(x, starts, ends, axes, steps):
    """ONNX Slice: negative indices count from the end, bounds clamp, steps
    may be negative."""
    for start, end, axis, step in zip(starts, ends, axes, steps):
        dim = x.shape[axis]
        start = start + dim if start < 0 else start
        end = end + dim if end < 0 else end
        if step > 0:
            start, end = min(max(start, 0), dim), min(max(end, 0), dim)
        else:
            start = min(max(start, 0), dim - 1)
            end = min(max(end, -1), dim - 1)
        idx = torch.tensor(list(range(start, end, step)), dtype=torch.long)
        x = x.index_select(axis, idx)
    return x


def onnx_coordinate(dst, scale, n_in, n_out, ctm):
    """ONNX Resize: the input coordinate of output index `dst`."""
    if ctm == "half_pixel":
        return (dst + 0.5) / scale - 0.5
    if ctm == "pytorch_half_pixel":
        return (dst + 0.5) / scale - 0.5 if n_out > 1 else 0.0
    if ctm == "align_corners":
        return 0.0 if n_out == 1 else dst * (n_in - 1) / (n_out - 1)
    assert ctm == "asymmetric"
    return dst / scale


def onnx_round(v, nearest_mode):
    """ONNX Resize's nearest_mode rounding."""
    if nearest_mode == "round_prefer_floor":
        return math.ceil(v - 0.5)
    if nearest_mode == "round_prefer_ceil":
        return math.floor(v + 0.5)
    if nearest_mode == "floor":
        return math.floor(v)
    assert nearest_mode == "ceil"
    return math.ceil(v)


def onnx_resize(x, scales, sizes, mode, ctm, nearest_mode):
    """ONNX Resize over the spatial axes (2...) of x, one axis at a time
    (nearest and multilinear are separable). Coordinates outside the input
    take the edge values."""
    for i in range(x.dim() - 2):
        axis, n_in = i + 2, x.shape[i + 2]
        if sizes:
            n_out, scale = sizes[i], sizes[i] / n_in
        else:
            n_out, scale = int(math.floor(n_in * scales[i])), scales[i]
        coords = [onnx_coordinate(d, scale, n_in, n_out, ctm)
                  for d in range(n_out)]
        clamp = lambda k: min(max(k, 0), n_in - 1)
        if mode == "nearest":
            idx = [clamp(onnx_round(v, nearest_mode)) for v in coords]
            x = x.index_select(axis, torch.tensor(idx))
            continue
        lo = [math.floor(v) for v in coords]
        frac = torch.tensor([v - k for v, k in zip(coords, lo)],
                            dtype=torch.float64)
        shape = [1] * x.dim()
        shape[axis] = n_out
        frac = frac.view(shape)
        x0 = x.index_select(axis, torch.tensor([clamp(k) for k in lo]))
        x1 = x.index_select(axis, torch.tensor([clamp(k + 1) for k in lo]))
        x = x0 * (1 - frac) + x1 * frac
    return x


def depth_to_space_dcr(x, b):
    """ONNX DepthToSpace, DCR mode: depth is (blocky, blockx, channel)."""
    n, c, h, w = x.shape
    t = x.reshape(n, b, b, c // (b * b), h, w).permute(0, 3, 4, 1, 5, 2)
    return t.reshape(n, c // (b * b), h * b, w * b)
