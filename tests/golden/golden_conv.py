"""Golden cases of the sliding-window ops: conv, conv_transpose,
locally_connected, tiled_conv, deform_conv and the pools.

Pads in cnnc are ONNX's [begin..., end...] per spatial axis. Where PyTorch
takes only symmetric padding (or pads with zeros only), the reference pads
explicitly with F.pad first (zeros, the padding mode, or -inf for max
pooling) and runs the PyTorch op unpadded.
"""

import math

import torch
import torch.nn.functional as F
import torchvision

from golden_lib import Case, same_pads, torch_pads

CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d,
          3: F.conv_transpose3d}
MAX_POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
AVG_POOL = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


def resolve_pads(spatial, kernel, stride, dilation, pads, auto_pad):
    """Per-axis (begins, ends) from `pads` or `auto_pad`."""
    r = len(spatial)
    if auto_pad in ("same_upper", "same_lower"):
        return same_pads(spatial, kernel, stride, dilation,
                         auto_pad == "same_upper")
    if pads and auto_pad != "valid":
        return list(pads[:r]), list(pads[r:])
    return [0] * r, [0] * r


def weight_scale(shape):
    """1/sqrt(fan_in), so outputs stay near unit size."""
    return 1.0 / math.sqrt(math.prod(shape[1:]))


# conv ------------------------------------------------------------------------

def conv_case(name, xs, ws, bias=True, stride=None, pads=None, dilation=None,
              groups=1, auto_pad=None, mode="zeros", explicit=False):
    """conv of x[xs] by w[ws]; 1D, 2D or 3D by len(xs). `explicit` writes
    every attribute, defaults included."""
    c = Case(name)
    r = len(xs) - 2
    x = c.input("x", c.randn(*xs))
    w = c.weight("w", c.randn(*ws, scale=weight_scale(ws)))
    b = c.weight("b", c.randn(ws[0])) if bias else None
    s, d = stride or [1] * r, dilation or [1] * r
    begins, ends = resolve_pads(xs[2:], ws[2:], s, d, pads, auto_pad)
    attrs = {"stride": stride, "dilation": dilation, "pads": pads,
             "auto_pad": auto_pad, "groups": groups, "padding_mode": mode}
    if explicit:
        attrs.update(stride=s, dilation=d, pads=begins + ends,
                     auto_pad=auto_pad or "notset")
    else:
        attrs.update(groups=groups if groups != 1 else None,
                     padding_mode=mode if mode != "zeros" else None)
    c.node("y", "conv", ["x", "w"] + (["b"] if bias else []), attrs)
    args = f"w, {'b' if bias else 'None'}, stride={s}"
    if mode == "zeros" and begins == ends:
        y = CONV[r](x, w, b, s, begins, d, groups)
        c.expr = (f"F.conv{r}d(x, {args}, padding={begins}, dilation={d}, "
                  f"groups={groups})")
    else:
        tp, tmode = torch_pads(begins, ends), {"zeros": "constant"}.get(
            mode, mode)
        y = CONV[r](F.pad(x, tp, mode=tmode), w, b, s, 0, d, groups)
        c.expr = (f"F.conv{r}d(F.pad(x, {tp}, mode='{tmode}'), {args}, "
                  f"dilation={d}, groups={groups})")
    c.output("y", y)
    return c


