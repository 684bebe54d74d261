#!/usr/bin/env python3
"""The Python package's tests as ctest runs them (test `python`).

Installs the package the way the README says (`python -m pip install
./python`) into BUILD/python-venv, a virtual environment that sees Debian's
numpy, pytest, onnx and torch (--system-site-packages; scripts/setup.sh
installs them), so nothing is downloaded; then runs pytest on
python/tests against the installed copy, which must find the compiler and
runtime of BUILD by itself.

    /usr/bin/python3 python/tests/run.py --build build [pytest args...]

With --torch-from-pypi the environment is BUILD/python-torch2-venv instead,
without Debian's packages: a current torch, torchvision, onnx and
onnxscript from PyPI (about 4 GB with torch's CUDA libraries, downloaded
once), so the same tests check cnnc.from_torch with PyTorch 2's exporters
(`cmake --build build --target check-python-torch2`).
"""
import argparse
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parent


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", required=True, type=Path)
    ap.add_argument("--torch-from-pypi", action="store_true")
    args, pytest_args = ap.parse_known_args()
    build = args.build.resolve()
    venv = build / ("python-torch2-venv" if args.torch_from_pypi
                    else "python-venv")
    python = venv / "bin" / "python3"
    stamp = venv / ".cnnc-ready"
    if not stamp.exists():
        subprocess.run([sys.executable, "-m", "venv", *(
            [] if args.torch_from_pypi else ["--system-site-packages"]),
            str(venv)], check=True)
        if args.torch_from_pypi:
            subprocess.run([str(python), "-m", "pip", "install", "-q",
                            "--disable-pip-version-check", "torch",
                            "torchvision", "numpy", "onnx", "onnxscript",
                            "pytest", "pillow", "setuptools"], check=True)
        stamp.touch()
    # --no-build-isolation: build with the venv's setuptools instead of
    # fetching one; numpy is Debian's, so pip has nothing to download.
    # Installed for the build under test (build/, build-asan/, ...): the
    # package records it (python/setup.py).
    subprocess.run([str(python), "-m", "pip", "install", "-q",
                    "--disable-pip-version-check", "--no-build-isolation",
                    "--force-reinstall", "--no-deps", str(PACKAGE)],
                   check=True, cwd=build,
                   env=dict(os.environ, CNNC_BUILD_DIR=str(build)))
    for leftover in (PACKAGE / "build", PACKAGE / "cnnc.egg-info"):
        subprocess.run(["rm", "-rf", str(leftover)], check=True)
    env = dict(os.environ, CNNC_TEST_BUILD_DIR=str(build),
               CNNC_TEST_INSTALLED="1")
    env.pop("CNNC_BUILD_DIR", None)
    env.pop("PYTHONPATH", None)
    # From the build folder, so that `import cnnc` is the installed copy.
    cmd = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider",
           "-W", "ignore::DeprecationWarning", str(HERE), *pytest_args]
    sys.exit(subprocess.run(cmd, cwd=build, env=env).returncode)


if __name__ == "__main__":
    main()
