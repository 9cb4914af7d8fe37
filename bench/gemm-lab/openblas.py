#!/usr/bin/env python3
"""OpenBLAS (through numpy) GFLOP/s for the shapes of `gemm_lab bench`, same TSV format.

Run with the OpenBLAS thread count and without the environment's Haswell override, e.g.
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 python3 openblas.py 2
"""
import sys
import time

import numpy as np

SHAPES = [  # name, m, n, k, A transposed (stored k x m), B transposed (stored n x k)
    ("sq64", 64, 64, 64, 0, 0), ("sq128", 128, 128, 128, 0, 0),
    ("sq256", 256, 256, 256, 0, 0), ("sq512", 512, 512, 512, 0, 0),
    ("sq1024", 1024, 1024, 1024, 0, 0), ("sq2048", 2048, 2048, 2048, 0, 0),
    ("256x256x64", 256, 256, 64, 0, 0), ("64x784x256", 64, 784, 256, 0, 0),
    ("32x4096x4096_tB", 32, 4096, 4096, 0, 1), ("4096x256x256", 4096, 256, 256, 0, 0),
    ("256x256x4096_tA", 256, 256, 4096, 1, 0),
]


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    only = sys.argv[2] if len(sys.argv) > 2 else None
    rng = np.random.default_rng(1)
    for name, m, n, k, ta, tb in SHAPES:
        if only and name != only:
            continue
        # Transposed operands are transposed views of C-contiguous arrays: numpy hands them
        # to sgemm with the transpose flag, no copy (same as our strided call).
        a = rng.uniform(-1, 1, (k, m) if ta else (m, k)).astype(np.float32)
        b = rng.uniform(-1, 1, (n, k) if tb else (k, n)).astype(np.float32)
        a = a.T if ta else a
        b = b.T if tb else b
        c = np.empty((m, n), np.float32)
        np.matmul(a, b, out=c)
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        one = max(time.perf_counter() - t0, 1e-7)
        reps = max(1, int(0.06 / one))  # ~60 ms per trial, best of 7, like gemm_lab
        best = 1e30
        for _ in range(7):
            t0 = time.perf_counter()
            for _ in range(reps):
                np.matmul(a, b, out=c)
            best = min(best, (time.perf_counter() - t0) / reps)
        print(f"{name}\t{m}\t{n}\t{k}\t{ta}\t{tb}\t{threads}\t{2.0 * m * n * k / best * 1e-9:.1f}", flush=True)


if __name__ == "__main__":
    main()