def conv_cases():
    """conv in 1D, 2D, 3D with every attribute and padding mode."""
    return [
        conv_case("conv2d_basic", [1, 3, 7, 7], [4, 3, 3, 3]),
        conv_case("conv2d_explicit_defaults", [1, 2, 5, 6], [3, 2, 3, 3],
                  explicit=True),
        conv_case("conv2d_nobias", [2, 3, 6, 5], [5, 3, 3, 2], bias=False),
        conv_case("conv2d_pads_sym", [1, 2, 5, 5], [3, 2, 3, 3],
                  pads=[1, 1, 1, 1]),
        conv_case("conv2d_pads_asym", [1, 2, 6, 7], [3, 2, 3, 3],
                  pads=[0, 1, 2, 1]),
        conv_case("conv2d_pads_big", [1, 1, 3, 4], [2, 1, 2, 2],
                  pads=[3, 0, 1, 4]),
        conv_case("conv2d_stride2", [1, 2, 9, 9], [3, 2, 3, 3],
                  stride=[2, 2], pads=[1, 1, 1, 1]),
        conv_case("conv2d_stride_unused", [1, 2, 8, 8], [2, 2, 3, 3],
                  stride=[3, 3]),
        conv_case("conv2d_stride_rect", [1, 2, 7, 11], [3, 2, 3, 2],
                  stride=[1, 2], pads=[0, 1, 1, 0]),
        conv_case("conv2d_dilation", [1, 2, 11, 13], [2, 2, 3, 3],
                  dilation=[2, 3]),
        conv_case("conv2d_dil_stride_pad", [2, 3, 10, 9], [4, 3, 3, 3],
                  stride=[2, 3], dilation=[2, 2], pads=[2, 1, 1, 2]),
        conv_case("conv2d_groups2", [1, 4, 6, 6], [6, 2, 3, 3], groups=2),
        conv_case("conv2d_groups3_nobias", [2, 6, 5, 7], [9, 2, 3, 3],
                  groups=3, bias=False, pads=[1, 1, 1, 1]),
        conv_case("conv2d_depthwise", [1, 5, 7, 7], [5, 1, 3, 3], groups=5,
                  pads=[1, 1, 1, 1]),
        conv_case("conv2d_depthwise_mult2", [1, 3, 6, 6], [6, 1, 3, 3],
                  groups=3, stride=[2, 2], pads=[1, 1, 0, 0]),
        conv_case("conv2d_1x1", [2, 8, 5, 5], [3, 8, 1, 1]),
        conv_case("conv2d_1x1_stride2", [1, 4, 7, 6], [5, 4, 1, 1],
                  stride=[2, 2], bias=False),
        conv_case("conv2d_prime", [1, 3, 13, 11], [7, 3, 5, 3],
                  stride=[3, 2], pads=[2, 1, 2, 1]),
        conv_case("conv2d_kernel_is_input", [2, 3, 5, 5], [4, 3, 5, 5]),
        conv_case("conv2d_batch3", [3, 2, 4, 4], [2, 2, 2, 2]),
        conv_case("conv2d_same_upper", [1, 2, 6, 6], [3, 2, 4, 4],
                  auto_pad="same_upper"),
        conv_case("conv2d_same_upper_stride", [1, 2, 7, 8], [3, 2, 3, 3],
                  stride=[2, 2], auto_pad="same_upper"),
        conv_case("conv2d_same_lower", [1, 2, 7, 8], [3, 2, 4, 2],
                  stride=[2, 1], auto_pad="same_lower"),
        conv_case("conv2d_same_upper_dil", [1, 2, 7, 7], [2, 2, 2, 3],
                  dilation=[3, 2], auto_pad="same_upper"),
        conv_case("conv2d_valid", [1, 2, 7, 6], [3, 2, 3, 3],
                  auto_pad="valid"),
        conv_case("conv2d_reflect", [1, 2, 6, 7], [3, 2, 3, 3],
                  pads=[1, 2, 2, 1], mode="reflect"),
        conv_case("conv2d_reflect_stride", [1, 2, 7, 7], [3, 2, 3, 3],
                  pads=[1, 1, 1, 1], stride=[2, 2], mode="reflect"),
        conv_case("conv2d_replicate", [1, 2, 5, 6], [3, 2, 3, 3],
                  pads=[2, 1, 0, 3], mode="replicate"),
        conv_case("conv2d_circular", [1, 2, 5, 6], [3, 2, 3, 3],
                  pads=[1, 1, 2, 2], mode="circular"),
        conv_case("conv2d_circular_dil", [1, 2, 6, 6], [2, 2, 3, 3],
                  pads=[2, 0, 2, 3], dilation=[2, 1], mode="circular"),
        conv_case("conv2d_same_upper_reflect", [1, 2, 6, 6], [2, 2, 4, 4],
                  auto_pad="same_upper", mode="reflect"),
        conv_case("conv1d_basic", [2, 3, 10], [4, 3, 3]),
        conv_case("conv1d_stride_pad_dil", [1, 2, 17], [3, 2, 5],
                  stride=[2], pads=[3, 1], dilation=[2]),
        conv_case("conv1d_groups", [1, 6, 9], [4, 3, 2], groups=2,
                  bias=False),
        conv_case("conv1d_reflect", [1, 2, 8], [2, 2, 3], pads=[2, 1],
                  mode="reflect"),
        conv_case("conv1d_circular", [1, 2, 7], [2, 2, 3], pads=[1, 2],
                  mode="circular"),
        conv_case("conv1d_same_upper", [1, 2, 9], [2, 2, 4], stride=[2],
                  auto_pad="same_upper"),
        conv_case("conv3d_basic", [1, 2, 4, 5, 5], [3, 2, 3, 3, 3]),
        conv_case("conv3d_stride_pads_asym", [1, 2, 5, 6, 7],
                  [2, 2, 3, 2, 3], stride=[2, 1, 2],
                  pads=[1, 0, 1, 0, 1, 2]),
        conv_case("conv3d_groups_dil", [1, 4, 5, 6, 6], [4, 2, 2, 2, 3],
                  groups=2, dilation=[2, 2, 1], bias=False),
        conv_case("conv3d_replicate", [1, 2, 3, 4, 4], [2, 2, 3, 3, 3],
                  pads=[1, 1, 2, 1, 0, 1], mode="replicate"),
        conv_case("conv3d_same_lower", [1, 1, 4, 5, 3], [2, 1, 2, 3, 2],
                  stride=[1, 2, 1], auto_pad="same_lower"),
        conv_case("conv3d_1x1", [2, 3, 2, 3, 4], [4, 3, 1, 1, 1]),
    ]


