"""PyTorch (CPU) timings for bench/training.mjs, same models and shapes (bench/conv.mjs uses torch_peer.py).
Prints JSON {name: median ms per step}. Thread count from argv[1]."""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(int(sys.argv[1]))
torch.manual_seed(0)


def median_ms(fn, min_time=1.0, warmup=5):
    for _ in range(warmup):
        fn()
    samples = []
    deadline = time.perf_counter() + min_time
    while time.perf_counter() < deadline or len(samples) < 10:
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    samples.sort()
    return samples[len(samples) // 2] * 1000


out = {}

mlp = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 1))
adam = torch.optim.Adam(mlp.parameters(), lr=1e-3)
x, y = torch.randn(256, 64), (torch.rand(256, 1) > 0.5).float()


def mlp_step():
    adam.zero_grad()
    F.binary_cross_entropy_with_logits(mlp(x), y).backward()
    adam.step()


out["mlp"] = median_ms(mlp_step)

lenet = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
sgd = torch.optim.SGD(lenet.parameters(), lr=0.01, momentum=0.9)
img, lab = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))


def lenet_step():
    sgd.zero_grad()
    F.cross_entropy(lenet(img), lab).backward()
    sgd.step()


out["lenet"] = median_ms(lenet_step)

cx = torch.randn(32, 32, 32, 32, requires_grad=True)
cw = torch.randn(64, 32, 3, 3, requires_grad=True)
cb = torch.randn(64, requires_grad=True)
out["conv_fwd"] = median_ms(lambda: F.conv2d(cx.detach(), cw.detach(), cb.detach(), padding=1))


def conv_fwd_bwd():
    cx.grad = cw.grad = cb.grad = None
    F.conv2d(cx, cw, cb, padding=1).sum().backward()


out["conv_fwd_bwd"] = median_ms(conv_fwd_bwd)
print(json.dumps(out))
