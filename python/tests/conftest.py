"""Shared fixtures of the Python package's tests.

Oracles: cnnc's reference interpreter (`cnnc --interpret`, run as a
separate process on the same input) for IR models, PyTorch for exported
ones. tests/run.py installs the package into a virtual environment and runs
these tests against the installed copy (CNNC_TEST_BUILD_DIR names the build
it must find).
"""
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import cnnc

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent.parent
MODELS = HERE / "models"
LENET = CHECKOUT / "samples" / "lenet5.ir"
TWO_HEADS = MODELS / "two_heads.ir"


def build_dir() -> Path:
    return Path(os.environ.get("CNNC_TEST_BUILD_DIR", CHECKOUT / "build"))


def interpret(ir: Path, inputs: dict, tmp: Path) -> dict:
    """{output name: array} of the reference interpreter on `inputs`."""
    args = [str(build_dir() / "tools" / "cnnc"), str(ir), "--interpret",
            "--output-dir", str(tmp / "ref")]
    for name, x in inputs.items():
        p = tmp / f"in_{name}.npy"
        np.save(p, np.ascontiguousarray(x, dtype=np.float32))
        args += ["--input", f"{name}={p}"]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return {p.stem: np.load(p) for p in (tmp / "ref").glob("*.npy")}


def assert_close(got, want, rtol=1e-4):
    """Elementwise within rtol of the output's scale (and relative)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape
    scale = float(np.abs(want).max()) or 1.0
    err = np.abs(got - want)
    bound = 1e-5 * scale + rtol * np.abs(want)
    assert (err <= bound + 1e-6).all(), \
        f"max error {err.max()} (scale {scale})"


@pytest.fixture(scope="session")
def lenet():
    with cnnc.compile(LENET) as m:
        yield m


@pytest.fixture(scope="session")
def two_heads():
    with cnnc.compile(TWO_HEADS) as m:
        yield m


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
