"""Build hook: records which checkout the package was installed from.

The package carries no binaries: it finds the compiler (cnnc) and the
runtime (libcnnrt.so) of a build at run time (cnnc/_locate.py). So that an
installed copy finds the build of the checkout it came from without any
environment variable, the wheel gets a generated `cnnc/_origin.py` naming
that checkout's build folder (`build/`, or $CNNC_BUILD_DIR when it is set
while installing). pip builds a local directory in place, so this file's
folder is the checkout's `python/`.
"""
import os
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPy(build_py):
    def run(self):
        super().run()
        build_dir = Path(os.environ.get("CNNC_BUILD_DIR") or
                         Path(__file__).resolve().parent.parent / "build")
        build_dir = build_dir.expanduser().resolve()
        target = Path(self.build_lib) / "cnnc" / "_origin.py"
        target.write_text(
            '"""Generated at install time (python/setup.py)."""\n'
            f"BUILD_DIR = {str(build_dir)!r}\n")


setup(cmdclass={"build_py": BuildPy})
