#!/usr/bin/env python3
"""Writes ONNX's backend node test cases, from the `onnx` package this runs
with, in the layout of Debian's libonnx-testdata (DIR/<test>/model.onnx and
DIR/<test>/test_data_set_N/{input,output}_K.pb), for cnnc-onnx-node-test.

The PyPI wheels of onnx ship the generators of the node tests (their
reference implementations in numpy and onnx.reference), not the data; this
runs them once. Usage: python gen_node_tests.py DIR"""
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import numpy_helper
from onnx.backend.test.case import node as node_cases


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    tmp = out + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    written = 0
    for case in node_cases.collect_testcases():
        if case.kind != "node" or case.model is None:
            continue
        graph = case.model.graph
        # Tensors only: sequences, maps and optionals are nothing cnnc has.
        values = list(graph.input) + list(graph.output)
        if any(not v.type.HasField("tensor_type") for v in values):
            continue
        d = os.path.join(tmp, case.name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "model.onnx"), "wb") as f:
            f.write(case.model.SerializeToString())
        for i, (inputs, outputs) in enumerate(case.data_sets):
            ds = os.path.join(d, f"test_data_set_{i}")
            os.makedirs(ds, exist_ok=True)
            for kind, arrays, infos in (("input", inputs, graph.input),
                                        ("output", outputs, graph.output)):
                for j, a in enumerate(arrays):
                    t = a if isinstance(a, onnx.TensorProto) else \
                        numpy_helper.from_array(np.asarray(a), infos[j].name)
                    with open(os.path.join(ds, f"{kind}_{j}.pb"), "wb") as f:
                        f.write(t.SerializeToString())
        written += 1
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)
    print(f"{written} node tests of onnx {onnx.__version__} "
          f"(opset {onnx.defs.onnx_opset_version()}) in {out}")


if __name__ == "__main__":
    main()
