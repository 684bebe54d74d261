#!/usr/bin/env python3
"""ONNX's node tests from a current onnx release, next to Debian's 1.12 ones
(the onnx-node test): sets up a virtual environment with that release from
PyPI (once, in BUILD/onnx-venv; Debian's python3-venv), writes its node
test cases with their generators (gen_node_tests.py, once, into
BUILD/onnx-node-<version>), then runs cnnc-onnx-node-test on them. After
the first run it works offline.

Usage: node_tests_current.py --build BUILD --runner cnnc-onnx-node-test"""
import argparse
import os
import subprocess
import sys

# Pinned: the expected results (every case whose ops and attributes cnnc
# supports passes) are those of this release; move it on purpose, with
# compiler/onnx/OpVersions.inc (scripts/onnx_op_versions.py).
ONNX = "onnx==1.23.2"
HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, **kw):
    r = subprocess.run(cmd, **kw)
    if r.returncode != 0:
        sys.exit(f"onnx-node-current: '{' '.join(cmd)}' failed "
                 f"(exit {r.returncode})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--runner", required=True)
    args = ap.parse_args()
    venv = os.path.join(args.build, "onnx-venv")
    python = os.path.join(venv, "bin", "python3")
    stamp = os.path.join(venv, ".cnnc-onnx")
    if not (os.path.exists(stamp) and open(stamp).read().strip() == ONNX):
        print(f"onnx-node-current: installing {ONNX} from PyPI into {venv}",
              flush=True)
        if not os.path.exists(python):
            run(["/usr/bin/python3", "-m", "venv", venv])
        run([python, "-m", "pip", "install", "-q", ONNX, "numpy"])
        with open(stamp, "w") as f:
            f.write(ONNX + "\n")
    version = ONNX.split("==")[1]
    data = os.path.join(args.build, f"onnx-node-{version}")
    if not os.path.isdir(data):
        run([python, os.path.join(HERE, "gen_node_tests.py"), data])
    r = subprocess.run([args.runner, data])
    sys.exit(r.returncode)


if __name__ == "__main__":
    main()
