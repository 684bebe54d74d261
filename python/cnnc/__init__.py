"""cnnc from Python: compile CNNs ahead of time and run them on numpy arrays.

    import cnnc, numpy as np
    model = cnnc.compile("resnet18.onnx", output="resnet18.so")
    y = model(np.random.rand(1, 3, 224, 224).astype(np.float32))
    model = cnnc.load("resnet18.so", threads=2)
    print(model.inputs, model.outputs, model.benchmark(runs=20))

The package drives the cnnc compiler and the libcnnrt runtime of a build
(see cnnc.find_tools for where it looks); at run time it needs numpy only.
"""
from ._compile import compile
from ._errors import CompileError, CompileWarning, Error
from ._locate import Tools, find_tools
from ._model import BenchmarkResult, Model, TensorInfo, load
from ._torch import from_torch

__version__ = "0.1.0"

__all__ = ["compile", "load", "from_torch", "Model", "TensorInfo",
           "BenchmarkResult", "Error", "CompileError", "CompileWarning",
           "find_tools", "Tools", "__version__"]
