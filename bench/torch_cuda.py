"""PyTorch on the GPU for bench/cuda.mjs: the same GEMM, conv2d and training-step workloads,
timed the same way (CUDA-synchronized medians). Prints JSON."""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

dev = "cuda"
torch.manual_seed(0)
torch.backends.cudnn.benchmark = True


def median_ms(fn, iters=20, warmup=5):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    samples = []
    for _ in range(iters):
        t = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        samples.append(time.perf_counter() - t)
    samples.sort()
    return samples[len(samples) // 2] * 1000


out = {"gemm": {}, "device": torch.cuda.get_device_name(0), "torch": torch.__version__}
for n in [int(s) for s in sys.argv[1].split(",")]:
    a, b = torch.randn(n, n, device=dev), torch.randn(n, n, device=dev)
    row = {}
    for name, dtype, tf32 in [("fp32", torch.float32, False), ("tf32", torch.float32, True), ("bf16", torch.bfloat16, False)]:
        torch.backends.cuda.matmul.allow_tf32 = tf32
        x, y = a.to(dtype), b.to(dtype)
        row[name] = median_ms(lambda: x @ y, iters=10)
    out["gemm"][n] = row
torch.backends.cuda.matmul.allow_tf32 = False

cx = torch.randn(32, 32, 32, 32, device=dev, requires_grad=True)
cw = torch.randn(64, 32, 3, 3, device=dev, requires_grad=True)
out["conv_fwd"] = median_ms(lambda: F.conv2d(cx.detach(), cw.detach(), padding=1))


def conv_fb():
    cx.grad = cw.grad = None
    F.conv2d(cx, cw, padding=1).sum().backward()


out["conv_fwd_bwd"] = median_ms(conv_fb)

mlp = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 1)).to(dev)
adam = torch.optim.Adam(mlp.parameters(), lr=1e-3)
x, y = torch.randn(256, 64, device=dev), (torch.rand(256, 1, device=dev) > 0.5).float()


def mlp_step():
    adam.zero_grad()
    F.binary_cross_entropy_with_logits(mlp(x), y).backward()
    adam.step()


out["mlp"] = median_ms(mlp_step, iters=50)

lenet = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10)).to(dev)
sgd = torch.optim.SGD(lenet.parameters(), lr=0.01, momentum=0.9)
img, lab = torch.randn(64, 1, 28, 28, device=dev), torch.randint(0, 10, (64,), device=dev)


def lenet_step():
    sgd.zero_grad()
    F.cross_entropy(lenet(img), lab).backward()
    sgd.step()


out["lenet"] = median_ms(lenet_step, iters=50)

enc = nn.TransformerEncoderLayer(256, 8, dim_feedforward=1024, dropout=0.0, batch_first=True).to(dev)
head = nn.Linear(256, 2).to(dev)
aw = torch.optim.AdamW(list(enc.parameters()) + list(head.parameters()), lr=1e-4)
seq, cls = torch.randn(32, 128, 256, device=dev), torch.randint(0, 2, (32,), device=dev)


def enc_step():
    aw.zero_grad()
    F.cross_entropy(head(enc(seq).mean(1)), cls).backward()
    aw.step()


out["transformer"] = median_ms(enc_step, iters=30)
print(json.dumps(out))
