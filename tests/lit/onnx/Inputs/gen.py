#!/usr/bin/env python3
"""Writes the small ONNX models of tests/lit/onnx as text protos and encodes
them with protoc (no Python ONNX package needed). Run from this folder:
    python3 gen.py
The .onnx files are committed; rerun after editing a model here."""
import math
import subprocess

PROTO = "/usr/include/onnx/onnx.proto"


def floats(n, seed):
    """Deterministic values in [-1, 1]."""
    return [round(math.sin(seed * 7.1 + i * 1.37), 4) for i in range(n)]


def tensor(name, dims, values=None, ints=None):
    s = f'name: "{name}" ' + " ".join(f"dims: {d}" for d in dims)
    if ints is not None:
        return s + " data_type: 7 " + " ".join(f"int64_data: {v}" for v in ints)
    return s + " data_type: 1 " + " ".join(f"float_data: {v}" for v in values)


def init(name, dims, seed):
    return "initializer { " + tensor(name, dims, floats(math.prod(dims), seed)) + " }"


def value_info(name, dims):
    d = " ".join(
        f'dim {{ dim_param: "{x}" }}' if isinstance(x, str) else f"dim {{ dim_value: {x} }}"
        for x in dims)
    return f'{{ name: "{name}" type {{ tensor_type {{ elem_type: 1 shape {{ {d} }} }} }} }}'


def attr(name, value):
    if isinstance(value, list):
        if value and isinstance(value[0], float):
            return f'attribute {{ name: "{name}" type: FLOATS ' + " ".join(f"floats: {v}" for v in value) + " }"
        return f'attribute {{ name: "{name}" type: INTS ' + " ".join(f"ints: {v}" for v in value) + " }"
    if isinstance(value, float):
        return f'attribute {{ name: "{name}" type: FLOAT f: {value} }}'
    if isinstance(value, str):
        return f'attribute {{ name: "{name}" type: STRING s: "{value}" }}'
    return f'attribute {{ name: "{name}" type: INT i: {value} }}'


def node(op, ins, outs, name, **attrs):
    s = "node { " + " ".join(f'input: "{i}"' for i in ins) + " "
    s += " ".join(f'output: "{o}"' for o in outs)
    s += f' name: "{name}" op_type: "{op}" '
    return s + " ".join(attr(k, v) for k, v in attrs.items()) + " }"


def model(path, opset, nodes, inputs, outputs, inits=()):
    text = f'ir_version: 8\nopset_import {{ domain: "" version: {opset} }}\n'
    text += 'graph {\n  name: "test"\n'
    text += "".join(f"  {n}\n" for n in list(nodes) + list(inits))
    text += "".join(f"  input {value_info(*i)}\n" for i in inputs)
    text += "".join(f"  output {value_info(*o)}\n" for o in outputs)
    text += "}\n"
    out = subprocess.run(["protoc", "--encode=onnx.ModelProto", "-I/usr/include", PROTO],
                         input=text.encode(), capture_output=True, check=True).stdout
    open(path, "wb").write(out)


