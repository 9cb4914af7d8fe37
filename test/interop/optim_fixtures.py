"""Writes test/fixtures/optim.json: PyTorch's parameters after each of 6 optimizer steps from
fixed initial values and gradients, for every optimizer configuration tensorlift supports,
plus the learning rates of its schedulers. Run with Debian's python3-torch:
    /usr/bin/python3 test/interop/optim_fixtures.py
"""
import json
import os

import torch

torch.manual_seed(0)
STEPS = 6
SHAPES = [(3, 4), (5,)]

configs = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.05}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.02, "weight_decay": 0.1, "amsgrad": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.01}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.05, "initial_accumulator_value": 0.1}),
]

params0 = [torch.randn(s) for s in SHAPES]
grads = [[torch.randn(s) for s in SHAPES] for _ in range(STEPS)]

cases = []
for name, opts in configs:
    params = [p.clone().requires_grad_(True) for p in params0]
    opt = getattr(torch.optim, name)(params, **opts)
    trajectory = []
    for step in range(STEPS):
        for p, g in zip(params, grads[step]):
            p.grad = g.clone()
        opt.step()
        trajectory.append([p.detach().flatten().tolist() for p in params])
    cases.append({"optimizer": name, "options": {k: list(v) if isinstance(v, tuple) else v for k, v in opts.items()},
                  "trajectory": trajectory})


def lrs(make, steps):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    sched = make(opt)
    out = [opt.param_groups[0]["lr"]]
    for _ in range(steps):
        opt.step()
        sched.step()
        out.append(opt.param_groups[0]["lr"])
    return out


schedules = {
    "StepLR": lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5), 10),
    "CosineAnnealingLR": lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=8, eta_min=0.001), 8),
    "OneCycleLR": lrs(lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.5, total_steps=20), 19),
    "OneCycleLRLinear": lrs(lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.5, total_steps=20, anneal_strategy="linear", pct_start=0.25), 19),
}

out = {"torch": torch.__version__, "shapes": SHAPES, "params0": [p.flatten().tolist() for p in params0],
       "grads": [[g.flatten().tolist() for g in gs] for gs in grads], "cases": cases, "schedules": schedules}
path = os.path.join(os.path.dirname(__file__), "..", "fixtures", "optim.json")
with open(path, "w") as f:
    json.dump(out, f)
print("wrote", os.path.normpath(path))
