"""Checks manifest.json of a --emit=kernels folder against the model text:
every kernel's file exists, every source location names a line of the
model that defines that node (`%name = op(`), and the calls of all kernels
together are 0..num_calls-1 once each. Prints one line per kernel:
`<file> <library_kernel> flops=<n> tasks=<n> <op>@<line>...`."""
import json
import os
import re
import sys

folder = sys.argv[1]
m = json.load(open(os.path.join(folder, "manifest.json")))
lines = open(m["source"]).read().split("\n")
seen = []
for k in m["kernels"]:
    assert os.path.isfile(os.path.join(folder, k["file"])), k["file"]
    where = []
    for s in k["sources"]:
        path, line, col = s["loc"].rsplit(":", 2)
        text = lines[int(line) - 1]
        pat = r"%" + re.escape(s["name"]) + r"\s*=\s*" + re.escape(s["op"]) + r"\("
        assert re.search(pat, text), f"{s} does not match line {line}: {text}"
        where.append(f"{s['op']}@{line}")
    seen += [c["call"] for c in k["calls"]]
    print(k["file"], k["library_kernel"], f"flops={k['flops']}",
          f"tasks={k['tasks']}", " ".join(where))
assert sorted(seen) == list(range(m["num_calls"])), seen
print("calls ok", m["num_calls"])
