#!/usr/bin/env python3
"""PyTorch twin of examples/Sets: the same Deep Sets model (φ: 2 → 64 → 64 with ReLU on every
element, a sum over the set, Cat with the per-set offset, ρ: 65 → 64 → 1), the same kind of data
(10 elements (a, b) uniform in [0, 1), offset g, target Σ a·b + 2g; numpy, not bit-identical to
the C# data), Adam at 1e-3, batches of 64, 20 epochs of 8,000 sets.

    /usr/bin/python3 benchmarks/twins/sets.py
"""
import argparse
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ELEMENTS = 10


def set_data(count, seed):
    rng = np.random.default_rng(seed)
    elements = rng.random((count, 2 * ELEMENTS), dtype=np.float32)
    offset = rng.random((count, 1), dtype=np.float32)
    target = (elements[:, 0::2] * elements[:, 1::2]).sum(1, keepdims=True) + 2 * offset
    return torch.tensor(elements), torch.tensor(offset), torch.tensor(target)


# loc: begin
class DeepSet(nn.Module):
    def __init__(self):
        super().__init__()
        self.phi = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU())
        self.rho = nn.Sequential(nn.Linear(65, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, elements, offset):
        phi = self.phi(elements.reshape(-1, ELEMENTS, 2))  # [batch, 10 elements, 64]
        return self.rho(torch.cat([phi.sum(1), offset], 1))


def train(model, elements, offset, target, epochs, batch_size, lr):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(epochs):
        for batch in torch.randperm(len(elements)).split(batch_size):
            loss = F.mse_loss(model(elements[batch], offset[batch]), target[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
# loc: end


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    train_data = set_data(8_000, seed=0)
    elements, offset, target = set_data(2_000, seed=1)
    model = DeepSet()
    start = time.perf_counter()
    train(model, *train_data, args.epochs, 64, 1e-3)
    elapsed = time.perf_counter() - start
    with torch.no_grad():
        mse = F.mse_loss(model(elements, offset), target).item()
    variance = target.var(unbiased=False).item()
    print(f"validation: mean squared error {mse:.4f} against a target variance of {variance:.4f}: R² {1 - mse / variance:.3f}; "
          f"training took {elapsed:.1f} s ({args.epochs} epochs)")


if __name__ == "__main__":
    main()
