#!/usr/bin/env python3
"""Formats GEMM timings as a table with ratios ours / OpenBLAS.

  compare.py DUEL_FILE                 rows from `gemm_lab duel` (ours and OpenBLAS per row)
  compare.py OURS_FILE OPENBLAS_FILE   rows from `gemm_lab bench` and openblas.py
Each file may hold several rounds; the best GFLOP/s per (shape, threads) is kept.
"""
import sys


def load(path, col):
    best, order = {}, []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) <= col:
                continue
            key = (parts[0], int(parts[6]))
            if key not in best:
                order.append(key)
            best[key] = max(best.get(key, 0.0), float(parts[col]))
    return best, order


ours, order = load(sys.argv[1], 7)
peer, _ = load(sys.argv[2] if len(sys.argv) > 2 else sys.argv[1], 7 if len(sys.argv) > 2 else 8)
print(f"{'shape (m x n x k)':<18}{'threads':>8}{'ours':>9}{'OpenBLAS':>10}{'ratio':>8}")
for key in order:
    o, p = ours[key], peer.get(key)
    ratio = f"{o / p:8.2f}" if p else "       -"
    print(f"{key[0]:<18}{key[1]:>8}{o:>9.1f}{(p or 0):>10.1f}{ratio}")
