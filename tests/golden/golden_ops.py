"""Golden cases of the pointwise, normalisation, linear-algebra and
elementwise-binary ops."""

import math

import torch
import torch.nn.functional as F

from golden_lib import Case, unary_case

ACT_SHAPE = [2, 3, 4, 5]
# Kinks and edges every activation case starts with: zeros, the hard_*
# and relu6 corners, and values deep in the saturated tails.
SPECIAL = (0.0, -0.0, 3.0, -3.0, 6.0, 2.5, -2.5, 25.0, -25.0, 1e-3)


def act(name, op, attrs, fn, expr, shape=ACT_SHAPE):
    """An activation case on x ~ N(0, 3^2) plus the special values."""
    return unary_case(name, op, shape, attrs, fn, expr, scale=3.0,
                      special=SPECIAL)


def selu(x, alpha, gamma):
    """SELU with explicit constants."""
    return gamma * torch.where(x > 0, x, alpha * (torch.exp(x) - 1))


def activation_cases():
    """Every activation, with each attribute's default and variants."""
    return [
        act("relu", "relu", {}, F.relu, "F.relu(x)"),
        act("relu_rank1", "relu", {}, F.relu, "F.relu(x)", shape=[17]),
        act("leaky_relu", "leaky_relu", {}, F.leaky_relu,
            "F.leaky_relu(x, 0.01)"),
        act("leaky_relu_alpha", "leaky_relu", {"alpha": 0.2},
            lambda x: F.leaky_relu(x, 0.2), "F.leaky_relu(x, 0.2)"),
        act("elu", "elu", {}, F.elu, "F.elu(x)"),
        act("elu_alpha", "elu", {"alpha": 0.5},
            lambda x: F.elu(x, 0.5), "F.elu(x, alpha=0.5)"),
        act("selu", "selu", {}, F.selu, "F.selu(x)"),
        act("selu_alpha_gamma", "selu", {"alpha": 1.5, "gamma": 2.0},
            lambda x: selu(x, 1.5, 2.0),
            "2.0 * torch.where(x > 0, x, 1.5 * (torch.exp(x) - 1))"),
        act("sigmoid", "sigmoid", {}, torch.sigmoid, "torch.sigmoid(x)"),
        act("sigmoid_rank2", "sigmoid", {}, torch.sigmoid,
            "torch.sigmoid(x)", shape=[3, 7]),
        act("tanh", "tanh", {}, torch.tanh, "torch.tanh(x)"),
        act("softplus", "softplus", {}, F.softplus, "F.softplus(x)"),
        act("softsign", "softsign", {}, F.softsign, "F.softsign(x)"),
        act("silu", "silu", {}, F.silu, "F.silu(x)"),
        act("mish", "mish", {}, F.mish, "F.mish(x)"),
        act("hard_sigmoid_onnx", "hard_sigmoid", {},
            lambda x: torch.clamp(0.2 * x + 0.5, 0, 1),
            "torch.clamp(0.2 * x + 0.5, 0, 1)"),
        act("hard_sigmoid_pytorch", "hard_sigmoid",
            {"alpha": 1 / 6, "beta": 0.5}, F.hardsigmoid, "F.hardsigmoid(x)"),
        act("hard_sigmoid_custom", "hard_sigmoid",
            {"alpha": 0.3, "beta": 0.4},
            lambda x: torch.clamp(0.3 * x + 0.4, 0, 1),
            "torch.clamp(0.3 * x + 0.4, 0, 1)"),
        act("hard_swish", "hard_swish", {}, F.hardswish, "F.hardswish(x)"),
        act("clip_min_max", "clip", {"min": -1.5, "max": 2.0},
            lambda x: torch.clamp(x, -1.5, 2.0), "torch.clamp(x, -1.5, 2.0)"),
        act("clip_relu6", "clip", {"min": 0.0, "max": 6.0}, F.relu6,
            "F.relu6(x)"),
        act("clip_min_only", "clip", {"min": -0.5},
            lambda x: torch.clamp(x, min=-0.5), "torch.clamp(x, min=-0.5)"),
        act("clip_max_only", "clip", {"max": 0.5},
            lambda x: torch.clamp(x, max=0.5), "torch.clamp(x, max=0.5)"),
        act("clip_default", "clip", {}, lambda x: x.clone(),
            "x (clip to [-inf, inf])"),
        act("clip_explicit_inf", "clip", {"min": -math.inf, "max": 1.0},
            lambda x: torch.clamp(x, max=1.0), "torch.clamp(x, max=1.0)"),
        act("step", "step", {}, lambda x: (x > 0).double(),
            "(x > 0).double()"),
        act("log_sigmoid", "log_sigmoid", {}, F.logsigmoid,
            "F.logsigmoid(x)"),
        act("gelu", "gelu", {}, F.gelu, "F.gelu(x)"),
        act("gelu_none", "gelu", {"approximate": "none"}, F.gelu,
            "F.gelu(x, approximate='none')"),
        act("gelu_tanh", "gelu", {"approximate": "tanh"},
            lambda x: F.gelu(x, approximate="tanh"),
            "F.gelu(x, approximate='tanh')"),
        act("erf", "erf", {}, torch.erf, "torch.erf(x)"),
    ] + extreme_cases() + prelu_cases() + maxout_cases()


