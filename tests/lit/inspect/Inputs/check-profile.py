"""Checks a `cnnrun --profile` table read from stdin: the rows are sorted by
time, every time is >= 0, the shares and the total row add up, the calls
are runs x call sites, and the total time is > 0. Prints `rows N` and, per
row, `<kernel> <name>` (source locations dropped) in table order."""
import re
import sys

text = sys.stdin.read()
head = re.search(r"# profile: (\d+) runs? on \d+ threads?, (\d+) kernel "
                 r"calls? per run: kernels ([0-9.]+) ms of ([0-9.]+) ms", text)
assert head, text
runs, sites = int(head.group(1)), int(head.group(2))
rows = []
total = None
for line in text.splitlines():
    m = re.match(r"\s+(\d+)\s+([0-9.]+)\s+([0-9.]+)%\s+(\d+)\s+([0-9.]+)\s+"
                 r"(\S+)\s+(\S+)\s+(\S+)", line)
    if m:
        rows.append(m)
        continue
    m = re.match(r"\s+([0-9.]+)\s+100.0%\s+(\d+)\s+(\S+)\s+total$", line)
    if m:
        total = m
assert rows and total, text
times = [float(r.group(2)) for r in rows]
assert times == sorted(times, reverse=True), times
assert float(total.group(1)) > 0, total.group(0)
assert abs(sum(times) - float(total.group(1))) <= 0.0002 * len(rows) + 1e-9
assert abs(sum(float(r.group(3)) for r in rows) - 100) < 0.1 * len(rows)
calls = sum(int(r.group(4)) for r in rows)
assert calls == int(total.group(2)) == runs * sites, (calls, runs, sites)
print("rows", len(rows))
for r in rows:
    print(r.group(7), r.group(8))
