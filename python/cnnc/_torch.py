"""cnnc.from_torch: a PyTorch module, exported to ONNX, compiled by cnnc."""
from __future__ import annotations

import inspect
import os
import re
import tempfile
from pathlib import Path
from typing import Optional, Sequence

from ._compile import compile
from ._errors import Error
from ._model import Model


def from_torch(module, example_inputs, *,
               input_names: Optional[Sequence[str]] = None,
               output_names: Optional[Sequence[str]] = None,
               opset: Optional[int] = None, exporter: Optional[str] = None,
               onnx_path=None, **compile_options) -> Model:
    """Exports `module` with torch.onnx.export at the shapes of
    `example_inputs` (a tensor or a tuple of tensors), compiles it with
    cnnc.compile(**compile_options) and returns the loaded Model.

    The module is exported in eval mode (batch norm with running
    statistics, no dropout), as torch.onnx.export does by default.
    input_names / output_names: the ONNX names (default input0.. /
    output0..; "input" and "output" for one). opset: the ONNX opset
    (default: the exporter's). exporter: "dynamo" or "torchscript" on a
    torch that has both (default: that torch's default; torch 1.13 has
    the TorchScript one only). onnx_path: keep the exported file there.
    """
    try:
        import torch
    except ImportError:
        raise Error("cnnc.from_torch needs PyTorch (import torch failed)") \
            from None
    if not isinstance(module, torch.nn.Module):
        raise Error(f"cnnc.from_torch: module must be a torch.nn.Module, not "
                    f"{type(module).__name__}")
    if isinstance(example_inputs, torch.Tensor):
        example_inputs = (example_inputs,)
    example_inputs = tuple(example_inputs)
    if not example_inputs or not all(isinstance(t, torch.Tensor)
                                     for t in example_inputs):
        raise Error("cnnc.from_torch: example_inputs must be a tensor or a "
                    "non-empty tuple of tensors")
    if input_names is None:
        input_names = ["input"] if len(example_inputs) == 1 else \
            [f"input{i}" for i in range(len(example_inputs))]
    if len(input_names) != len(example_inputs):
        raise Error(f"cnnc.from_torch: {len(input_names)} input_names for "
                    f"{len(example_inputs)} example inputs")
    if output_names is None:
        with torch.no_grad():
            outs = module(*example_inputs)
        n = len(outs) if isinstance(outs, (tuple, list)) else 1
        output_names = ["output"] if n == 1 else \
            [f"output{i}" for i in range(n)]
    kwargs = {"input_names": list(input_names),
              "output_names": list(output_names)}
    if opset is not None:
        kwargs["opset_version"] = int(opset)
    params = inspect.signature(torch.onnx.export).parameters
    if exporter is not None:
        if exporter not in ("dynamo", "torchscript"):
            raise Error(f"cnnc.from_torch: exporter must be 'dynamo' or "
                        f"'torchscript', not {exporter!r}")
        if "dynamo" in params:
            kwargs["dynamo"] = exporter == "dynamo"
        elif exporter == "dynamo":
            raise Error(f"cnnc.from_torch: torch {torch.__version__} has no "
                        f"dynamo exporter")
    if "name" not in compile_options:
        # The model's C name after the module's class ("ResNet" -> resnet).
        cname = re.sub(r"\W", "_", type(module).__name__).lower()
        compile_options["name"] = cname if cname[:1].isalpha() else \
            f"m_{cname}"
    if "external_data" in params:
        kwargs["external_data"] = False  # one self-contained file
    with tempfile.TemporaryDirectory(prefix="cnnc-torch-") as tmp:
        path = Path(os.fspath(onnx_path)) if onnx_path is not None else \
            Path(tmp) / "model.onnx"
        try:
            torch.onnx.export(module, example_inputs, str(path), **kwargs)
        except Exception as e:
            raise Error(f"cnnc.from_torch: torch.onnx.export failed: "
                        f"{type(e).__name__}: {e}") from e
        return compile(path, **compile_options)
