# The PyTorch twin of examples/IdempotentGenerative: an Idempotent Generative Network (Shocher et al.
# 2024) on a mixture of 8 Gaussians on a circle of radius 2 (standard deviation 0.05), an MLP
# 2-128-128-128-2 with ReLU, Adam lr 2e-3, 4,000 steps of batch 128 on fresh data, and the same
# network trained as a plain autoencoder. f' is a copy of f whose parameters get no gradient (the
# paper's f_copy); its input still passes gradients. Lines between the loc markers are what
# benchmarks/loc.py counts. The data is drawn with torch's generator: the same problem as the C#
# program, not the same numbers.
#
#   /usr/bin/python3 benchmarks/twins/idempotent.py [--steps 4000] [--seed 0]
import argparse
import copy
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

MODES, RADIUS, SPREAD = 8, 2.0, 0.05
CENTRES = torch.stack([RADIUS * torch.cos(2 * math.pi * torch.arange(MODES) / MODES),
                       RADIUS * torch.sin(2 * math.pi * torch.arange(MODES) / MODES)], 1)


def mixture(n, generator):
    k = torch.randint(0, MODES, (n,), generator=generator)
    return CENTRES[k] + SPREAD * torch.randn(n, 2, generator=generator)


def mmd2(a, b, bandwidth=0.5):
    """Biased squared MMD with the Gaussian kernel exp(-|a - b|² / 2σ²), as the C# program computes it."""
    def k(x, y):
        return torch.exp(-torch.cdist(x, y).pow(2) / (2 * bandwidth ** 2)).mean()
    return (k(a, a) + k(b, b) - 2 * k(a, b)).item()


def mode_distance(points):
    return torch.cdist(points, CENTRES).min(1).values


parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=4000)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()
torch.set_num_threads(1)


def train(autoencoder):
    torch.manual_seed(args.seed)
    data = torch.Generator().manual_seed(1000 + args.seed)
    # loc: begin
    f = nn.Sequential(nn.Linear(2, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                      nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 2))
    frozen = copy.deepcopy(f).requires_grad_(False)
    optimizer = torch.optim.Adam(f.parameters(), lr=2e-3)
    for step in range(args.steps):
        x = mixture(128, data)
        loss = 20 * (f(x) - x).abs().mean()
        if not autoencoder:
            frozen.load_state_dict(f.state_dict())
            z = torch.randn_like(x)
            fz = f(z)
            fz_fixed = fz.detach()
            idempotence = (frozen(fz) - fz).abs().mean()
            tightness = (f(fz_fixed) - fz_fixed).abs().mean(1)
            scale = 1.5 * (fz_fixed - z).abs().mean(1)
            loss = loss + 20 * idempotence - 2.5 * (torch.tanh(tightness / scale) * scale).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    # loc: end
    return f


start = time.perf_counter()
nets = {"IGN": train(False), "plain autoencoder": train(True)}
held = torch.Generator().manual_seed(99)
test, test2, z = mixture(2000, held), mixture(2000, held), torch.randn(2000, 2, generator=held)
corrupted = mixture(2000, held) + 0.5 * torch.randn(2000, 2, generator=held)
print(f"{args.steps} steps of batch 128, seed {args.seed}; {time.perf_counter() - start:.1f} s for both")
print("| quantity | " + " | ".join(nets) + " |")
print("|---|---|---|")
rows = {}
with torch.no_grad():
    for name, f in nets.items():
        fz = f(z)
        rows.setdefault("data → itself: mean |f(x) − x|", []).append((f(test) - test).abs().mean().item())
        rows.setdefault("idempotence: mean |f(f(z)) − f(z)|", []).append((f(fz) - fz).abs().mean().item())
        rows.setdefault("MMD² of f(z) to held-out data", []).append(mmd2(fz, test))
        rows.setdefault("MMD² of the noise z itself", []).append(mmd2(z, test))
        rows.setdefault("MMD² data vs data (floor)", []).append(mmd2(test2, test))
        rows.setdefault("f(z) within 0.3 of a mode", []).append((mode_distance(fz) < 0.3).float().mean().item())
        rows.setdefault("corrupted data: distance to nearest mode before", []).append(mode_distance(corrupted).mean().item())
        rows.setdefault("corrupted data: distance to nearest mode after f", []).append(mode_distance(f(corrupted)).mean().item())
for name, values in rows.items():
    print(f"| {name} | " + " | ".join(f"{v:.4f}" for v in values) + " |")