# Conv + BatchNorm + Relu + MaxPool, then the shape chain exporters emit
# for a flatten (Shape, Gather, Unsqueeze, Concat, Reshape), Gemm, Softmax.
model("small.onnx", 13, [
    node("Conv", ["x", "w", "b"], ["c"], "conv1", pads=[1, 1, 1, 1]),
    node("BatchNormalization", ["c", "g", "beta", "mean", "var"], ["bn"], "bn1"),
    node("Relu", ["bn"], ["r"], "relu1"),
    node("MaxPool", ["r"], ["p"], "pool1", kernel_shape=[2, 2], strides=[2, 2]),
    node("Shape", ["p"], ["s"], "shape"),
    node("Gather", ["s", "zero"], ["n"], "gather", axis=0),
    node("Unsqueeze", ["n", "axes0"], ["n1"], "unsq"),
    node("Concat", ["n1", "minus1"], ["shape2"], "cat", axis=0),
    node("Reshape", ["p", "shape2"], ["f"], "flatten"),
    node("Gemm", ["f", "fcw", "fcb"], ["g1"], "fc", transB=1),
    node("Softmax", ["g1"], ["y"], "softmax", axis=1),
], [("x", [1, 3, 8, 8])], [("y", [1, 5])], [
    init("w", [4, 3, 3, 3], 1), init("b", [4], 2), init("g", [4], 3),
    init("beta", [4], 4), init("mean", [4], 5),
    "initializer { " + tensor("var", [4], [0.5, 1.0, 1.5, 2.0]) + " }",
    "initializer { " + tensor("zero", [], ints=[0]) + " }",
    "initializer { " + tensor("axes0", [1], ints=[0]) + " }",
    "initializer { " + tensor("minus1", [1], ints=[-1]) + " }",
    init("fcw", [5, 64], 6), init("fcb", [5], 7),
])

# Old-opset forms: Clip with attributes, Softmax coercing to 2-D at axis 1,
# Upsample with a scales input, Pad with attributes.
model("opset9.onnx", 9, [
    node("Clip", ["x"], ["c"], "clip", min=-0.5, max=0.5),
    node("Upsample", ["c", "scales"], ["u"], "up", mode="nearest"),
    node("Pad", ["u"], ["p"], "pad", pads=[0, 0, 1, 0, 0, 0, 0, 1]),
    node("Softmax", ["p"], ["y"], "softmax", axis=1),
], [("x", [1, 2, 3, 3])], [("y", [1, 2, 7, 7])], [
    "initializer { " + tensor("scales", [4], [1.0, 1.0, 2.0, 2.0]) + " }",
])

