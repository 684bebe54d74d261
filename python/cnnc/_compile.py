"""cnnc.compile: a model file (or onnx.ModelProto) to a loaded cnnc.Model.

It runs the compiler of the build the package uses (cnnc/_locate.py) as a
process: the compiler keeps its own diagnostics, exit codes and atomic
output, and a crash of LLVM could never take the Python process with it.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
import warnings
from pathlib import Path
from typing import Dict, Optional, Sequence

from ._errors import CompileError, CompileWarning, Error
from ._locate import find_tools
from ._model import Model

_SUFFIXES = (".onnx", ".ir")


def _shape_arg(name: str, shape) -> str:
    try:
        dims = [int(d) for d in shape]
    except (TypeError, ValueError):
        raise Error(f"cnnc.compile: input_shapes[{name!r}] must be a sequence "
                    f"of integers, not {shape!r}") from None
    if not dims or any(d < 1 for d in dims):
        raise Error(f"cnnc.compile: input_shapes[{name!r}] = {dims} has no "
                    f"dimensions or one below 1")
    return f"{name}={'x'.join(str(d) for d in dims)}"


def compile_args(*, target: Optional[str] = None,
                 target_cpu: Optional[str] = None, opt_level: int = 3,
                 input_shapes: Optional[Dict[str, Sequence[int]]] = None,
                 profile: bool = False, name: Optional[str] = None,
                 weights: Optional[str] = None,
                 jobs: Optional[int] = None,
                 extra_args: Sequence[str] = ()) -> list:
    """The cnnc command-line options of compile()'s keyword arguments."""
    args = []
    if target is not None:
        if target not in ("cpu", "cuda"):
            raise Error(f"cnnc.compile: target must be 'cpu' or 'cuda', not "
                        f"{target!r}")
        args.append(f"--target={target}")
    if target_cpu is not None:
        args.append(f"--target-cpu={target_cpu}")
    if opt_level not in (0, 1, 2, 3):
        raise Error(f"cnnc.compile: opt_level must be 0 to 3, not "
                    f"{opt_level!r}")
    args.append(f"-O{opt_level}")
    for k, v in (input_shapes or {}).items():
        args += ["--input-shape", _shape_arg(k, v)]
    if profile:
        args.append("--profile")
    if name is not None:
        args.append(f"--name={name}")
    if weights is not None:
        if weights not in ("embedded", "external"):
            raise Error(f"cnnc.compile: weights must be 'embedded' or "
                        f"'external', not {weights!r}")
        if weights == "external":
            args.append("--weights=external")
    if jobs is not None:
        args.append(f"-j{int(jobs)}")
    args += [str(a) for a in extra_args]
    return args


def _is_model_proto(m) -> bool:
    return type(m).__name__ == "ModelProto" and hasattr(m, "SerializeToString")


def compile(model, *, output=None, target: Optional[str] = None,
            target_cpu: Optional[str] = None, opt_level: int = 3,
            input_shapes: Optional[Dict[str, Sequence[int]]] = None,
            profile: bool = False, name: Optional[str] = None,
            weights: Optional[str] = None, jobs: Optional[int] = None,
            threads: Optional[int] = None,
            extra_args: Sequence[str] = ()) -> Model:
    """Compiles `model` and returns it loaded.

    model: a path to an `.onnx` or `.ir` file, or an onnx.ModelProto.
    output: where to keep the compiled `.so` (else a temporary file, gone
      once loaded).
    target: "cpu" (default) or "cuda"; target_cpu: an LLVM CPU name such as
      "x86-64-v3" (default: this machine's); opt_level: LLVM's -O level.
    input_shapes: {input name: shape} for ONNX inputs of symbolic size.
    profile: time every kernel call (Model.profile()).
    name: the model's C name; weights: "embedded" (default) or "external"
      (beside the `.so`, checked by size and hash at load).
    jobs: compiler threads (default every core); threads: threads per run
      of the loaded model (default every core).
    extra_args: further cnnc options, as on its command line.

    Raises cnnc.CompileError with cnnc's located diagnostics when the
    model is refused."""
    args = compile_args(target=target, target_cpu=target_cpu,
                        opt_level=opt_level, input_shapes=input_shapes,
                        profile=profile, name=name, weights=weights,
                        jobs=jobs, extra_args=extra_args)
    tools = find_tools()
    with tempfile.TemporaryDirectory(prefix="cnnc-") as tmp:
        if _is_model_proto(model):
            src = Path(tmp) / "model.onnx"
            src.write_bytes(model.SerializeToString())
        elif isinstance(model, (str, os.PathLike)):
            src = Path(os.fspath(model))
            if not src.is_file():
                raise Error(f"cnnc.compile: no such model file: {src}")
            if src.suffix not in _SUFFIXES:
                raise Error(f"cnnc.compile: {src} is neither .onnx nor .ir")
        else:
            raise Error(f"cnnc.compile: model must be a path to an .onnx or "
                        f".ir file or an onnx.ModelProto, not "
                        f"{type(model).__name__}")
        dest = Path(os.fspath(output)) if output is not None else \
            Path(tmp) / "model.so"
        cmd = [str(tools.compiler), str(src), "-o", str(dest), *args]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True,
                              errors="replace")
        if proc.returncode != 0:
            text = proc.stderr.strip() or proc.stdout.strip()
            raise CompileError(text or f"cnnc exited with status "
                               f"{proc.returncode}")
        if proc.stderr.strip():
            warnings.warn(proc.stderr.strip(), CompileWarning,
                          stacklevel=2)
        return Model(dest, threads=threads)