# conv_transpose --------------------------------------------------------------

def conv_t_case(name, xs, ws, groups=1, bias=True, stride=None, pads=None,
                output_padding=None, dilation=None):
    """conv_transpose of x[xs] by w[C, M/groups, *K]. Asymmetric pads crop
    the unpadded PyTorch result."""
    c = Case(name)
    r = len(xs) - 2
    x = c.input("x", c.randn(*xs))
    w = c.weight("w", c.randn(*ws, scale=weight_scale(ws)))
    b = c.weight("b", c.randn(ws[1] * groups)) if bias else None
    s, d = stride or [1] * r, dilation or [1] * r
    op = output_padding or [0] * r
    begins, ends = (pads[:r], pads[r:]) if pads else ([0] * r, [0] * r)
    c.node("y", "conv_transpose", ["x", "w"] + (["b"] if bias else []),
           {"stride": stride, "dilation": dilation, "pads": pads,
            "output_padding": output_padding,
            "groups": groups if groups != 1 else None})
    args = (f"w, {'b' if bias else 'None'}, stride={s}, "
            f"output_padding={op}, groups={groups}, dilation={d}")
    if begins == ends:
        y = CONV_T[r](x, w, b, s, begins, op, groups, d)
        c.expr = f"F.conv_transpose{r}d(x, {args}, padding={begins})"
    else:
        y = CONV_T[r](x, w, b, s, 0, op, groups, d)
        crop = [slice(None)] * 2 + [slice(bg, y.shape[i + 2] - en)
                                    for i, (bg, en) in enumerate(zip(begins,
                                                                     ends))]
        y = y[tuple(crop)]
        c.expr = (f"F.conv_transpose{r}d(x, {args})"
                  f"[..., cropped by begins {begins}, ends {ends}]")
    c.output("y", y)
    return c


