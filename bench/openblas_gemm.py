"""SGEMM GFLOP/s of NumPy's BLAS (OpenBLAS on Debian) for square sizes; prints JSON {n: gflops}.
Median of timed batches, inputs float32 C-contiguous like tensorlift's."""
import json
import sys
import time

import numpy as np

def gflops(n):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    a @ b  # warm up (thread start, page faults)
    flop = 2.0 * n ** 3
    reps = max(1, int(2e9 / flop))
    samples = []
    deadline = time.perf_counter() + 0.8
    while time.perf_counter() < deadline or len(samples) < 5:
        t = time.perf_counter()
        for _ in range(reps):
            a @ b
        samples.append((time.perf_counter() - t) / reps)
    samples.sort()
    return flop / samples[len(samples) // 2] / 1e9

print(json.dumps({n: gflops(int(n)) for n in sys.argv[1:]}))
