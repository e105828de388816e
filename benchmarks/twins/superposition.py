# The PyTorch twin of examples/Superposition: the tied-weight ReLU autoencoder x̂ = ReLU(WᵀWx + b) of
# "Toy Models of Superposition" (Elhage et al. 2022) trained with AdamW on fresh sparse batches, for
# n = 20, m = 5 over a range of sparsities (features represented: column norm > 0.5), and n = 5, m = 2
# (the pentagon). Lines between the loc markers are what benchmarks/loc.py counts.
#
#   /usr/bin/python3 benchmarks/twins/superposition.py [steps]     (2000; the n = 5 models train 5000)
import math
import sys

import torch
import torch.nn as nn

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
torch.set_num_threads(1)


# loc: begin
class ToyModel(nn.Module):
    def __init__(self, features, hidden):
        super().__init__()
        self.W = nn.Parameter(nn.init.xavier_uniform_(torch.empty(hidden, features)))
        self.b = nn.Parameter(torch.zeros(features))

    def forward(self, x):
        return torch.relu(x @ self.W.T @ self.W + self.b)


def train(features, hidden, sparsity, importance, seed, steps, batch=1024, lr=1e-3):
    torch.manual_seed(seed)
    model = ToyModel(features, hidden)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    for _ in range(steps):
        x = torch.rand(batch, features)
        x = x * torch.bernoulli(torch.full_like(x, 1 - sparsity))
        loss = (importance * (x - model(x)) ** 2).sum(1).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model
# loc: end


def represented(model):
    return int((model.W.detach().norm(dim=0) > 0.5).sum())


def angles(model):
    w = model.W.detach()
    norms = w.norm(dim=0)
    a = sorted(math.degrees(math.atan2(w[1, i], w[0, i])) % 360 for i in range(w.shape[1]) if norms[i] > 0.5)
    return [round((a[(i + 1) % len(a)] - a[i]) % 360, 1) for i in range(len(a))], [round(float(v), 2) for v in norms]


importance20 = 0.7 ** torch.arange(20.0)
print("| S | features represented (seeds 0-2) |")
print("|---|---|")
for s in [0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99]:
    print(f"| {s} | {[represented(train(20, 5, s, importance20, seed, steps)) for seed in range(3)]} |", flush=True)
for base, s in [(0.9, 0.9), (0.7, 0.95)]:
    for seed in range(4):
        importance = base ** torch.arange(5.0)
        model = train(5, 2, s, importance, seed, 5000)
        with torch.no_grad():
            x = torch.rand(20 * 1024, 5)
            x = x * torch.bernoulli(torch.full_like(x, 1 - s))
            loss = float((importance * (x - model(x)) ** 2).sum(1).mean())
        print(f"importance {base}^i, S = {s}, seed {seed}: loss {loss:.5f}, angles and norms", angles(model), flush=True)
