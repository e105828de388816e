#!/usr/bin/env python3
"""PyTorch twin of examples/ChaosExpansion: geometric Brownian motion dX = μX dt + σX dW (μ = σ = 0.5,
T = 1, 32 steps, x0 ~ U[0.5, 1.5]) reconstructed from its driving noise through a Wiener chaos
expansion: the noise is projected onto K cosine modes (ξk = Σn mk(t_{n+½}) ΔWn, i.i.d. N(0, 1)),
the Wick-Hermite features Ξα = Πk Heαk(ξk)/√(αk!) are formed for |α| ≤ N, and an MLP
(t, x0) → 64 → 64 → |A| with GELU learns the coefficients cα(t, x0) of X̂(t) = Σα cα(t, x0)·Ξα,
trained with the mean relative L2 error over each path against the exact solution (and a second
model with squared error, whose orders 0 and 1 are compared with the closed form). Adam at 1e-2 on
a cosine schedule to zero, batches of 64 paths. The same data recipe as the C# program (numpy, not bit-identical).

    /usr/bin/python3 benchmarks/twins/chaosexpansion.py [--k 4 --n 3 --steps 2560]
"""
import argparse
import itertools
import math
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MU, SIGMA, STEPS_IN_T = 0.5, 0.5, 32


def multi_indices(k, n):
    """Every α ∈ N^k with |α| ≤ n, by total order then descending lexicographically."""
    return [a for order in range(n + 1)
            for a in sorted((a for a in itertools.product(range(order + 1), repeat=k) if sum(a) == order), reverse=True)]


def hermite(n, x):
    """Probabilists' Hermite polynomial He_n(x) by He_{j+1} = x He_j − j He_{j−1}."""
    previous, current = np.ones_like(x), x
    if n == 0:
        return previous
    for j in range(1, n):
        previous, current = current, x * current - j * previous
    return current


def chaos_data(paths, k, n, seed):
    rng = np.random.default_rng(seed)
    dt = 1 / STEPS_IN_T
    dw = rng.normal(0, math.sqrt(dt), (paths, STEPS_IN_T))
    x0 = rng.uniform(0.5, 1.5, (paths, 1))
    t = np.arange(STEPS_IN_T + 1) * dt
    w = np.concatenate([np.zeros((paths, 1)), np.cumsum(dw, 1)], 1)
    target = x0 * np.exp((MU - SIGMA ** 2 / 2) * t + SIGMA * w)
    mid = (np.arange(STEPS_IN_T) + 0.5) * dt
    modes = np.stack([np.ones(STEPS_IN_T)] + [math.sqrt(2) * np.cos((j - 1) * math.pi * mid) for j in range(2, k + 1)])
    xi = dw @ modes.T
    features = np.stack([np.prod([hermite(a, xi[:, j]) / math.sqrt(math.factorial(a)) for j, a in enumerate(alpha)], 0)
                         for alpha in multi_indices(k, n)], 1)
    inputs = np.stack([np.broadcast_to(2 * t - 1, target.shape), np.broadcast_to(2 * x0 - 2, target.shape)], 2)
    as_tensor = lambda a: torch.tensor(a, dtype=torch.float32)
    return as_tensor(inputs), as_tensor(features), as_tensor(target), (t, x0, xi)


def floor(k, n, t, x0, xi, target):
    """The relative L2 error of the closed-form coefficients truncated to |α| ≤ n over k modes."""
    modes = np.stack([t] + [math.sqrt(2) * np.sin((j - 1) * math.pi * t) / ((j - 1) * math.pi) for j in range(2, k + 1)])
    alphas = multi_indices(k, n)
    features = np.stack([np.prod([hermite(a, xi[:, j]) / math.sqrt(math.factorial(a)) for j, a in enumerate(alpha)], 0) for alpha in alphas], 1)
    coefficients = np.stack([np.prod([(SIGMA * modes[j]) ** a / math.sqrt(math.factorial(a)) for j, a in enumerate(alpha)], 0) for alpha in alphas])
    prediction = x0 * np.exp(MU * t) * (features @ coefficients)
    target = target.double().numpy()
    return float((np.linalg.norm(prediction - target, axis=1) / np.linalg.norm(target, axis=1)).mean())


# loc: begin
class Coefficients(nn.Module):
    def __init__(self, count):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 64), nn.GELU(), nn.Linear(64, 64), nn.GELU(), nn.Linear(64, count))

    def forward(self, inputs):  # [paths, times, (t, x0)] -> [paths, times, |A|]
        return self.net(inputs)


def relative_l2(prediction, target):
    return ((prediction - target).norm(dim=1) / target.norm(dim=1)).mean()


def train(model, inputs, features, target, steps, batch_size, lr, loss_function=relative_l2):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    step = 0
    while step < steps:
        for batch in torch.randperm(len(inputs)).split(batch_size):
            prediction = (model(inputs[batch]) * features[batch].unsqueeze(1)).sum(2)
            loss = loss_function(prediction, target[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            step += 1
            if step == steps:
                break


def fit_both(count, data, steps, batch_size, lr):
    relative, squared = Coefficients(count), Coefficients(count)
    train(relative, *data, steps, batch_size, lr)
    train(squared, *data, steps, batch_size, lr, F.mse_loss)
    return relative, squared
# loc: end


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--n", type=int, default=3)
    parser.add_argument("--steps", type=int, default=2560)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    inputs, features, target, _ = chaos_data(8192, args.k, args.n, seed=2 * args.seed + 1)
    test_inputs, test_features, test_target, (t, x0, xi) = chaos_data(4096, args.k, args.n, seed=2 * args.seed + 2)
    start = time.perf_counter()
    model, squared = fit_both(features.shape[1], (inputs, features, target), args.steps, 64, args.lr)
    elapsed = time.perf_counter() - start
    with torch.no_grad():
        error = relative_l2((model(test_inputs) * test_features.unsqueeze(1)).sum(2), test_target).item()
        # Orders 0 and 1 of the squared-error model at x0 = 1 against the closed form.
        t = np.arange(STEPS_IN_T + 1) / STEPS_IN_T
        grid = torch.tensor(np.stack([2 * t - 1, np.zeros_like(t)], 1), dtype=torch.float32).unsqueeze(0)
        learned = squared(grid)[0, :, : args.k + 1].double().numpy()
        modes = [t] + [math.sqrt(2) * np.sin((j - 1) * math.pi * t) / ((j - 1) * math.pi) for j in range(2, args.k + 1)]
        exact = np.stack([np.exp(MU * t)] + [np.exp(MU * t) * SIGMA * m for m in modes], 1)
        coefficient_errors = np.linalg.norm(learned - exact, axis=0) / np.linalg.norm(exact, axis=0)
    best = floor(args.k, args.n, t, x0, xi, test_target)
    print(f"K = {args.k}, N = {args.n}, |A| = {features.shape[1]}: test relative L2 {error:.4f}, closed-form floor {best:.4f} "
          f"({error / best:.3f}x) after {args.steps} steps; squared-error coefficients of orders 0, 1 at x0 = 1: relative errors "
          f"{', '.join(f'{e:.3f}' for e in coefficient_errors)}; both models in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