# Far tails, where a naive formula overflows exp() or loses everything to
# cancellation.
EXTREMES = [-1000.0, -100.0, -30.0, -20.5, -0.0, 0.0, 20.5, 30.0, 100.0,
            1000.0]


def extreme_cases():
    """Activations with exp() or tails on inputs up to +-1000."""
    ops = (("sigmoid", torch.sigmoid, "torch.sigmoid"),
           ("tanh", torch.tanh, "torch.tanh"),
           ("softplus", F.softplus, "F.softplus"),
           ("log_sigmoid", F.logsigmoid, "F.logsigmoid"),
           ("silu", F.silu, "F.silu"), ("mish", F.mish, "F.mish"),
           ("elu", F.elu, "F.elu"), ("selu", F.selu, "F.selu"),
           ("softsign", F.softsign, "F.softsign"),
           ("gelu", F.gelu, "F.gelu"))
    return [unary_case(f"{op}_extreme", op, [len(EXTREMES)], {}, fn,
                       f"{text}(x)", special=EXTREMES)
            for op, fn, text in ops]


def prelu_case(name, xs, slopes, inline=False):
    """prelu with `slopes` channel slopes (1 for a single shared slope)."""
    c = Case(name)
    x = c.input("x", c.randn(*xs, scale=2.0))
    a = c.weight("slope", c.uniform(slopes, lo=-0.5, hi=0.5), inline=inline)
    c.node("y", "prelu", ["x", "slope"])
    c.output("y", F.prelu(x, a))
    c.expr = "F.prelu(x, slope)"
    return c


def prelu_cases():
    """prelu per channel on ranks 2 to 4, and with one shared slope."""
    return [
        prelu_case("prelu_per_channel", [2, 3, 4, 5], 3),
        prelu_case("prelu_single_slope", [2, 3, 4, 5], 1, inline=True),
        prelu_case("prelu_rank2", [4, 6], 6),
        prelu_case("prelu_rank3", [2, 5, 7], 5),
    ]


