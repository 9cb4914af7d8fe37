"""NumPy timings (ms, median) of the elementwise/reduction ops in bench/elementwise.mjs; JSON out."""
import json
import sys
import time

import numpy as np

n = int(sys.argv[1])
rows = int(sys.argv[2])
rng = np.random.default_rng(0)
a = rng.standard_normal(n, dtype=np.float32)
b = rng.standard_normal(n, dtype=np.float32)
m = a.reshape(rows, -1)

def softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)

ops = {
    "copy": lambda: a.copy(),
    "add": lambda: a + b,
    "mul scalar": lambda: a * 2.0,
    "exp": lambda: np.exp(a),
    "sigmoid": lambda: 1.0 / (1.0 + np.exp(-a)),
    "tanh": lambda: np.tanh(a),
    "sum": lambda: a.sum(),
    "sum rows": lambda: m.sum(axis=1),
    "sum cols": lambda: m.sum(axis=0),
    "max rows": lambda: m.max(axis=1),
    "softmax rows": lambda: softmax(m),
}

out = {}
for name, fn in ops.items():
    fn()
    samples = []
    deadline = time.perf_counter() + 0.5
    while time.perf_counter() < deadline or len(samples) < 5:
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    samples.sort()
    out[name] = samples[len(samples) // 2] * 1000
print(json.dumps(out))
