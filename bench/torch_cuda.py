"""PyTorch on the GPU for bench/cuda.mjs: the same workloads (read as JSON from stdin), timed the
same way: each sample runs `reps` calls back to back between two synchronizations, reps chosen
so a sample lasts about targetMs; the median time per call over `samples` samples. Math modes
are set explicitly per measurement (TF32 off for fp32, on for tf32; cuDNN's too). Prints JSON."""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

cfg = json.loads(sys.stdin.read())
# TL_BENCH_TORCH_DEVICE=cpu: bench/cuda.mjs --dry-run checks this script where there is no GPU.
dev = os.environ.get("TL_BENCH_TORCH_DEVICE", "cuda")
sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
torch.manual_seed(0)
torch.backends.cudnn.benchmark = True  # PyTorch's fastest conv algorithm for each shape


def median_ms(fn, per=1):
    for _ in range(3):
        fn()
    sync()
    t = time.perf_counter()
    fn()
    sync()
    once = (time.perf_counter() - t) * 1000
    reps = max(1, min(1000, round(cfg["targetMs"] / max(once, 1e-3))))
    samples = []
    for _ in range(cfg["samples"]):
        t = time.perf_counter()
        for _ in range(reps):
            fn()
        sync()
        samples.append((time.perf_counter() - t) * 1000 / reps / per)
    samples.sort()
    return samples[len(samples) // 2]


def math_mode(precision):
    """'highest': plain fp32; 'high': TF32; 'medium': bf16 internally for fp32 matmuls."""
    torch.set_float32_matmul_precision(precision)
    torch.backends.cuda.matmul.allow_tf32 = precision != "highest"
    torch.backends.cudnn.allow_tf32 = precision != "highest"


out = {"device": torch.cuda.get_device_name(0) if dev == "cuda" else dev, "torch": torch.__version__,
       "cudnn": torch.backends.cudnn.version() if dev == "cuda" else None, "gemm": {}}

for n in cfg["sizes"]:
    a, b = torch.randn(n, n, device=dev), torch.randn(n, n, device=dev)
    row = {}
    for mode, precision in [("fp32", "highest"), ("tf32", "high"), ("medium", "medium")]:
        math_mode(precision)
        row[mode] = median_ms(lambda: a @ b)
    math_mode("highest")
    x, y = a.bfloat16(), b.bfloat16()
    row["bf16"] = median_ms(lambda: x @ y)
    out["gemm"][str(n)] = row
    del a, b, x, y

out["conv"] = {}
for name, xs, ws in cfg["conv"]:
    cx = torch.randn(*xs, device=dev, requires_grad=True)
    cw = torch.randn(*ws, device=dev, requires_grad=True)
    res = {}
    for mode, precision in [("fp32", "highest"), ("tf32", "high")]:
        math_mode(precision)

        def fwd():
            with torch.no_grad():
                F.conv2d(cx, cw, padding=1)

        def fb():
            cx.grad = cw.grad = None
            F.conv2d(cx, cw, padding=1).sum().backward()

        res[mode] = {"fwd": median_ms(fwd), "fb": median_ms(fb)}
    out["conv"][name] = res
math_mode("highest")

n = cfg["n"]
u, v = torch.randn(n, device=dev), torch.randn(n, device=dev)
m2 = torch.randn(cfg["m"], cfg["m"], device=dev)
fns = [lambda: u + v, lambda: u * 2, lambda: torch.relu(u), lambda: torch.sigmoid(u),
       lambda: torch.softmax(m2, -1), lambda: m2.sum(-1)]
out["memory"] = {name: median_ms(fn) for name, fn in zip(cfg["memory"], fns)}
del u, v, m2

out["batchnorm"] = {}
for name, shape in cfg["batchnorm"]:
    x = torch.randn(*shape, device=dev, requires_grad=True)
    c = shape[1]
    w = torch.ones(c, device=dev, requires_grad=True)
    b = torch.zeros(c, device=dev, requires_grad=True)
    rm, rv = torch.zeros(c, device=dev), torch.ones(c, device=dev)

    def bn():
        x.grad = w.grad = b.grad = None
        F.batch_norm(x, rm, rv, w, b, training=True).sum().backward()

    out["batchnorm"][name] = median_ms(bn)

out["adam"] = {}
for name, shapes in cfg["adam"]:
    res = {}
    for kind in ["foreach", "fused"]:
        try:  # fused Adam needs a recent PyTorch: report n/a rather than lose the other figures
            ps = [torch.randn(*s, device=dev, requires_grad=True) for s in shapes]
            for p in ps:
                p.grad = torch.randn_like(p)
            opt = torch.optim.Adam(ps, lr=1e-3, **{kind: True})
            res[kind] = median_ms(opt.step)
            del opt, ps
        except (RuntimeError, TypeError, ValueError) as e:
            print(f"torch_cuda.py: Adam {kind}: {e}", file=sys.stderr)
            res[kind] = None
    out["adam"][name] = res

steps = {}
mlp = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 1)).to(dev)
adam = torch.optim.Adam(mlp.parameters(), lr=1e-3)
x, y = torch.randn(256, 64, device=dev), (torch.rand(256, 1, device=dev) > 0.5).float()


def mlp_step():
    adam.zero_grad()
    F.binary_cross_entropy_with_logits(mlp(x), y).backward()
    adam.step()


steps["mlp"] = median_ms(mlp_step)

lenet = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10)).to(dev)
sgd = torch.optim.SGD(lenet.parameters(), lr=0.01, momentum=0.9)
img, lab = torch.randn(64, 1, 28, 28, device=dev), torch.randint(0, 10, (64,), device=dev)


def lenet_step():
    sgd.zero_grad()
    F.cross_entropy(lenet(img), lab).backward()
    sgd.step()


steps["lenet"] = median_ms(lenet_step)

enc = nn.TransformerEncoderLayer(256, 8, dim_feedforward=1024, dropout=0.0, batch_first=True).to(dev)
head = nn.Linear(256, 2).to(dev)
aw = torch.optim.AdamW(list(enc.parameters()) + list(head.parameters()), lr=1e-4)
seq, cls = torch.randn(32, 128, 256, device=dev), torch.randint(0, 2, (32,), device=dev)


def enc_step():
    aw.zero_grad()
    F.cross_entropy(head(enc(seq).mean(1)), cls).backward()
    aw.step()


steps["transformer"] = median_ms(enc_step)
out["steps"] = steps
print(json.dumps(out))
