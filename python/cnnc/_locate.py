"""Where the compiler (`cnnc`) and the runtime (`libcnnrt.so`) are.

The package carries neither: the compiler is a 70 MB executable linked
against Debian's LLVM 14, fmt, protobuf and NVRTC, so a copy in every
virtual environment would be large, tied to this system's libraries anyway,
and stale after each rebuild. It uses those of a build, looked for in this
order (the first that names a place wins; a place that lacks a file is an
error, never a silent fall-through to another build):

1. `$CNNC_BUILD_DIR`: a CMake build folder (`tools/cnnc`,
   `runtime/libcnnrt.so`);
2. the build folder of the checkout the package was installed from
   (recorded at install time in `_origin.py`: `build/`, or the
   $CNNC_BUILD_DIR of the install), or of the checkout this file lies in
   when the package is used from the source tree;
3. an install prefix (`cmake --install build --prefix P`): the `cnnc` on
   `$PATH`, with `P/lib/libcnnrt.so` beside `P/bin/cnnc`.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ._errors import Error


@dataclass(frozen=True)
class Tools:
    """The compiler and runtime library in use, and where they were found."""
    compiler: Path
    runtime: Path
    origin: str


def _build_tools(build: Path, origin: str) -> Tools:
    compiler = build / "tools" / "cnnc"
    runtime = build / "runtime" / "libcnnrt.so"
    for f in (compiler, runtime):
        if not f.is_file():
            raise Error(f"cnnc: {origin} is {build}, but it has no {f.name} "
                        f"(expected {f}); build it with scripts/build.sh")
    return Tools(compiler, runtime, f"{origin} ({build})")


def _recorded_build() -> Optional[Path]:
    try:
        from . import _origin  # written by setup.py when installed
        return Path(_origin.BUILD_DIR)
    except ImportError:
        pass
    here = Path(__file__).resolve().parent  # <checkout>/python/cnnc
    checkout = here.parent.parent
    if here.parent.name == "python" and (checkout / "runtime").is_dir():
        return checkout / "build"
    return None


def _prefix_tools() -> Optional[Tools]:
    found = shutil.which("cnnc")
    if not found:
        return None
    compiler = Path(found).resolve()
    prefix = compiler.parent.parent
    for lib in ("lib", "lib64", "lib/x86_64-linux-gnu"):
        runtime = prefix / lib / "libcnnrt.so"
        if runtime.is_file():
            return Tools(compiler, runtime, f"install prefix {prefix}")
    return None


def find_tools() -> Tools:
    """The compiler and runtime this package uses (see the module's text).

    Raises cnnc.Error, saying where it looked, when none is found."""
    env = os.environ.get("CNNC_BUILD_DIR")
    if env:
        return _build_tools(Path(env).expanduser(), "$CNNC_BUILD_DIR")
    recorded = _recorded_build()
    if recorded is not None and recorded.is_dir():
        return _build_tools(recorded, "the checkout's build folder")
    tools = _prefix_tools()
    if tools:
        return tools
    looked = ["$CNNC_BUILD_DIR (not set)"]
    if recorded is not None:
        looked.append(f"{recorded} (missing)")
    looked.append("a `cnnc` on $PATH with lib/libcnnrt.so in its prefix "
                  "(none)")
    raise Error("cnnc: cannot find the compiler and runtime; looked in: " +
                "; ".join(looked) +
                ". Build cnnc (scripts/build.sh) or set CNNC_BUILD_DIR")