def conv_transpose_cases():
    """conv_transpose with stride, pads, output_padding, dilation, groups."""
    return [
        conv_t_case("convt2d_basic", [1, 3, 4, 4], [3, 2, 3, 3]),
        conv_t_case("convt2d_nobias", [2, 2, 3, 5], [2, 3, 2, 3],
                    bias=False),
        conv_t_case("convt2d_stride2_pad_outpad", [1, 3, 4, 5],
                    [3, 2, 3, 3], stride=[2, 2], pads=[1, 1, 1, 1],
                    output_padding=[1, 1]),
        conv_t_case("convt2d_stride_rect_asym", [1, 2, 3, 4], [2, 3, 3, 2],
                    stride=[2, 3], pads=[0, 1, 1, 0],
                    output_padding=[1, 2]),
        conv_t_case("convt2d_dilation", [1, 2, 4, 4], [2, 2, 3, 3],
                    dilation=[2, 2], pads=[1, 2, 1, 2]),
        conv_t_case("convt2d_dil_stride_outpad", [1, 2, 3, 3], [2, 2, 2, 3],
                    stride=[2, 2], dilation=[3, 2], output_padding=[2, 1]),
        conv_t_case("convt2d_groups2", [1, 4, 3, 3], [4, 3, 3, 3],
                    groups=2, stride=[2, 1]),
        conv_t_case("convt2d_depthwise", [1, 3, 4, 4], [3, 1, 3, 3],
                    groups=3, stride=[2, 2], pads=[1, 1, 1, 1]),
        conv_t_case("convt2d_1x1_stride2", [1, 3, 3, 4], [3, 2, 1, 1],
                    stride=[2, 2]),
        conv_t_case("convt1d_stride_outpad", [2, 2, 5], [2, 3, 3],
                    stride=[2], output_padding=[1], pads=[1, 0]),
        conv_t_case("convt3d_stride_pad", [1, 2, 2, 3, 3],
                    [2, 2, 3, 3, 2], stride=[2, 2, 1],
                    pads=[1, 1, 0, 1, 1, 0]),
    ]


# locally_connected and tiled_conv --------------------------------------------

