"""Checks that every .ll file of a folder parses and verifies on its own:
runs `llvm-as` (from PATH, LLVM 14) on each. Usage: verify-ll.py DIR MIN.
Fails when a file is rejected or when there are fewer than MIN files."""
import glob
import os
import subprocess
import sys

files = sorted(glob.glob(os.path.join(sys.argv[1], "*.ll")))
if len(files) < int(sys.argv[2]):
    sys.exit(f"expected at least {sys.argv[2]} .ll files, found {len(files)}")
for f in files:
    r = subprocess.run(["llvm-as", "-o", os.devnull, f],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{f}: {r.stderr}")
    print(f"ok {os.path.basename(f)}")
