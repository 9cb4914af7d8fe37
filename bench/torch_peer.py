"""A long-lived PyTorch (CPU) peer for bench/conv.mjs: the parent sends one request a line,
this process times it and answers one JSON line, so rounds of ours and PyTorch's interleave
in the same window. Threads are fixed per process (argv[1]): torch.set_num_threads plus
OMP_NUM_THREADS from the parent, and one inter-op thread.

Requests: {"case": "conv_fwd" | "conv_fwd_bwd" | "epoch", "reps": k} -> {"ms": [k timings]}.
"epoch" trains the LeNet-style CNN of bench/training.mjs for one epoch over the images in
the float32 file named by {"images": path, "labels": path, "n": rows} (batch 64, SGD).
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(int(sys.argv[1]))
torch.set_num_interop_threads(1)
torch.manual_seed(0)

cx = torch.randn(32, 32, 32, 32, requires_grad=True)
cw = torch.randn(64, 32, 3, 3, requires_grad=True)
cb = torch.randn(64, requires_grad=True)


def conv_fwd():
    with torch.no_grad():
        F.conv2d(cx, cw, cb, padding=1)


def conv_fwd_bwd():
    cx.grad = cw.grad = cb.grad = None
    F.conv2d(cx, cw, cb, padding=1).sum().backward()


def lenet():
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10))


data = {}


def epoch(req):
    key = req["images"]
    if key not in data:
        n = req["n"]
        x = torch.from_numpy(np.fromfile(req["images"], dtype=np.float32).reshape(n, 1, 28, 28))
        y = torch.from_numpy(np.fromfile(req["labels"], dtype=np.int32).astype(np.int64))
        data[key] = (x, y)
    x, y = data[key]
    model = lenet()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    t = time.perf_counter()
    for i in range(0, x.shape[0], 64):
        opt.zero_grad()
        F.cross_entropy(model(x[i:i + 64]), y[i:i + 64]).backward()
        opt.step()
    return time.perf_counter() - t


cases = {"conv_fwd": conv_fwd, "conv_fwd_bwd": conv_fwd_bwd}

for line in sys.stdin:
    req = json.loads(line)
    if req["case"] == "epoch":
        ms = [epoch(req) * 1000 for _ in range(req.get("reps", 1))]
    else:
        fn = cases[req["case"]]
        for _ in range(req.get("warmup", 3)):
            fn()
        ms = []
        for _ in range(req["reps"]):
            t = time.perf_counter()
            fn()
            ms.append((time.perf_counter() - t) * 1000)
    print(json.dumps({"ms": ms}), flush=True)