def unfolded(x, kernel, stride, dilation, pads):
    """Patches of x: [N, C, KH, KW, OH, OW] (pads as [t, l, b, r])."""
    xp = F.pad(x, torch_pads(pads[:2], pads[2:]))
    oh = (xp.shape[2] - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    ow = (xp.shape[3] - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    cols = F.unfold(xp, kernel, dilation=dilation, stride=stride)
    return cols.view(x.shape[0], x.shape[1], kernel[0], kernel[1], oh, ow)


def unshared_case(name, op, xs, m, kernel, tile=None, bias=True, stride=None,
                  dilation=None, pads=None):
    """locally_connected (tile None) or tiled_conv (tile (TH, TW))."""
    c = Case(name)
    s, d, p = stride or [1, 1], dilation or [1, 1], pads or [0] * 4
    x = c.input("x", c.randn(*xs))
    cols = unfolded(x, kernel, s, d, p)
    oh, ow = cols.shape[4], cols.shape[5]
    ws = [*(tile or (oh, ow)), m, xs[1], *kernel]
    w = c.weight("w", c.randn(*ws, scale=weight_scale(ws[2:])))
    operands = ["x", "w"]
    y = torch.zeros(xs[0], m, oh, ow, dtype=torch.float64)
    for i in range(oh):  # explicit loop over output positions
        for j in range(ow):
            wij = w[i % ws[0], j % ws[1]]
            y[:, :, i, j] = torch.einsum("nckl,mckl->nm", cols[..., i, j], wij)
    if bias:
        b = c.weight("b", c.randn(m, oh, ow) if tile is None else c.randn(m))
        y = y + (b if tile is None else b.view(m, 1, 1))
        operands.append("b")
    c.node("y", op, operands, {"stride": stride, "dilation": dilation,
                               "pads": pads})
    c.output("y", y)
    which = "w[oh, ow]" if tile is None else f"w[oh % {ws[0]}, ow % {ws[1]}]"
    c.expr = (f"y[:, :, oh, ow] = einsum('nckl,mckl->nm', F.unfold(F.pad(x, "
              f"{torch_pads(p[:2], p[2:])}), {kernel}, dilation={d}, "
              f"stride={s})[..., oh, ow], {which})"
              + (" + b" if bias else ""))
    return c


def unshared_cases():
    """locally_connected and tiled_conv, referenced with an explicit loop
    over output positions of F.unfold patches."""
    lc, tc = "locally_connected", "tiled_conv"
    return [
        unshared_case("locally_connected_basic", lc, [2, 2, 5, 5], 3, [3, 3]),
        unshared_case("locally_connected_stride_pads", lc, [1, 3, 7, 6], 2,
                      [3, 2], stride=[2, 2], pads=[1, 0, 2, 1]),
        unshared_case("locally_connected_dil_nobias", lc, [1, 2, 7, 7], 2,
                      [2, 3], dilation=[2, 2], bias=False),
        unshared_case("locally_connected_1x1", lc, [1, 4, 3, 4], 3, [1, 1]),
        unshared_case("tiled_conv_2x2", tc, [2, 2, 6, 6], 3, [3, 3],
                      tile=(2, 2)),
        unshared_case("tiled_conv_1x3_stride_pads", tc, [1, 3, 7, 8], 2,
                      [3, 3], tile=(1, 3), stride=[1, 2], pads=[1, 1, 0, 2]),
        unshared_case("tiled_conv_dil_nobias", tc, [1, 2, 8, 7], 2, [2, 2],
                      tile=(3, 2), dilation=[2, 3], bias=False),
        unshared_case("tiled_conv_tile_exceeds_out", tc, [1, 2, 5, 5], 2,
                      [3, 3], tile=(4, 5)),
    ]


# deform_conv -----------------------------------------------------------------

def deform_case(name, xs, m, kernel, groups=1, offset_groups=1, bias=True,
                stride=None, dilation=None, pads=None, offset_scale=2.0,
                offset_step=None):
    """deform_conv against torchvision.ops.deform_conv2d (no mask).
    `offset_step` rounds the offsets to multiples of it, so samples land
    exactly on pixels, on the border and just outside it."""
    c = Case(name)
    s, d, p = stride or [1, 1], dilation or [1, 1], pads or [0] * 4
    x = c.input("x", c.randn(*xs))
    xp = F.pad(x, torch_pads(p[:2], p[2:]))  # zero padding == zero outside
    oh = (xp.shape[2] - d[0] * (kernel[0] - 1) - 1) // s[0] + 1
    ow = (xp.shape[3] - d[1] * (kernel[1] - 1) - 1) // s[1] + 1
    off = c.randn(xs[0], 2 * offset_groups * kernel[0] * kernel[1], oh, ow,
                  scale=offset_scale)
    if offset_step:
        off = torch.round(off / offset_step) * offset_step
    c.input("offset", off)
    ws = [m, xs[1] // groups, *kernel]
    w = c.weight("w", c.randn(*ws, scale=weight_scale(ws)))
    b = c.weight("b", c.randn(m)) if bias else None
    c.node("y", "deform_conv", ["x", "offset", "w"] + (["b"] if bias else []),
           {"stride": stride, "dilation": dilation, "pads": pads,
            "groups": groups if groups != 1 else None,
            "offset_groups": offset_groups if offset_groups != 1 else None})
    c.output("y", torchvision.ops.deform_conv2d(xp, off, w, b, stride=s,
                                                dilation=d))
    c.expr = (f"torchvision.ops.deform_conv2d(F.pad(x, "
              f"{torch_pads(p[:2], p[2:])}), offset, w, "
              f"{'b' if bias else 'None'}, stride={s}, dilation={d})")
    return c


def deform_cases():
    """deform_conv: offsets of a few pixels, many samples outside."""
    return [
        deform_case("deform_conv_basic", [1, 2, 5, 5], 3, [3, 3],
                    pads=[1, 1, 1, 1]),
        deform_case("deform_conv_offset_groups2", [1, 4, 5, 6], 2, [3, 3],
                    offset_groups=2, pads=[1, 1, 1, 1]),
        deform_case("deform_conv_groups2", [1, 4, 6, 5], 4, [3, 3],
                    groups=2, pads=[1, 0, 1, 0]),
        deform_case("deform_conv_groups2_og2", [2, 4, 5, 5], 2, [2, 2],
                    groups=2, offset_groups=2, bias=False),
        deform_case("deform_conv_stride_dil", [1, 3, 8, 7], 2, [3, 2],
                    stride=[2, 2], dilation=[2, 1], pads=[2, 1, 1, 0]),
        deform_case("deform_conv_far_outside", [1, 2, 4, 4], 2, [3, 3],
                    pads=[1, 1, 1, 1], offset_scale=6.0),
        deform_case("deform_conv_integer_offsets", [1, 2, 4, 5], 2, [3, 3],
                    pads=[1, 1, 1, 1], offset_step=1.0),
        deform_case("deform_conv_half_offsets", [1, 2, 5, 4], 2, [2, 3],
                    pads=[0, 1, 1, 0], offset_step=0.5),
        deform_case("deform_conv_1x1", [1, 3, 4, 5], 2, [1, 1]),
    ]


# pooling ---------------------------------------------------------------------

def pool_case(name, op, xs, kernel, stride=None, pads=None, dilation=None,
              ceil_mode=0, count_include_pad=None, auto_pad=None,
              negative=False):
    """max_pool or avg_pool of x[xs]; PyTorch's padding where it allows,
    else explicit padding (-inf for max, zeros for avg). `negative` makes
    every input negative, so padding with zeros would show."""
    c = Case(name)
    r = len(xs) - 2
    x = c.randn(*xs)
    x = c.input("x", -x.abs() - 0.25 if negative else x)
    s, d = stride or kernel, dilation or [1] * r
    begins, ends = resolve_pads(xs[2:], kernel, s, d, pads, auto_pad)
    c.node("y", op, ["x"],
           {"kernel": kernel, "stride": stride, "dilation": dilation,
            "pads": pads, "auto_pad": auto_pad,
            "ceil_mode": ceil_mode or None,
            "count_include_pad": count_include_pad})
    native = begins == ends and all(2 * b <= k for b, k in zip(begins, kernel))
    tp = torch_pads(begins, ends)
    if op == "max_pool":
        y, c.expr = max_pool_ref(x, kernel, s, d, begins, tp, ceil_mode,
                                 native)
    else:
        include = count_include_pad in (None, 1)
        y, c.expr = avg_pool_ref(x, kernel, s, begins, tp, ceil_mode, include,
                                 native)
    c.output("y", y)
    return c


def max_pool_ref(x, kernel, s, d, begins, tp, ceil_mode, native):
    """Reference max pooling and its expression."""
    r = len(kernel)
    if native:
        return (MAX_POOL[r](x, kernel, s, begins, d, bool(ceil_mode)),
                f"F.max_pool{r}d(x, {kernel}, stride={s}, padding={begins}, "
                f"dilation={d}, ceil_mode={bool(ceil_mode)})")
    assert not ceil_mode, "explicit -inf padding would change ceil_mode"
    xp = F.pad(x, tp, value=-math.inf)
    return (MAX_POOL[r](xp, kernel, s, 0, d),
            f"F.max_pool{r}d(F.pad(x, {tp}, value=-inf), {kernel}, "
            f"stride={s}, dilation={d})")


def avg_pool_ref(x, kernel, s, begins, tp, ceil_mode, include, native):
    """Reference average pooling and its expression."""
    r = len(kernel)
    if native:
        return (AVG_POOL[r](x, kernel, s, begins, bool(ceil_mode), include),
                f"F.avg_pool{r}d(x, {kernel}, stride={s}, padding={begins}, "
                f"ceil_mode={bool(ceil_mode)}, count_include_pad={include})")
    assert not ceil_mode, "explicit padding would change ceil_mode"
    pool = lambda t: AVG_POOL[r](F.pad(t, tp), kernel, s)
    if include:
        return pool(x), f"F.avg_pool{r}d(F.pad(x, {tp}), {kernel}, stride={s})"
    return (pool(x) / pool(torch.ones_like(x)),
            f"F.avg_pool{r}d(F.pad(x, {tp}), {kernel}, stride={s}) / "
            f"F.avg_pool{r}d(F.pad(ones, {tp}), {kernel}, stride={s})")


def max_pool_cases():
    """max_pool 1D/2D/3D: stride, pads, dilation, ceil_mode, auto_pad."""
    mp = "max_pool"
    return [
        pool_case("max_pool2d_k2", mp, [1, 3, 8, 8], [2, 2]),
        pool_case("max_pool2d_k3s2", mp, [2, 2, 9, 9], [3, 3], [2, 2]),
        pool_case("max_pool2d_k3s2_pad1", mp, [1, 2, 8, 7], [3, 3], [2, 2],
                  [1, 1, 1, 1]),
        pool_case("max_pool2d_pads_asym", mp, [1, 2, 6, 7], [3, 3], [1, 1],
                  [0, 1, 2, 0]),
        pool_case("max_pool2d_negative_pads", mp, [1, 2, 5, 6], [3, 3],
                  [2, 2], [1, 1, 1, 1], negative=True),
        pool_case("max_pool2d_negative_same_lower", mp, [1, 1, 6, 5], [2, 3],
                  [1, 2], auto_pad="same_lower", negative=True),
        pool_case("max_pool2d_negative_ceil", mp, [1, 2, 6, 6], [3, 3],
                  [2, 2], [1, 1, 1, 1], ceil_mode=1, negative=True),
        pool_case("max_pool2d_rect", mp, [1, 2, 7, 10], [2, 3], [1, 2]),
        pool_case("max_pool2d_dilation", mp, [1, 2, 9, 9], [3, 3], [1, 1],
                  [1, 1, 1, 1], dilation=[2, 2]),
        pool_case("max_pool2d_dil_stride_rect", mp, [1, 2, 11, 10], [2, 3],
                  [2, 3], dilation=[3, 2]),
        pool_case("max_pool2d_ceil", mp, [1, 2, 8, 8], [3, 3], [2, 2],
                  [1, 1, 1, 1], ceil_mode=1),
        pool_case("max_pool2d_ceil_nopad", mp, [1, 2, 8, 9], [3, 2], [2, 2],
                  ceil_mode=1),
        pool_case("max_pool2d_ceil_drop_last", mp, [1, 2, 5, 5], [2, 2],
                  [2, 2], [1, 1, 1, 1], ceil_mode=1),
        pool_case("max_pool2d_ceil_dilation", mp, [1, 1, 10, 9], [3, 2],
                  [2, 2], [1, 1, 1, 1], dilation=[2, 2], ceil_mode=1),
        pool_case("max_pool2d_same_upper", mp, [1, 2, 8, 7], [3, 3], [2, 2],
                  auto_pad="same_upper"),
        pool_case("max_pool2d_same_lower", mp, [1, 2, 8, 7], [2, 2], [1, 2],
                  auto_pad="same_lower"),
        pool_case("max_pool2d_valid", mp, [1, 2, 7, 7], [3, 3], [2, 2],
                  auto_pad="valid"),
        pool_case("max_pool2d_kernel_is_input", mp, [2, 3, 4, 5], [4, 5]),
        pool_case("max_pool1d_k3s2", mp, [2, 3, 11], [3], [2], [1, 1]),
        pool_case("max_pool1d_ceil", mp, [1, 2, 10], [4], [3], ceil_mode=1),
        pool_case("max_pool3d_k2", mp, [1, 2, 4, 4, 6], [2, 2, 2]),
        pool_case("max_pool3d_stride_pad_dil", mp, [1, 2, 6, 7, 7],
                  [3, 2, 3], [2, 1, 2], [1, 0, 1, 1, 0, 1],
                  dilation=[1, 2, 2]),
    ]


def avg_pool_cases():
    """avg_pool 1D/2D/3D: stride, pads, ceil_mode, count_include_pad."""
    ap = "avg_pool"
    return [
        pool_case("avg_pool2d_k2", ap, [1, 3, 8, 8], [2, 2]),
        pool_case("avg_pool2d_k3s2_pad_include", ap, [1, 2, 9, 8], [3, 3],
                  [2, 2], [1, 1, 1, 1], count_include_pad=1),
        pool_case("avg_pool2d_k3s2_pad_exclude", ap, [1, 2, 9, 8], [3, 3],
                  [2, 2], [1, 1, 1, 1], count_include_pad=0),
        pool_case("avg_pool2d_pad_default", ap, [1, 2, 6, 6], [3, 3], [1, 1],
                  [1, 1, 1, 1]),
        pool_case("avg_pool2d_rect", ap, [2, 2, 7, 10], [2, 3], [1, 2]),
        pool_case("avg_pool2d_ceil_include", ap, [1, 2, 8, 8], [3, 3],
                  [2, 2], [1, 1, 1, 1], ceil_mode=1, count_include_pad=1),
        pool_case("avg_pool2d_ceil_exclude", ap, [1, 2, 8, 8], [3, 3],
                  [2, 2], [1, 1, 1, 1], ceil_mode=1, count_include_pad=0),
        pool_case("avg_pool2d_ceil_nopad", ap, [1, 2, 8, 9], [3, 2], [2, 2],
                  ceil_mode=1),
        pool_case("avg_pool2d_ceil_drop_last", ap, [1, 2, 5, 5], [2, 2],
                  [2, 2], [1, 1, 1, 1], ceil_mode=1, count_include_pad=0),
        pool_case("avg_pool2d_pads_asym_include", ap, [1, 2, 6, 7], [3, 3],
                  [1, 2], [0, 1, 2, 0], count_include_pad=1),
        pool_case("avg_pool2d_pads_asym_exclude", ap, [1, 2, 6, 7], [3, 3],
                  [1, 2], [0, 1, 2, 0], count_include_pad=0),
        pool_case("avg_pool2d_same_upper_exclude", ap, [1, 2, 8, 7], [3, 3],
                  [2, 2], auto_pad="same_upper", count_include_pad=0),
        pool_case("avg_pool2d_same_lower_include", ap, [1, 2, 7, 7], [2, 2],
                  [1, 1], auto_pad="same_lower", count_include_pad=1),
        pool_case("avg_pool2d_valid", ap, [1, 2, 7, 7], [3, 3], [2, 2],
                  auto_pad="valid"),
        pool_case("avg_pool1d_pad_exclude", ap, [2, 3, 11], [3], [2], [1, 1],
                  count_include_pad=0),
        pool_case("avg_pool1d_ceil", ap, [1, 2, 10], [4], [3], ceil_mode=1),
        pool_case("avg_pool3d_k2", ap, [1, 2, 4, 4, 6], [2, 2, 2]),
        pool_case("avg_pool3d_stride_pad", ap, [1, 2, 5, 6, 7], [3, 2, 3],
                  [2, 1, 2], [1, 1, 1, 1, 1, 1], count_include_pad=0),
    ]


def global_pool_cases():
    """global_avg_pool and global_max_pool over 1, 2 and 3 spatial axes."""
    cases = []
    for op, short, fn in (("global_avg_pool", "gap", torch.mean),
                          ("global_max_pool", "gmp", torch.amax)):
        for xs in ([2, 3, 5, 7], [1, 4, 9], [1, 2, 3, 4, 5]):
            c = Case(f"{op}_{len(xs) - 2}d")
            x = c.input("x", c.randn(*xs))
            dims = tuple(range(2, len(xs)))
            c.node("y", op, ["x"])
            c.output("y", fn(x, dim=dims, keepdim=True))
            c.expr = f"torch.{fn.__name__}(x, dim={dims}, keepdim=True)"
            cases.append(c)
    return cases


def all_cases():
    """Every sliding-window case."""
    return (conv_cases() + conv_transpose_cases() + unshared_cases() +
            deform_cases() + max_pool_cases() + avg_pool_cases() +
            global_pool_cases())
