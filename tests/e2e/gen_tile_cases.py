#!/usr/bin/env python3
"""Generates the tile-sweep cases per register tile: OUT_DIR/MRxNR/NAME.ir.

Every conv and gemm carries an explicit `tile = [rows, columns, depth]`
attribute (M rows and N columns per task, K block), which the CPU backend
must honour and compute the same values with, whatever the sizes. For each
of the three sizes the sweep takes, around the target's register tile (MR
rows, NR columns: 6 x 16 for AVX2, 8 x 32 for AVX-512) and the node's
kernel size: 1, tile - 1, tile, tile + 1, 2 * tile, a prime, and the whole
extent; then the other way round, fixed tiles over problem sizes tile - 1
.. 2 * tile and a prime. Depths stay within 256 so every vector width's
stack panel (kc * NR floats, 8192 at most) holds them.

MR and NR come from `cnnc --print-target`, which reports the figures the
kernel library is built with (cnnk::gemmMR and gemmNR), so the cases sit
on the real tile edges of the target they are compiled for. The build
generates them for x86-64, x86-64-v3 and x86-64-v4 (every register tile
an x86-64 target has: 6x8, 6x16, 8x32; tests/e2e/CMakeLists.txt), and
`cnnc-op-test --tile-cases OUT_DIR` takes the folder of its target's tile.

cnnc-op-test compiles each file and compares with the reference
interpreter (which ignores tiles), also with task ranges split unevenly.

Usage: gen_tile_cases.py OUT_DIR --cnnc CNNC [--target-cpu CPU]...
       gen_tile_cases.py OUT_DIR --register-tile MRxNR...
"""
import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_conv_cases import Graph  # noqa: E402

MR, NR = 0, 0  # set by main() for the target


def register_tile(cnnc, target_cpu):
    """MR and NR as `cnnc --print-target` reports them for target_cpu."""
    cmd = [cnnc, '--print-target']
    if target_cpu:
        cmd.append('--target-cpu=' + target_cpu)
    text = subprocess.run(cmd, check=True, capture_output=True,
                          text=True).stdout
    m = re.search(r'^register-tile: (\d+)x(\d+)$', text, re.M)
    if not m:
        sys.exit(f'gen_tile_cases.py: no register-tile in {cmd}:\n{text}')
    return int(m.group(1)), int(m.group(2))


def around(t, whole, prime):
    """Sizes around tile size t: 1, t-1, t, t+1, 2t, a prime, the whole."""
    return sorted({max(1, v) for v in (1, t - 1, t, t + 1, 2 * t, prime,
                                       whole)})


def conv_sweep(g, x, w, tile, **attrs):
    """Adds conv(x, w, b) once per tile of the sweep around `tile`."""
    m = w[0]
    k = w[1]
    ksize = 1
    for d in w[2:]:
        ksize *= d
    k *= ksize
    out = 1  # output pixels, for the whole-extent column tile
    for d in x[2:]:
        out *= d
    rows, cols, depth = tile
    sweeps = ([(r, cols, depth) for r in around(rows, m, 13)] +
              [(rows, c, depth) for c in around(cols, out, 31)] +
              [(rows, cols, d) for d in around(depth, min(k, 256), 37)
               if d <= 256] +
              [(1, 1, 1), (MR + 1, NR + 1, ksize + 1)])
    for t in sweeps:
        ops = [g.input(x), g.const(w), g.const([m])]
        g.op('conv', ops, dict(attrs, tile=list(t)))


def gemm_sweep(g, a, b, tile, **attrs):
    rows, cols, depth = tile
    m = a[1] if attrs.get('trans_a') else a[0]
    k = a[0] if attrs.get('trans_a') else a[1]
    n = b[0] if attrs.get('trans_b') else b[1]
    sweeps = ([(r, cols, depth) for r in around(rows, m, 13)] +
              [(rows, c, depth) for c in around(cols, n, 31)] +
              [(rows, cols, d) for d in around(depth, k, 37)])
    for t in sweeps:
        ops = [g.input(a), g.const(b), g.const([n])]
        g.op('gemm', ops, dict(attrs, tile=list(t)))


