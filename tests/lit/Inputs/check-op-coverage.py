#!/usr/bin/env python3
"""Checks that every op `cnnc --list-ops` prints has a round-trip test: a
line `%r = OP(` (or `%r = const `) in some .ir file of DIR.
Usage: check-op-coverage.py CNNC DIR
"""
import glob
import os
import re
import subprocess
import sys

cnnc, folder = sys.argv[1], sys.argv[2]
ops = [re.match(r"\w+", line).group(0) for line in
       subprocess.run([cnnc, "--list-ops"], check=True, capture_output=True,
                      text=True).stdout.splitlines() if line]
text = "".join(open(p).read() for p in glob.glob(os.path.join(folder, "*.ir")))
missing = [op for op in ops
           if not re.search(r"= %s%s" % (op, " " if op == "const" else r"\("), text)]
if missing:
    sys.exit("ops without a round-trip test in %s: %s" % (folder, ", ".join(missing)))
print("%d ops covered" % len(ops))
