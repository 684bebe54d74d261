"""Golden cases of the shape and data-movement ops (flatten, reshape,
transpose, concat, split, slice, pad, resize, depth_to_space, dropout,
identity) and of small multi-op networks."""

import math

import numpy as np
import torch
import torch.nn.functional as F

from golden_lib import (Case, depth_to_space_dcr, onnx_resize, onnx_slice,
                        unary_case)


def flatten_reshape_transpose_cases():
    """flatten over every axis kind; reshape with 0 and -1; transpose."""
    cases = []
    xs = [2, 3, 4, 5]
    for axis in (None, 0, 2, -1, 4):
        a = 1 if axis is None else axis + len(xs) if axis < 0 else axis
        lead = math.prod(xs[:a])
        name = "flatten_" + ("default" if axis is None else
                             f"axis{axis}".replace("-", "neg"))
        cases.append(unary_case(name, "flatten", xs, {"axis": axis},
                                lambda x, s=lead: x.reshape(s, -1),
                                f"x.reshape({lead}, -1)"))
    for name, shape_in, shape, out in (
            ("reshape_zero_minus1", [2, 3, 4], [0, -1], [2, 12]),
            ("reshape_minus1_middle", [2, 3, 4], [4, -1, 2], [4, 3, 2]),
            ("reshape_zeros", [2, 3, 4, 5], [0, 0, -1], [2, 3, 20]),
            ("reshape_flat", [2, 3, 4], [-1], [24]),
            ("reshape_split_dims", [6, 4], [2, 3, 2, 2], [2, 3, 2, 2])):
        cases.append(unary_case(name, "reshape", shape_in, {"shape": shape},
                                lambda x, o=out: x.reshape(o),
                                f"x.reshape({out})"))
    for name, shape_in, perm in (("transpose_default", [2, 3, 4], None),
                                 ("transpose_nchw_nhwc", [2, 3, 4, 5],
                                  [0, 2, 3, 1]),
                                 ("transpose_2d", [3, 5], [1, 0]),
                                 ("transpose_5d", [2, 1, 3, 2, 4],
                                  [4, 2, 0, 3, 1])):
        p = perm or list(reversed(range(len(shape_in))))
        cases.append(unary_case(name, "transpose", shape_in, {"perm": perm},
                                lambda x, p=p: x.permute(p),
                                f"x.permute({p})"))
    return cases


def concat_case(name, shapes, axis):
    """concat of graph inputs x0, x1, ... along `axis`."""
    c = Case(name)
    xs = [c.input(f"x{i}", c.randn(*s)) for i, s in enumerate(shapes)]
    c.node("y", "concat", [f"x{i}" for i in range(len(shapes))],
           {"axis": axis})
    c.output("y", torch.cat(xs, dim=axis))
    c.expr = f"torch.cat([{', '.join(f'x{i}' for i in range(len(xs)))}], " \
             f"dim={axis})"
    return c