def maxout_case(name, xs, k):
    """maxout over k consecutive channels."""
    c = Case(name)
    x = c.input("x", c.randn(*xs))
    c.node("y", "maxout", ["x"], {"k": k})
    shape = [xs[0], xs[1] // k, k] + xs[2:]
    c.output("y", x.reshape(shape).amax(2))
    c.expr = f"x.reshape({shape}).amax(2)"
    return c


def maxout_cases():
    """maxout with k = 2, 3 and the trivial 1."""
    return [maxout_case("maxout_k2", [2, 6, 3, 3], 2),
            maxout_case("maxout_k3_1d", [1, 9, 4], 3),
            maxout_case("maxout_k1", [1, 3, 2, 2], 1),
            maxout_case("maxout_k4_rank2", [3, 8], 4)]


# Normalisation ---------------------------------------------------------------

def batch_norm_case(name, xs, eps=None):
    """Inference batch norm with random statistics."""
    c = Case(name)
    ch = xs[1]
    x = c.input("x", c.randn(*xs, scale=2.0))
    scale = c.weight("scale", c.randn(ch))
    bias = c.weight("bias", c.randn(ch))
    mean = c.weight("mean", c.randn(ch))
    var = c.weight("var", c.uniform(ch, lo=0.1, hi=2.0))
    c.node("y", "batch_norm", ["x", "scale", "bias", "mean", "var"],
           {"epsilon": eps})
    e = 1e-5 if eps is None else eps
    c.output("y", F.batch_norm(x, mean, var, scale, bias, False, 0.0, e))
    c.expr = f"F.batch_norm(x, mean, var, scale, bias, False, 0.0, {e})"
    return c


def onnx_lrn(x, size, a, b, k):
    """ONNX LRN: the window spans floor((size-1)/2) channels before and
    ceil((size-1)/2) after. PyTorch agrees for odd sizes; for even sizes
    it puts the extra channel before, and cnnc follows ONNX (ir/Ops.def)."""
    before = (size - 1) // 2
    after = size - 1 - before
    channels = x.shape[1]
    sq = x * x
    sums = [sq[:, max(0, ch - before):min(channels, ch + after + 1)].sum(1)
            for ch in range(channels)]
    return x / (k + a / size * torch.stack(sums, 1)) ** b


def lrn_case(name, xs, size, alpha=None, beta=None, bias=None):
    """Local response normalisation, ONNX's window (PyTorch's for odd
    sizes, checked here)."""
    c = Case(name)
    x = c.input("x", c.randn(*xs, scale=3.0))
    a = 1e-4 if alpha is None else alpha
    b = 0.75 if beta is None else beta
    k = 1.0 if bias is None else bias
    c.node("y", "lrn", ["x"], {"size": size, "alpha": alpha, "beta": beta,
                               "bias": bias})
    y = onnx_lrn(x, size, a, b, k)
    if size % 2 == 1:
        torch.testing.assert_close(y, F.local_response_norm(x, size, a, b, k))
        c.expr = f"F.local_response_norm(x, {size}, {a}, {b}, {k})"
    else:
        c.expr = f"onnx_lrn(x, {size}, {a}, {b}, {k}) (ONNX LRN window)"
    c.output("y", y)
    return c


def layer_norm_case(name, xs, axis, eps=None, bias=True, offset=0.0):
    """torch.nn.LayerNorm over the trailing axes from `axis`; `offset` is
    added to x (a mean far from 0)."""
    c = Case(name)
    x = c.input("x", c.randn(*xs, scale=2.0) + offset)
    shape = xs[axis:]
    scale = c.weight("scale", c.randn(*shape))
    operands = ["x", "scale"]
    b = None
    if bias:
        b = c.weight("bias", c.randn(*shape))
        operands.append("bias")
    c.node("y", "layer_norm", operands,
           {"axis": axis if axis != -1 else None, "epsilon": eps})
    e = 1e-5 if eps is None else eps
    c.output("y", F.layer_norm(x, shape, scale, b, e))
    c.expr = (f"F.layer_norm(x, {list(shape)}, scale, "
              f"{'bias' if bias else 'None'}, {e})")
    return c


def norm_cases():
    """batch_norm on ranks 2 to 5; lrn with odd, even and unit sizes;
    layer_norm over one to three axes, without bias, far from 0."""
    return [
        batch_norm_case("batch_norm", [2, 3, 4, 5]),
        batch_norm_case("batch_norm_eps", [2, 3, 4, 5], eps=0.1),
        batch_norm_case("batch_norm_rank2", [4, 6]),
        batch_norm_case("batch_norm_rank3", [2, 3, 7]),
        batch_norm_case("batch_norm_rank5", [1, 2, 3, 3, 4]),
        lrn_case("lrn_size5", [1, 8, 3, 3], 5),
        lrn_case("lrn_size3_params", [2, 6, 3, 4], 3, alpha=0.1, beta=0.5,
                 bias=2.0),
        lrn_case("lrn_size_exceeds_channels", [1, 3, 2, 3], 7, alpha=0.3),
        lrn_case("lrn_size1", [1, 4, 2, 3], 1, alpha=0.5),
        lrn_case("lrn_size4_even", [1, 7, 2, 2], 4, alpha=0.2),
        lrn_case("lrn_size5_big_alpha_1d", [2, 6, 5], 5, alpha=1.0, beta=0.9),
        layer_norm_case("layer_norm", [2, 3, 4, 20], -1),
        layer_norm_case("layer_norm_2axes_eps", [2, 3, 4, 5], 2, eps=0.1),
        layer_norm_case("layer_norm_3axes_nobias", [2, 3, 4, 5], 1,
                        bias=False),
        layer_norm_case("layer_norm_offset", [3, 33], -1, offset=50.0),
    ]


# Linear algebra --------------------------------------------------------------

def gemm_case(name, m, k, n, trans_a=0, trans_b=0, alpha=None, beta=None,
              c_shape=None):
    """alpha * op(a) @ op(b) + beta * c; a is a graph input, b and c
    weights."""
    c = Case(name)
    a = c.input("a", c.randn(*([k, m] if trans_a else [m, k])))
    b = c.weight("b", c.randn(*([n, k] if trans_b else [k, n])))
    operands = ["a", "b"]
    al = 1.0 if alpha is None else alpha
    be = 1.0 if beta is None else beta
    y = al * ((a.T if trans_a else a) @ (b.T if trans_b else b))
    c.expr = (f"{al} * ({'a.T' if trans_a else 'a'} @ "
              f"{'b.T' if trans_b else 'b'})")
    if c_shape is not None:
        cc = c.weight("c", c.randn(*c_shape))
        operands.append("c")
        y = y + be * cc
        c.expr += f" + {be} * c"
    c.node("y", "gemm", operands,
           {"trans_a": trans_a or None, "trans_b": trans_b or None,
            "alpha": alpha, "beta": beta})
    c.output("y", y)
    return c


def layer_norm_gemm_case(name, m, k, n, trans_a=0, trans_b=0, eps=None,
                         c_shape=None, offset=0.0):
    """layer_norm of each row of op(a) (torch.nn.LayerNorm over K), then
    op(.) @ op(b) + c; a is a graph input, the rest weights."""
    c = Case(name)
    a = c.input("a", c.randn(*([k, m] if trans_a else [m, k]), scale=2.0) +
                offset)
    b = c.weight("b", c.randn(*([n, k] if trans_b else [k, n])))
    scale = c.weight("scale", c.randn(k))
    bias = c.weight("bias", c.randn(k))
    operands = ["a", "b", "scale", "bias"]
    e = 1e-5 if eps is None else eps
    rows = F.layer_norm(a.T if trans_a else a, [k], scale, bias, e)
    y = rows @ (b.T if trans_b else b)
    c.expr = (f"F.layer_norm({'a.T' if trans_a else 'a'}, [{k}], scale, "
              f"bias, {e}) @ {'b.T' if trans_b else 'b'}")
    if c_shape is not None:
        cc = c.weight("c", c.randn(*c_shape))
        operands.append("c")
        y = y + cc
        c.expr += " + c"
    c.node("y", "layer_norm_gemm", operands,
           {"epsilon": eps, "trans_a": trans_a or None,
            "trans_b": trans_b or None})
    c.output("y", y)
    return c


def linalg_cases():
    """gemm with transposes, scalars and every c shape; matmul ranks;
    layer_norm_gemm (a ConvNeXt MLP's first layer: channels-first input
    read transposed, a linear layer with bias; far from 0)."""
    return [
        layer_norm_gemm_case("layer_norm_gemm", 5, 12, 7, c_shape=[7]),
        layer_norm_gemm_case("layer_norm_gemm_convnext", 20, 16, 24,
                             trans_a=1, trans_b=1, eps=1e-6, c_shape=[24]),
        layer_norm_gemm_case("layer_norm_gemm_offset", 3, 33, 4, eps=0.01,
                             offset=40.0),
        gemm_case("gemm_no_c", 3, 4, 5),
        gemm_case("gemm_fc", 2, 7, 4, trans_b=1, c_shape=[4]),
        gemm_case("gemm_trans_a", 4, 3, 5, trans_a=1, c_shape=[4, 5]),
        gemm_case("gemm_trans_both", 3, 6, 2, trans_a=1, trans_b=1,
                  c_shape=[1, 2]),
        gemm_case("gemm_alpha_beta", 3, 4, 5, alpha=0.5, beta=-2.0,
                  c_shape=[3, 5]),
        gemm_case("gemm_c_m1", 3, 4, 5, c_shape=[3, 1]),
        gemm_case("gemm_c_scalar", 3, 4, 5, beta=3.0, c_shape=[1]),
        gemm_case("gemm_m1", 1, 9, 3, trans_b=1, alpha=2.0, c_shape=[3]),
        matmul_case("matmul_2d", [3, 4], [4, 5]),
        matmul_case("matmul_1d_1d", [4], [4]),
        matmul_case("matmul_1d_2d", [4], [4, 5]),
        matmul_case("matmul_2d_1d", [3, 4], [4]),
        matmul_case("matmul_batched", [2, 3, 4], [2, 4, 5]),
        matmul_case("matmul_broadcast", [2, 1, 3, 4], [5, 4, 2]),
        matmul_case("matmul_2d_3d", [3, 4], [2, 4, 5]),
        matmul_case("matmul_1d_3d", [4], [2, 4, 5]),
        matmul_case("matmul_3d_1d", [2, 3, 4], [4]),
    ]


def matmul_case(name, sa, sb):
    """numpy matmul of two graph inputs."""
    c = Case(name)
    a = c.input("a", c.randn(*sa))
    b = c.input("b", c.randn(*sb))
    c.node("y", "matmul", ["a", "b"])
    c.output("y", torch.matmul(a, b))
    c.expr = "torch.matmul(a, b)"
    return c


# Elementwise binary ----------------------------------------------------------

BINARY = {"add": (torch.add, "a + b"), "sub": (torch.sub, "a - b"),
          "mul": (torch.mul, "a * b"), "div": (torch.div, "a / b")}


def binary_case(name, op, sa, sb, b_const=False):
    """a op b with numpy broadcasting; divisors kept away from zero."""
    c = Case(name)
    a = c.input("a", c.randn(*sa))
    bv = c.away_from_zero(*sb) if op == "div" else c.randn(*sb)
    if b_const:
        c.weight("b", bv)
    else:
        c.input("b", bv)
    c.node("y", op, ["a", "b"])
    fn, c.expr = BINARY[op]
    c.output("y", fn(a, bv))
    return c


def binary_cases():
    """add, sub, mul, div: same shapes and broadcasting both ways."""
    shapes = {"same": ([2, 3, 4, 5], [2, 3, 4, 5]),
              "scalar": ([2, 3, 4], []),
              "one": ([3, 4], [1]),
              "rank1": ([2, 3, 4, 5], [5]),
              "rank1_lhs": ([5], [2, 3, 4, 5]),
              "channel": ([2, 3, 4, 5], [1, 3, 1, 1]),
              "both": ([2, 1, 4], [3, 1]),
              "rank4_lhs": ([1, 3, 1, 5], [2, 3, 4, 5])}
    picks = {"add": ["same", "scalar", "rank1", "rank1_lhs", "channel",
                     "both"],
             "sub": ["same", "one", "rank1_lhs", "both", "rank4_lhs"],
             "mul": ["same", "scalar", "channel", "both", "rank4_lhs"],
             "div": ["same", "scalar", "rank1", "rank1_lhs", "both",
                     "rank4_lhs"]}
    cases = [binary_case(f"{op}_{p}", op, *shapes[p])
             for op, ps in picks.items() for p in ps]
    cases.append(binary_case("add_bias_const", "add", [2, 4, 3, 3],
                             [4, 1, 1], b_const=True))
    return cases


def softmax_cases():
    """softmax and log_softmax over default, positive and negative axes."""
    cases = []
    for op, fn in (("softmax", F.softmax), ("log_softmax", F.log_softmax)):
        for suffix, shape, axis in (("default", [2, 3, 4, 5], None),
                                    ("axis1", [2, 3, 4, 5], 1),
                                    ("axis0", [3, 4], 0),
                                    ("axis_neg2", [2, 3, 4, 5], -2),
                                    ("rank1", [10], None),
                                    ("axis_size1", [3, 1, 4], 1),
                                    ("large_values", [2, 7], None)):
            d = -1 if axis is None else axis
            scale = 500.0 if suffix == "large_values" else 4.0
            cases.append(unary_case(
                f"{op}_{suffix}", op, shape, {"axis": axis},
                lambda x, d=d, fn=fn: fn(x, dim=d),
                f"F.{op}(x, dim={d})", scale=scale))
    return cases


def all_cases():
    """Every case of this file."""
    return (activation_cases() + norm_cases() + linalg_cases() +
            binary_cases() + softmax_cases())