# The same in opset 13: Clip bounds as inputs, Resize, Pad with inputs;
# and in opset 22 (Resize-19, Pad-21 and Softmax-13 as defined there).
for opset in (13, 22):
    model(f"opset{opset}.onnx", opset, [
        node("Clip", ["x", "lo", "hi"], ["c"], "clip"),
        node("Resize", ["c", "", "scales"], ["u"], "up", mode="nearest",
             coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
        node("Pad", ["u", "pads"], ["p"], "pad"),
        node("Softmax", ["p"], ["y"], "softmax", axis=1),
    ], [("x", [1, 2, 3, 3])], [("y", [1, 2, 7, 7])], [
        "initializer { " + tensor("scales", [4], [1.0, 1.0, 2.0, 2.0]) + " }",
        "initializer { " + tensor("lo", [], [-0.5]) + " }",
        "initializer { " + tensor("hi", [], [0.5]) + " }",
        "initializer { " + tensor("pads", [8], ints=[0, 0, 1, 0, 0, 0, 0, 1]) + " }",
    ])

# An old opset (Relu-6), and one newer than the importer knows.
for opset in (6, 99):
    model(f"opset{opset}.onnx", opset, [
        node("Relu", ["x"], ["y"], "relu"),
    ], [("x", [1, 4])], [("y", [1, 4])])

# Opset 22 (AveragePool-22, Conv-22): a dilated average pool is refused by
# name; the conv imports.
model("avgpool-dilated.onnx", 22, [
    node("Conv", ["x", "w"], ["c"], "conv", pads=[1, 1, 1, 1]),
    node("AveragePool", ["c"], ["y"], "pool", kernel_shape=[2, 2],
         dilations=[2, 2]),
], [("x", [1, 1, 6, 6])], [("y", [1, 1, 4, 4])], [init("w", [1, 1, 3, 3], 8)])

# Unsupported ops, and a symbolic batch dimension.
model("unsupported.onnx", 13, [
    node("Relu", ["x"], ["a"], "relu"),
    node("NonMaxSuppression", ["a"], ["b"], "nms"),
    node("TopK", ["b"], ["c"], "topk"),
    node("Relu", ["c"], ["y"], "relu2"),
], [("x", [1, 4])], [("y", [1, 4])])

model("symbolic.onnx", 13, [
    node("Relu", ["x"], ["y"], "relu"),
], [("x", ["N", 3, 4, 4])], [("y", ["N", 3, 4, 4])])

# A compute op fed by an integer tensor.
model("intcompute.onnx", 13, [
    node("Shape", ["x"], ["s"], "shape"),
    node("Cast", ["s"], ["sf"], "cast", to=7),
    node("Add", ["x", "sf"], ["y"], "add"),
], [("x", [1, 4])], [("y", [1, 4])])

# Dropout's mask output (all true in inference), unused as in the model
# zoo's Caffe2 conversions; and read by a compute op.
model("dropout-mask.onnx", 12, [
    node("Dropout", ["x"], ["d", "mask"], "drop", ratio=0.5),
    node("Relu", ["d"], ["y"], "relu"),
], [("x", [1, 4])], [("y", [1, 4])])
# Resize-13 cubic (cubic_coeff_a, exclude_outside) and tf_crop_and_resize
# with a roi over the spatial axes and an extrapolation value; and a roi
# that crops the channels (refused).
model("resize-filters.onnx", 13, [
    node("Resize", ["x", "", "scales"], ["c"], "cubic", mode="cubic",
         cubic_coeff_a=-0.5, exclude_outside=1),
    node("Resize", ["c", "roi", "", "sizes"], ["y"], "crop", mode="linear",
         coordinate_transformation_mode="tf_crop_and_resize",
         extrapolation_value=1.5),
], [("x", [1, 2, 4, 4])], [("y", [1, 2, 3, 5])], [
    "initializer { " + tensor("scales", [4], [1.0, 1.0, 2.0, 1.5]) + " }",
    "initializer { " + tensor("roi", [8], [0, 0, 0.1, -0.2, 1, 1, 0.9, 1.2]) + " }",
    "initializer { " + tensor("sizes", [4], ints=[1, 2, 3, 5]) + " }"])
model("resize-crop-channels.onnx", 13, [
    node("Resize", ["x", "roi", "", "sizes"], ["y"], "crop", mode="linear",
         coordinate_transformation_mode="tf_crop_and_resize"),
], [("x", [1, 2, 4, 4])], [("y", [1, 2, 3, 5])], [
    "initializer { " + tensor("roi", [8], [0, 0.5, 0, 0, 1, 1, 1, 1]) + " }",
    "initializer { " + tensor("sizes", [4], ints=[1, 2, 3, 5]) + " }"])

# LayerNorm spelled out as PyTorch exports it before opset 17, over the
# last axis; and the same with the deviation d also a graph output (its
# nodes stay, and ReduceMean over the last axis is refused).
def layernorm_chain(extra_output):
    nodes = [
        node("ReduceMean", ["x"], ["m"], "mean", axes=[-1]),
        node("Sub", ["x", "m"], ["d"], "sub"),
        node("Pow", ["d", "two"], ["p"], "pow"),
        node("ReduceMean", ["p"], ["v"], "var", axes=[-1]),
        node("Add", ["v", "eps"], ["ve"], "addeps"),
        node("Sqrt", ["ve"], ["s"], "sqrt"),
        node("Div", ["d", "s"], ["n"], "div"),
        node("Mul", ["n", "w"], ["nw"], "mul"),
        node("Add", ["nw", "b"], ["y"], "add"),
    ]
    outputs = [("y", [1, 2, 3, 4])] + ([("d", [1, 2, 3, 4])] if extra_output else [])
    return nodes, outputs


for path, extra in [("layernorm-decomposed.onnx", False),
                    ("layernorm-decomposed-used.onnx", True)]:
    nodes, outputs = layernorm_chain(extra)
    model(path, 13, nodes, [("x", [1, 2, 3, 4])], outputs, [
        "initializer { " + tensor("two", [], [2.0]) + " }",
        "initializer { " + tensor("eps", [], [1e-06]) + " }",
        init("w", [4], 3), init("b", [4], 4)])

# Reshape-14 allowzero=1: without a 0 in the shape as without the flag; with
# one (an empty result) refused.
for path, dims in [("reshape-allowzero.onnx", [6, 4]),
                   ("reshape-allowzero-empty.onnx", [0, 24])]:
    model(path, 14, [
        node("Reshape", ["x", "shape"], ["y"], "reshape", allowzero=1),
    ], [("x", [2, 3, 4])], [("y", [6, 4])], [
        "initializer { " + tensor("shape", [2], ints=dims) + " }"])

# LayerNormalization over [3,4] with a scale of [4] and a bias of [1,4]
# (broadcast to the normalised shape), and its Mean output.
model("layernorm-broadcast.onnx", 17, [
    node("LayerNormalization", ["x", "s", "b"], ["y", "mean"], "ln", axis=1,
         epsilon=0.001),
], [("x", [2, 3, 4])], [("y", [2, 3, 4]), ("mean", [2, 1, 1])],
    [init("s", [4], 1), init("b", [1, 4], 2)])
model("dropout-mask-used.onnx", 12, [
    node("Dropout", ["x"], ["d", "mask"], "drop", ratio=0.5),
    node("Cast", ["mask"], ["m"], "cast", to=1),
    node("Add", ["d", "m"], ["y"], "add"),
], [("x", [1, 4])], [("y", [1, 4])])

# External data (what PyTorch 2's exporter writes by default): a conv whose
# weight and bias are bytes of external.data, and the same model with them
# inline (the oracle); then locations and ranges that must be refused.
import struct


def external(name, dims, location, offset, length):
    s = f'name: "{name}" ' + " ".join(f"dims: {d}" for d in dims)
    s += " data_type: 1 data_location: EXTERNAL"
    s += f' external_data {{ key: "location" value: "{location}" }}'
    if offset is not None:
        s += f' external_data {{ key: "offset" value: "{offset}" }}'
    if length is not None:
        s += f' external_data {{ key: "length" value: "{length}" }}'
    return "initializer { " + s + " }"


w_vals, b_vals = floats(2 * 3 * 3 * 3, 5), floats(2, 6)
w_bytes = struct.pack(f"<{len(w_vals)}f", *w_vals)
b_bytes = struct.pack(f"<{len(b_vals)}f", *b_vals)
# The bias first after 8 bytes of padding, as an exporter may align them.
open("external.data", "wb").write(b"\0" * 8 + b_bytes + w_bytes)
conv = [node("Conv", ["x", "w", "b"], ["y"], "conv", pads=[1, 1, 1, 1])]
io = ([("x", [1, 3, 4, 4])], [("y", [1, 2, 4, 4])])
model("external-inline.onnx", 13, conv, *io, [init("w", [2, 3, 3, 3], 5),
                                            init("b", [2], 6)])
w_at, b_at = 8 + len(b_bytes), 8
model("external.onnx", 13, conv, *io, [
    external("w", [2, 3, 3, 3], "external.data", w_at, None),  # to the end
    external("b", [2], "external.data", b_at, len(b_bytes))])
for path, w in [
        ("external-escape.onnx", external("w", [2, 3, 3, 3], "../external.data", w_at, None)),
        ("external-missing.onnx", external("w", [2, 3, 3, 3], "missing.data", 0, None)),
        ("external-past-end.onnx", external("w", [2, 3, 3, 3], "external.data", w_at, len(w_bytes) + 4)),
        ("external-bad-offset.onnx", external("w", [2, 3, 3, 3], "external.data", "8x", None)),
        ("external-short.onnx", external("w", [2, 3, 3, 3], "external.data", w_at, 16))]:
    model(path, 13, conv, *io, [w, external("b", [2], "external.data", b_at, len(b_bytes))])