def split_case(name, xs, parts, axis=None, sizes=None):
    """split of x into `parts` results (equal, or `sizes`)."""
    c = Case(name)
    x = c.input("x", c.randn(*xs))
    a = 0 if axis is None else axis
    chunk = sizes or [xs[a] // parts] * parts
    names = [f"y{i}" for i in range(parts)]
    c.node(names, "split", ["x"], {"axis": axis, "split": sizes})
    for n, t in zip(names, torch.split(x, chunk, dim=a)):
        c.output(n, t)
    c.expr = f"torch.split(x, {chunk}, dim={a})"
    return c


def concat_split_cases():
    """concat (3 inputs, negative axis, one input); split (equal, sizes)."""
    return [
        concat_case("concat_3_axis1", [[2, 1, 3], [2, 4, 3], [2, 2, 3]], 1),
        concat_case("concat_neg_axis", [[2, 3, 1], [2, 3, 4]], -1),
        concat_case("concat_axis0_rank1", [[3], [5], [1]], 0),
        concat_case("concat_nchw_channels", [[1, 2, 3, 3], [1, 3, 3, 3]], 1),
        concat_case("concat_single", [[2, 3]], 0),
        split_case("split_equal_default_axis", [4, 3], 2),
        split_case("split_equal_3", [2, 6, 3], 3, axis=1),
        split_case("split_sizes", [2, 3, 6], 3, axis=-1, sizes=[1, 3, 2]),
        split_case("split_sizes_axis2", [1, 2, 7, 2], 2, axis=2,
                   sizes=[5, 2]),
    ]


def slice_case(name, xs, starts, ends, axes=None, steps=None):
    """ONNX slice."""
    c = Case(name)
    x = c.input("x", c.randn(*xs))
    ax = axes or list(range(len(starts)))
    st = steps or [1] * len(starts)
    norm = [a % len(xs) for a in ax]
    c.node("y", "slice", ["x"], {"starts": starts, "ends": ends,
                                 "axes": axes, "steps": steps})
    c.output("y", onnx_slice(x, starts, ends, norm, st))
    c.expr = (f"x.index_select per axis {norm} with the ONNX indices of "
              f"range({starts}, {ends}, {st}) (negatives from the end, "
              f"clamped)")
    return c


def slice_cases():
    """slice: negative indices, steps (negative too), clamping, axes."""
    big = 9223372036854775807
    return [
        slice_case("slice_basic", [3, 5, 4], [1], [3], axes=[1]),
        slice_case("slice_default_axes", [4, 5], [1, 0], [3, 4]),
        slice_case("slice_negative_indices", [2, 3, 7], [-5], [-1],
                   axes=[2]),
        slice_case("slice_steps", [2, 3, 7, 8], [0, 1], [7, 8], axes=[2, 3],
                   steps=[2, 3]),
        slice_case("slice_reverse", [3, 6], [-1], [-big - 1], axes=[1],
                   steps=[-1]),
        slice_case("slice_negative_step2", [2, 9], [7], [0], axes=[-1],
                   steps=[-2]),
        slice_case("slice_clamp", [4, 6], [-100, 2], [100, big],
                   axes=[0, 1]),
        slice_case("slice_negative_axes", [2, 3, 4, 5], [1, 1], [3, -1],
                   axes=[-1, -3]),
        slice_case("slice_step_past_end", [10], [1], [1000], steps=[4]),
    ]


def pad_case(name, xs, pads, mode=None, value=None):
    """ONNX pad: crop the negative pads, then numpy-pad the positive."""
    c = Case(name)
    x = c.input("x", c.randn(*xs))
    r = len(xs)
    crop = tuple(slice(max(0, -pads[i]), xs[i] - max(0, -pads[i + r]))
                 for i in range(r))
    width = [(max(0, pads[i]), max(0, pads[i + r])) for i in range(r)]
    np_mode = {None: "constant", "constant": "constant", "reflect": "reflect",
               "edge": "edge"}[mode]
    kw = {"constant_values": value or 0.0} if np_mode == "constant" else {}
    y = np.pad(x.numpy()[crop], width, mode=np_mode, **kw)
    c.node("y", "pad", ["x"], {"pads": pads, "mode": mode, "value": value})
    c.output("y", torch.from_numpy(y))
    index = ", ".join(f"{sl.start}:{sl.stop}" for sl in crop)
    extra = f", constant_values={value or 0.0}" if kw else ""
    c.expr = f"np.pad(x[{index}], {width}, mode='{np_mode}'{extra})"
    return c


def pad_cases():
    """pad in constant (with a value), reflect and edge modes; negative
    pads crop."""
    return [
        pad_case("pad_constant", [1, 2, 3, 4], [0, 0, 1, 2, 0, 0, 2, 1]),
        pad_case("pad_constant_value", [2, 3, 3], [0, 1, 2, 1, 0, 0],
                 mode="constant", value=1.5),
        pad_case("pad_batch_channel_axes", [1, 2, 2, 2],
                 [1, 0, 0, 0, 0, 2, 0, 0]),
        pad_case("pad_reflect", [1, 2, 4, 5], [0, 0, 2, 1, 0, 0, 1, 3],
                 mode="reflect"),
        pad_case("pad_reflect_max", [1, 1, 3, 4], [0, 0, 2, 3, 0, 0, 2, 3],
                 mode="reflect"),
        pad_case("pad_edge", [1, 2, 3, 4], [0, 0, 3, 0, 0, 0, 1, 2],
                 mode="edge"),
        pad_case("pad_negative_crop", [1, 2, 5, 6],
                 [0, 0, -1, 2, 0, 0, 1, -2]),
        pad_case("pad_edge_crop_other_axis", [1, 2, 4, 4],
                 [0, 0, -1, 0, 0, 0, 0, 2], mode="edge"),
        pad_case("pad_reflect_rank1", [6], [2, 3], mode="reflect"),
        pad_case("pad_rank2_mixed", [3, 4], [2, -1, -1, 1], value=-2.0),
    ]


def resize_case(name, xs, mode, ctm, nearest_mode=None, scales=None,
                sizes=None, torch_fn=None, torch_expr=None):
    """resize; the reference is PyTorch where it has the mode (checked
    against the ONNX formulas), else the ONNX formulas."""
    c = Case(name)
    x = c.input("x", c.randn(*xs))
    c.node("y", "resize", ["x"],
           {"scales": scales, "sizes": sizes, "mode": mode,
            "coordinate_transformation_mode": ctm,
            "nearest_mode": nearest_mode})
    mode, ctm = mode or "nearest", ctm or "half_pixel"
    nearest_mode = nearest_mode or "round_prefer_floor"
    ref = onnx_resize(x, scales, sizes, mode, ctm, nearest_mode)
    if torch_fn:
        y = torch_fn(x)
        assert y.shape == ref.shape and torch.allclose(y, ref), name
        c.expr = torch_expr
    else:
        y = ref
        c.expr = (f"ONNX Resize (mode={mode}, coordinate_transformation_"
                  f"mode={ctm}, nearest_mode={nearest_mode}) by the spec's "
                  f"formulas, axis by axis")
    c.output("y", y)
    return c


def interp(**kw):
    """F.interpolate with fixed keyword arguments, and its text."""
    text = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    return (lambda x: F.interpolate(x, **kw)), f"F.interpolate(x, {text})"


def resize_cases():
    """resize: PyTorch's nearest, (bi|tri)linear with and without
    align_corners, by scales and by sizes; ONNX-only modes by formula."""
    a, phl = "asymmetric", "pytorch_half_pixel"
    cases = []
    for name, xs, kw, attrs in (
            ("resize_nearest_x2", [1, 2, 3, 4], dict(scale_factor=2.0),
             dict(scales=[2.0, 2.0])),
            ("resize_nearest_x3_x2", [1, 2, 3, 3],
             dict(scale_factor=(3.0, 2.0)), dict(scales=[3.0, 2.0])),
            ("resize_nearest_frac", [1, 2, 5, 6],
             dict(scale_factor=(1.5, 0.5)), dict(scales=[1.5, 0.5])),
            ("resize_nearest_sizes", [1, 2, 4, 3], dict(size=(7, 5)),
             dict(sizes=[7, 5])),
            ("resize_nearest_1d", [2, 2, 5], dict(scale_factor=3.0),
             dict(scales=[3.0])),
            ("resize_nearest_3d", [1, 1, 2, 3, 2], dict(size=(4, 5, 3)),
             dict(sizes=[4, 5, 3]))):
        fn, expr = interp(mode="nearest", **kw)
        cases.append(resize_case(name, xs, None, a, "floor", torch_fn=fn,
                                 torch_expr=expr, **attrs))
    for name, xs, mode, align, kw, attrs in (
            ("resize_bilinear_x2", [1, 2, 3, 4], "bilinear", False,
             dict(scale_factor=2.0), dict(scales=[2.0, 2.0])),
            ("resize_bilinear_frac", [1, 2, 4, 5], "bilinear", False,
             dict(scale_factor=(1.5, 2.5)), dict(scales=[1.5, 2.5])),
            ("resize_bilinear_down", [1, 2, 8, 7], "bilinear", False,
             dict(scale_factor=(0.5, 0.5)), dict(scales=[0.5, 0.5])),
            ("resize_bilinear_sizes", [2, 1, 3, 5], "bilinear", False,
             dict(size=(7, 4)), dict(sizes=[7, 4])),
            ("resize_linear_1d", [1, 3, 5], "linear", False,
             dict(scale_factor=2.0), dict(scales=[2.0])),
            ("resize_trilinear", [1, 1, 2, 3, 4], "trilinear", False,
             dict(size=(3, 5, 4)), dict(sizes=[3, 5, 4])),
            ("resize_bilinear_align_corners", [1, 2, 3, 4], "bilinear", True,
             dict(size=(7, 9)), dict(sizes=[7, 9])),
            ("resize_bilinear_align_corners_scales", [1, 2, 4, 4],
             "bilinear", True, dict(scale_factor=2.0),
             dict(scales=[2.0, 2.0])),
            ("resize_trilinear_align_corners", [1, 1, 2, 3, 3], "trilinear",
             True, dict(size=(4, 5, 2)), dict(sizes=[4, 5, 2]))):
        fn, expr = interp(mode=mode, align_corners=align, **kw)
        ctm = "align_corners" if align else phl
        cases.append(resize_case(name, xs, "linear", ctm, torch_fn=fn,
                                 torch_expr=expr, **attrs))
    return cases + filtered_resize_cases() + onnx_resize_cases()


def filtered_resize_case(name, xs, attrs, kw):
    """resize {mode=cubic or antialias=1} against F.interpolate(x, **kw)
    (PyTorch's bicubic is ONNX's cubic with cubic_coeff_a = -0.75; its
    antialiased downscales are ONNX's antialias with exclude_outside=1,
    bicubic's with cubic_coeff_a = -0.5, as in PIL)."""
    c = Case(name)
    x = c.input("x", c.randn(*xs))
    c.node("y", "resize", ["x"], attrs)
    fn, c.expr = interp(**kw)
    c.output("y", fn(x))
    return c


def filtered_resize_cases():
    """Bicubic up and down, with align_corners, by scales and sizes, and
    antialiased bilinear and bicubic downscales."""
    phl = "pytorch_half_pixel"
    return [
        filtered_resize_case(
            "resize_bicubic_x2", [1, 2, 4, 5],
            dict(scales=[2.0, 2.0], mode="cubic",
                 coordinate_transformation_mode=phl),
            dict(mode="bicubic", align_corners=False, scale_factor=2.0)),
        filtered_resize_case(
            "resize_bicubic_sizes_down", [1, 2, 9, 7],
            dict(sizes=[5, 4], mode="cubic",
                 coordinate_transformation_mode=phl),
            dict(mode="bicubic", align_corners=False, size=(5, 4))),
        filtered_resize_case(
            "resize_bicubic_align_corners", [2, 1, 4, 4],
            dict(sizes=[7, 6], mode="cubic",
                 coordinate_transformation_mode="align_corners"),
            dict(mode="bicubic", align_corners=True, size=(7, 6))),
        filtered_resize_case(
            "resize_bilinear_antialias", [1, 2, 12, 10],
            dict(sizes=[5, 4], mode="linear",
                 coordinate_transformation_mode=phl, antialias=1,
                 exclude_outside=1),
            dict(mode="bilinear", align_corners=False, size=(5, 4),
                 antialias=True)),
        filtered_resize_case(
            "resize_bicubic_antialias", [1, 2, 12, 10],
            dict(sizes=[4, 6], mode="cubic",
                 coordinate_transformation_mode=phl, antialias=1,
                 exclude_outside=1, cubic_coeff_a=-0.5),
            dict(mode="bicubic", align_corners=False, size=(4, 6),
                 antialias=True)),
    ]


def onnx_resize_cases():
    """Modes PyTorch has no F.interpolate for (or only partly): the
    defaults, half_pixel, the rounding modes and asymmetric linear."""
    fn_exact, expr_exact = interp(mode="nearest-exact", size=(7, 5))
    fn_out1, expr_out1 = interp(mode="bilinear", align_corners=False,
                                size=(1, 5))
    return [
        resize_case("resize_defaults", [1, 2, 3, 4], None, None,
                    scales=[2.0, 2.0]),
        resize_case("resize_nearest_half_pixel_prefer_ceil", [1, 2, 4, 3],
                    "nearest", "half_pixel", "round_prefer_ceil",
                    sizes=[7, 5], torch_fn=fn_exact, torch_expr=expr_exact),
        resize_case("resize_nearest_asym_prefer_floor", [1, 2, 3, 4],
                    "nearest", "asymmetric", "round_prefer_floor",
                    scales=[2.0, 0.5]),
        resize_case("resize_nearest_asym_prefer_ceil", [1, 2, 3, 4],
                    "nearest", "asymmetric", "round_prefer_ceil",
                    scales=[2.0, 0.5]),
        resize_case("resize_nearest_asym_ceil", [1, 2, 5, 4], "nearest",
                    "asymmetric", "ceil", scales=[1.5, 2.0]),
        resize_case("resize_nearest_align_corners", [1, 2, 4, 3], "nearest",
                    "align_corners", "round_prefer_floor", sizes=[7, 5]),
        resize_case("resize_linear_half_pixel", [1, 2, 3, 5], "linear",
                    "half_pixel", scales=[2.0, 1.5]),
        resize_case("resize_linear_half_pixel_out1", [1, 2, 4, 3], "linear",
                    "half_pixel", sizes=[1, 5], torch_fn=fn_out1,
                    torch_expr=expr_out1),
        resize_case("resize_linear_pytorch_half_pixel_out1", [1, 2, 4, 3],
                    "linear", "pytorch_half_pixel", sizes=[1, 5]),
        resize_case("resize_linear_asymmetric", [1, 2, 3, 4], "linear",
                    "asymmetric", scales=[2.0, 1.5]),
    ]


def misc_cases():
    """depth_to_space (crd = pixel_shuffle, dcr by the ONNX formula),
    dropout, identity and relayout."""
    cases = []
    for name, xs, b, mode in (("depth_to_space_crd_b2", [1, 8, 2, 3], 2,
                               "crd"),
                              ("depth_to_space_crd_b3", [2, 9, 2, 2], 3,
                               "crd"),
                              ("depth_to_space_dcr_b2", [1, 8, 2, 3], 2,
                               "dcr"),
                              ("depth_to_space_default_b3", [1, 18, 2, 1], 3,
                               None)):
        if mode == "crd":
            fn, expr = (lambda x, b=b: F.pixel_shuffle(x, b),
                        f"F.pixel_shuffle(x, {b})")
        else:
            fn = lambda x, b=b: depth_to_space_dcr(x, b)
            expr = (f"x.reshape(n, {b}, {b}, c / {b * b}, h, w).permute(0, 3, "
                    f"4, 1, 5, 2).reshape(n, c / {b * b}, h * {b}, w * {b})")
        cases.append(unary_case(name, "depth_to_space", xs,
                                {"blocksize": b, "mode": mode}, fn, expr))
    ident = lambda x: x.clone()
    cases += [unary_case("dropout", "dropout", [2, 3, 4], {}, ident,
                         "F.dropout(x, 0.5, training=False)"),
              unary_case("dropout_ratio", "dropout", [2, 5], {"ratio": 0.3},
                         ident, "F.dropout(x, 0.3, training=False)"),
              unary_case("identity", "identity", [3, 1, 4], {}, ident, "x"),
              # Plain to plain: a copy (blocked layouts never reach graph
              # inputs or outputs; tests/e2e covers them).
              unary_case("relayout", "relayout", [2, 8, 3], {}, ident, "x")]
    return cases


def network_cases():
    """Small networks: conv-bn-relu-pool-flatten-gemm-softmax, and a
    residual block, so several kernels run back to back."""
    c = Case("net_lenet_like")
    x = c.input("x", c.randn(2, 1, 8, 8))
    w = c.weight("w", c.randn(4, 1, 3, 3, scale=1 / 3))
    b = c.weight("b", c.randn(4))
    g, beta = c.weight("g", c.uniform(4, lo=0.5, hi=1.5)), c.weight(
        "beta", c.randn(4))
    mean, var = c.weight("mean", c.randn(4)), c.weight(
        "var", c.uniform(4, lo=0.5, hi=1.5))
    fw, fb = c.weight("fw", c.randn(3, 36, scale=1 / 6)), c.weight(
        "fb", c.randn(3))
    c.node("c1", "conv", ["x", "w", "b"], {"pads": [1, 1, 1, 1]})
    c.node("n1", "batch_norm", ["c1", "g", "beta", "mean", "var"])
    c.node("r1", "relu", ["n1"])
    c.node("p1", "max_pool", ["r1"], {"kernel": [3, 3], "stride": [3, 3],
                                      "ceil_mode": 1})
    c.node("f1", "flatten", ["p1"])
    c.node("g1", "gemm", ["f1", "fw", "fb"], {"trans_b": 1})
    c.node("y", "softmax", ["g1"])
    h = F.relu(F.batch_norm(F.conv2d(x, w, b, padding=1), mean, var, g, beta,
                            False, 0.0, 1e-5))
    h = F.max_pool2d(h, 3, 3, ceil_mode=True).flatten(1)
    c.output("y", F.softmax(F.linear(h, fw, fb), dim=-1))
    c.expr = ("F.softmax(F.linear(F.max_pool2d(F.relu(F.batch_norm(F.conv2d("
              "x, w, b, padding=1), mean, var, g, beta, False, 0, 1e-5)), 3, "
              "3, ceil_mode=True).flatten(1), fw, fb), -1)")
    return [c, residual_case()]


def residual_case():
    """relu(x + conv(relu(conv(x))))."""
    c = Case("net_residual")
    x = c.input("x", c.randn(1, 3, 5, 5))
    w1 = c.weight("w1", c.randn(3, 3, 3, 3, scale=1 / 5))
    w2 = c.weight("w2", c.randn(3, 3, 3, 3, scale=1 / 5))
    c.node("a", "conv", ["x", "w1"], {"pads": [1, 1, 1, 1]})
    c.node("r", "relu", ["a"])
    c.node("b", "conv", ["r", "w2"], {"auto_pad": "same_upper"})
    c.node("s", "add", ["x", "b"])
    c.node("y", "relu", ["s"])
    inner = F.conv2d(F.relu(F.conv2d(x, w1, padding=1)), w2, padding=1)
    c.output("y", F.relu(x + inner))
    c.expr = ("F.relu(x + F.conv2d(F.relu(F.conv2d(x, w1, padding=1)), w2, "
              "padding=1))")
    return c


def all_cases():
    """Every case of this file."""
    return (flatten_reshape_transpose_cases() + concat_split_cases() +
            slice_cases() + pad_cases() + resize_cases() + misc_cases() +
            network_cases())
