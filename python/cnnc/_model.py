"""cnnc.Model: a compiled model loaded by libcnnrt, run on numpy arrays."""
from __future__ import annotations

import ctypes
import os
import statistics
import threading
import time
from ctypes import byref, c_double, c_void_p
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from ._errors import Error
from ._locate import find_tools
from ._runtime import Buffer, check, library

_DTYPES = {0: np.dtype(np.float32)}  # enum cnnc_dtype


class TensorInfo(NamedTuple):
    """An input or output of a model."""
    name: str
    shape: Tuple[int, ...]
    dtype: np.dtype


class BenchmarkResult(NamedTuple):
    """Model.benchmark: milliseconds per run over `runs` timed runs."""
    min_ms: float
    median_ms: float
    mean_ms: float
    runs: int
    threads: int


def _tensor_infos(lib, handle, count: int, desc_fn) -> List[TensorInfo]:
    infos = []
    for i in range(count):
        d = desc_fn(handle, i).contents
        if d.dtype not in _DTYPES:
            raise Error(f"cnnc: tensor '{d.name.decode()}' has element type "
                        f"{d.dtype}, which this package does not know")
        infos.append(TensorInfo(d.name.decode(),
                                tuple(int(d.shape[k]) for k in range(d.rank)),
                                _DTYPES[d.dtype]))
    return infos