def cases():
    out = []
    g = Graph('tiles_conv3x3', 'conv 3x3 tiles swept around MR, NR and the '
              'kernel size (K = 117)')
    conv_sweep(g, [1, 13, 11, 9], [14, 13, 3, 3], (MR, NR, 9),
               pads=[1, 1, 1, 1])
    out.append(g)
    g = Graph('tiles_conv_deep', 'a conv whose K (360) needs several K '
              'blocks; depth swept around 9 and 180')
    conv_sweep(g, [1, 40, 7, 6], [20, 40, 3, 3], (2 * MR, 2 * NR, 180),
               stride=[1, 1])
    conv_sweep(g, [1, 40, 7, 6], [20, 40, 3, 3], (MR, NR, 9))
    out.append(g)
    g = Graph('tiles_conv_variants', 'tiles on strided, dilated, grouped, '
              '1D, 3D and batch-2 convs')
    conv_sweep(g, [2, 6, 9, 10], [8, 3, 3, 3], (MR, NR, 9), stride=[2, 2],
               pads=[1, 0, 2, 1], groups=2)
    conv_sweep(g, [1, 5, 23], [7, 5, 3], (MR, NR, 15), dilation=[2])
    conv_sweep(g, [1, 3, 4, 5, 6], [5, 3, 2, 2, 2], (MR, NR, 8))
    out.append(g)
    g = Graph('tiles_sizes', f'fixed tiles [{MR},{NR},9] over M, pixels '
              'and K of tile-1, tile, tile+1, 2*tile and a prime')
    for m in sorted({1, MR - 1, MR, MR + 1, 2 * MR, 2 * MR + 1}):
        ops = [g.input([1, 4, 5, 5]), g.const([m, 4, 3, 3]), g.const([m])]
        g.op('conv', ops, {'pads': [1, 1, 1, 1], 'tile': [MR, NR, 9]})
    for w in (NR - 1, NR, NR + 1, 2 * NR, 2 * NR - 1):  # output pixels = w
        ops = [g.input([1, 4, 1, w]), g.const([6, 4, 1, 3]), g.const([6])]
        g.op('conv', ops, {'pads': [0, 1, 0, 1], 'tile': [MR, NR, 9]})
    for c in (1, 2, 3, 4, 5):  # K = 9 * c around the depth 9 .. 45
        ops = [g.input([1, c, 4, 4]), g.const([6, c, 3, 3]), g.const([6])]
        g.op('conv', ops, {'tile': [MR, NR, 9]})
    out.append(g)
    g = Graph('tiles_gemm', 'gemm tiles swept around MR, NR and K, plain '
              'and transposed')
    gemm_sweep(g, [13, 37], [37, 29], (MR, NR, 16))
    gemm_sweep(g, [37, 13], [29, 37], (2 * MR, NR, 37), trans_a=1, trans_b=1)
    gemm_sweep(g, [1, 70], [33, 70], (MR, 2 * NR, 70), trans_b=1)
    out.append(g)
    return out


def write_cases(out_dir):
    """Writes the cases for the current MR, NR into out_dir; returns how
    many. Files whose text is unchanged keep their timestamps."""
    os.makedirs(out_dir, exist_ok=True)
    cs = cases()
    for g in cs:
        text = g.text().replace('gen_conv_cases.py', 'gen_tile_cases.py')
        path = os.path.join(out_dir, g.name + '.ir')
        old = None
        if os.path.exists(path):
            with open(path) as f:
                old = f.read()
        if old != text:
            with open(path, 'w') as f:
                f.write(text)
    return len(cs)


def main():
    global MR, NR
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('out_dir')
    ap.add_argument('--cnnc', help='the compiler, asked for the register '
                    'tile of each --target-cpu')
    ap.add_argument('--target-cpu', action='append', default=[],
                    help='LLVM CPU name (repeatable; default: the host)')
    ap.add_argument('--register-tile', action='append', default=[],
                    help='MRxNR, instead of asking cnnc (repeatable)')
    args = ap.parse_args()
    tiles = set()
    for t in args.register_tile:
        mr, nr = t.split('x')
        tiles.add((int(mr), int(nr)))
    if args.cnnc:
        for cpu in args.target_cpu or ['']:
            tiles.add(register_tile(args.cnnc, cpu))
    if not tiles:
        ap.error('give --cnnc or --register-tile')
    for MR, NR in sorted(tiles):
        n = write_cases(os.path.join(args.out_dir, f'{MR}x{NR}'))
        print(f'wrote {n} cases for register tile {MR}x{NR} to '
              f'{args.out_dir}/{MR}x{NR}')


if __name__ == '__main__':
    main()