class Model:
    """A compiled model (a `.so` from cnnc), loaded and ready to run.

    Create one with cnnc.load(path) or cnnc.compile(...). Calling it runs
    the model: `model(x)` returns the output array (a tuple when there are
    several), `model.run({"input": x})` a dict by output name. A Model may
    be called from several Python threads at once: each run takes a
    workspace of its own, and the GIL is released while the model runs.
    """

    def __init__(self, path, *, threads: Optional[int] = None,
                 verify: bool = False):
        self._handle = None
        self._pool = None
        self._lock = threading.Lock()
        self._workspaces: List[int] = []
        self._active = 0
        path = Path(os.fspath(path))
        if threads is not None and (not isinstance(threads, int) or
                                    isinstance(threads, bool) or threads < 1):
            raise Error(f"cnnc.load: threads must be a positive integer or "
                        f"None (every core), not {threads!r}")
        self._tools = find_tools()
        lib = self._lib = library(self._tools.runtime)
        handle = c_void_p()
        check(lib, lib.cnnrt_load(os.fsencode(path), byref(handle)),
              f"cnnc.load({str(path)!r})")
        self._handle = handle
        self._path = path
        if verify:
            self.verify()
        pool = c_void_p()
        check(lib, lib.cnnrt_pool_create(threads or 0, byref(pool)),
              "cnnc.load: creating the thread pool")
        self._pool = pool
        self._inputs = _tensor_infos(lib, handle, lib.cnnrt_num_inputs(handle),
                                     lib.cnnrt_input_desc)
        self._outputs = _tensor_infos(lib, handle,
                                      lib.cnnrt_num_outputs(handle),
                                      lib.cnnrt_output_desc)
        self._ws_bytes = int(lib.cnnrt_workspace_bytes(handle))

    # --- What the model is --------------------------------------------------

    @property
    def inputs(self) -> List[TensorInfo]:
        """Name, shape and dtype of each input, in the model's order."""
        return list(self._inputs)

    @property
    def outputs(self) -> List[TensorInfo]:
        """Name, shape and dtype of each output, in the model's order."""
        return list(self._outputs)

    @property
    def path(self) -> Path:
        return self._path

    @property
    def name(self) -> str:
        return self._lib.cnnrt_model_name(self._live()).decode()

    @property
    def device(self) -> str:
        """"cpu", or "cuda" for a model compiled with target="cuda"."""
        return self._lib.cnnrt_model_device(self._live()).decode()

    @property
    def target_cpu(self) -> str:
        return self._lib.cnnrt_model_target_cpu(self._live()).decode()

    @property
    def flops(self) -> int:
        """Floating-point operations of one run (2 per multiply-add)."""
        return int(self._lib.cnnrt_model_flops(self._live()))

    @property
    def threads(self) -> int:
        """Threads a run uses (the calling one included)."""
        self._live()
        return int(self._lib.cnnrt_pool_threads(self._pool))

    @property
    def workspace_bytes(self) -> int:
        return self._ws_bytes

    def __repr__(self) -> str:
        if self._handle is None:
            return f"<cnnc.Model {str(self._path)!r} (closed)>"
        ins = ", ".join(f"{t.name}{list(t.shape)}" for t in self._inputs)
        outs = ", ".join(f"{t.name}{list(t.shape)}" for t in self._outputs)
        return (f"<cnnc.Model {self.name!r} ({ins}) -> ({outs}), "
                f"{self.device}, {self.threads} threads>")

    # --- Running -------------------------------------------------------------

    def __call__(self, *inputs, out=None):
        """Runs the model on `inputs` (one array per model input, in order).

        Returns the output array, or a tuple of them when the model has
        several. `out` (an array, or a sequence of arrays, one per output:
        float32, C-contiguous, writeable, of the output's shape) receives
        the results without a copy and is returned."""
        xs = self._check_count(inputs)
        outs = self._outputs_for(out if out is None or
                                 isinstance(out, (list, tuple)) else (out,))
        self._run(xs, outs)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def run(self, feeds: Dict[str, Any], out: Optional[Dict[str, Any]] = None
            ) -> Dict[str, np.ndarray]:
        """Runs the model on {input name: array}; returns {output name:
        array}. `out` maps output names to caller arrays (all or some of
        the outputs) that receive the results without a copy."""
        if not isinstance(feeds, dict):
            raise Error(f"Model.run: feeds must be a dict of input name to "
                        f"array, not {type(feeds).__name__}")
        names = [t.name for t in self._inputs]
        for k in feeds:
            if k not in names:
                raise Error(f"Model.run: unknown input {k!r}; the model's "
                            f"inputs are {names}")
        missing = [n for n in names if n not in feeds]
        if missing:
            raise Error(f"Model.run: missing input{'s' * (len(missing) > 1)} "
                        f"{missing}")
        xs = [self._as_input(feeds[t.name], t, "Model.run")
              for t in self._inputs]
        out = out or {}
        if not isinstance(out, dict):
            raise Error("Model.run: out must be a dict of output name to "
                        "array")
        onames = [t.name for t in self._outputs]
        for k in out:
            if k not in onames:
                raise Error(f"Model.run: unknown output {k!r} in out; the "
                            f"model's outputs are {onames}")
        outs = [self._as_output(out[t.name], t) if t.name in out else
                np.empty(t.shape, t.dtype) for t in self._outputs]
        self._run(xs, outs)
        return dict(zip(onames, outs))

    def benchmark(self, *inputs, runs: int = 20,
                  warmup: int = 3) -> BenchmarkResult:
        """Times `runs` runs (after `warmup` untimed ones) on `inputs`
        (seeded random data in [-1, 1] when none are given)."""
        if not isinstance(runs, int) or runs < 1:
            raise Error(f"Model.benchmark: runs must be >= 1, not {runs!r}")
        xs = self._check_count(inputs) if inputs else \
            self._random_inputs()
        outs = self._outputs_for(None)
        for _ in range(max(0, warmup)):
            self._run(xs, outs)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            self._run(xs, outs)
            times.append((time.perf_counter() - t0) * 1e3)
        return BenchmarkResult(min(times), statistics.median(times),
                               statistics.fmean(times), runs, self.threads)

    def profile(self, *inputs, runs: int = 10) -> List[Dict[str, Any]]:
        """Per-kernel times of a model compiled with profile=True (`cnnc
        --profile`), as rows (dicts) slowest first, one per fused kernel and
        library kernel: name, kernel, source, calls, total_ms, ms_per_run,
        mean_us, share (of the kernels' time), gflops (None for data
        movement). pandas.DataFrame(rows) makes a table of them."""
        if not isinstance(runs, int) or runs < 1:
            raise Error(f"Model.profile: runs must be >= 1, not {runs!r}")
        desc = self._lib.cnnrt_model_desc(self._live()).contents
        n = int(desc.num_profile_entries)
        if n == 0:
            raise Error(f"Model.profile: model '{self.name}' was compiled "
                        f"without profiling; compile it with profile=True "
                        f"(cnnc --profile)")
        xs = self._check_count(inputs) if inputs else \
            self._random_inputs()
        outs = self._outputs_for(None)
        seconds = (c_double * n)()
        for _ in range(runs):
            self._run(xs, outs, seconds)
        rows: Dict[Tuple[str, str], Dict[str, Any]] = {}
        for i in range(n):
            e = desc.profile_entries[i]
            key = (e.name.decode(), e.kernel.decode())
            r = rows.setdefault(key, {"name": key[0], "kernel": key[1],
                                      "source": e.source.decode(),
                                      "calls": 0, "seconds": 0.0,
                                      "flops": 0.0})
            r["calls"] += runs
            r["seconds"] += seconds[i]
            r["flops"] += float(e.flops) * runs
        total = sum(r["seconds"] for r in rows.values())
        table = []
        for r in sorted(rows.values(), key=lambda r: -r["seconds"]):
            s = r["seconds"]
            table.append({
                "name": r["name"], "kernel": r["kernel"],
                "source": r["source"], "calls": r["calls"],
                "total_ms": s * 1e3, "ms_per_run": s * 1e3 / runs,
                "mean_us": s * 1e6 / r["calls"],
                "share": s / total if total > 0 else 0.0,
                "gflops": r["flops"] / s * 1e-9
                if r["flops"] > 0 and s > 0 else None})
        return table

    def verify(self) -> None:
        """Recomputes the checksum of the model's weights (embedded or
        external) and raises cnnc.Error if it differs from the one cnnc
        recorded: the model was damaged after it was compiled."""
        check(self._lib, self._lib.cnnrt_verify_weights(self._live()),
              "Model.verify")

    # --- Lifetime ------------------------------------------------------------

    def close(self) -> None:
        """Frees the model, its workspaces and threads. Idempotent; no run
        may be in progress."""
        with self._lock:
            if self._active:
                raise Error("Model.close: a run is in progress")
            lib = getattr(self, "_lib", None)
            for ws in self._workspaces:
                lib.cnnrt_workspace_free(ws)
            self._workspaces = []
            if self._pool is not None:
                lib.cnnrt_pool_destroy(self._pool)
                self._pool = None
            if self._handle is not None:
                lib.cnnrt_unload(self._handle)
                self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    # --- Helpers -------------------------------------------------------------

    def _live(self):
        if self._handle is None:
            raise Error("cnnc.Model: the model is closed")
        return self._handle

    def _check_count(self, inputs: Sequence[Any]) -> List[np.ndarray]:
        if len(inputs) != len(self._inputs):
            names = [t.name for t in self._inputs]
            n = len(inputs)
            raise Error(f"cnnc.Model: {n} input{'' if n == 1 else 's'} "
                        f"given, the model takes {len(self._inputs)} "
                        f"({', '.join(names)})")
        return [self._as_input(x, t, "cnnc.Model")
                for x, t in zip(inputs, self._inputs)]

    @staticmethod
    def _as_input(x: Any, t: TensorInfo, who: str) -> np.ndarray:
        if not isinstance(x, np.ndarray):
            try:
                x = np.asarray(x)
            except Exception as e:  # e.g. a torch tensor that needs grad
                raise Error(f"{who}: input '{t.name}' cannot be read as an "
                            f"array: {e}") from None
        if x.dtype.kind not in "fiu":
            raise Error(f"{who}: input '{t.name}' has dtype {x.dtype}; the "
                        f"model takes {t.dtype} (floating-point or integer "
                        f"arrays are converted)")
        if tuple(x.shape) != t.shape:
            raise Error(f"{who}: input '{t.name}' has shape "
                        f"{list(x.shape)}; the model takes {list(t.shape)}")
        return np.ascontiguousarray(x, dtype=t.dtype)

    @staticmethod
    def _as_output(a: Any, t: TensorInfo) -> np.ndarray:
        where = f"cnnc.Model: out for output '{t.name}'"
        if not isinstance(a, np.ndarray):
            raise Error(f"{where} must be a numpy array, not "
                        f"{type(a).__name__}")
        if a.dtype != t.dtype:
            raise Error(f"{where} has dtype {a.dtype}, the output is "
                        f"{t.dtype}")
        if tuple(a.shape) != t.shape:
            raise Error(f"{where} has shape {list(a.shape)}, the output is "
                        f"{list(t.shape)}")
        if not a.flags.c_contiguous or not a.flags.writeable:
            raise Error(f"{where} must be C-contiguous and writeable")
        return a

    def _outputs_for(self, out) -> List[np.ndarray]:
        if out is None:
            return [np.empty(t.shape, t.dtype) for t in self._outputs]
        if len(out) != len(self._outputs):
            raise Error(f"cnnc.Model: out has {len(out)} arrays, the model "
                        f"has {len(self._outputs)} outputs")
        return [self._as_output(a, t) for a, t in zip(out, self._outputs)]

    def _random_inputs(self) -> List[np.ndarray]:
        rng = np.random.default_rng(0)
        return [rng.uniform(-1, 1, t.shape).astype(t.dtype)
                for t in self._inputs]

    def _take_workspace(self) -> int:
        with self._lock:
            self._live()
            self._active += 1
            if self._workspaces:
                return self._workspaces.pop()
        ws = c_void_p()
        try:
            check(self._lib, self._lib.cnnrt_workspace_alloc(self._handle,
                                                             byref(ws)),
                  "cnnc.Model: allocating a workspace")
        except Error:
            with self._lock:
                self._active -= 1
            raise
        return ws.value

    def _give_workspace(self, ws: int) -> None:
        with self._lock:
            self._workspaces.append(ws)
            self._active -= 1

    def _run(self, xs: List[np.ndarray], outs: List[np.ndarray],
             profile_seconds=None) -> None:
        ins = (Buffer * max(1, len(xs)))(
            *[Buffer(x.ctypes.data, x.nbytes) for x in xs])
        ous = (Buffer * max(1, len(outs)))(
            *[Buffer(o.ctypes.data, o.nbytes) for o in outs])
        ws = self._take_workspace()
        try:
            lib = self._lib
            if profile_seconds is None:
                status = lib.cnnrt_run(self._handle, ins, len(xs), ous,
                                       len(outs), ws, self._ws_bytes,
                                       self._pool)
            else:
                status = lib.cnnrt_run_profiled(
                    self._handle, ins, len(xs), ous, len(outs), ws,
                    self._ws_bytes, self._pool, profile_seconds)
            check(lib, status, f"cnnc.Model: running '{self.name}'")
        finally:
            self._give_workspace(ws)


def load(path, *, threads: Optional[int] = None,
         verify: bool = False) -> Model:
    """Loads a model compiled by cnnc (a `.so`). `threads`: threads per
    run, the calling one included (None: every core of the machine).
    `verify`: check the weights' checksum first (Model.verify)."""
    return Model(path, threads=threads, verify=verify)
