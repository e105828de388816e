# The PyTorch twin of examples/HebbianMultitasking: K = 3 diluted ternary patterns stored in Hebbian
# couplings (from the patterns, or from M noisy examples per pattern, supervised or unsupervised),
# relaxed by asynchronous Glauber dynamics from random starts: cooled linearly from 0.8 (1 - d) over 60
# sweeps, then held at T (T = 0: until no neuron flips). The same algorithm, drawn from torch's CPU
# generator; a sequential sweep is a Python loop, so the defaults are smaller than the example's
# (N = 1000, 2 runs, the dilution table only). Lines between the loc markers are what
# benchmarks/loc.py counts.
#
#   /usr/bin/python3 benchmarks/twins/hebbian.py [--neurons 1000] [--runs 2] [--seed 0] [--dilutions 0.1 0.2 ...]
#
# Both this program and the example draw from libtorch's CPU generator with the same seeds, so they
# produce the same patterns, examples, starts and orders: at the same settings the example's
# dilution table agrees with this one (tests/Dsl.Examples.Tests/HebbianMultitaskingTests.cs checks it).
import argparse
import math

import numpy as np
import torch


# loc: begin
def patterns(k, n, dilution, g):
    """[K, N]: 0 with probability d, else -1 or +1 with equal probability (one uniform draw per entry)."""
    u = torch.rand(k, n, generator=g)
    return torch.where(u < dilution, 0.0, torch.where(u < (1 + dilution) / 2, 1.0, -1.0))


def examples(xi, m, quality, g):
    """[K, M, N]: each example flips a pattern's non-zero entries with probability (1 - r) / 2."""
    w = torch.rand(xi.shape[0], m, xi.shape[1], generator=g)
    return xi[:, None, :] * torch.where(w < (1 + quality) / 2, 1.0, -1.0)


def couplings(teacher, xi, eta=None, quality=1.0):
    """J = scale * rows^T rows with a zero diagonal; the examples' J divided by r^2."""
    n = xi.shape[1]
    if teacher == "patterns":
        rows, scale = xi, 1 / n
    elif teacher == "supervised":
        rows, scale = eta.mean(1), 1 / (n * quality ** 2)
    else:
        rows, scale = eta.reshape(-1, n), 1 / (n * eta.shape[1] * quality ** 2)
    j = scale * rows.T @ rows
    j.fill_diagonal_(0)
    return j.numpy()


class GlauberNetwork:
    """Asynchronous Glauber dynamics with the local fields kept up to date as neurons flip."""

    def __init__(self, j):
        self.j, self.n = j, j.shape[0]

    def randomize(self, g):
        u = torch.rand(2 * self.n, generator=g).numpy()
        self.state = np.where(u[: self.n] < 0.5, -1.0, 1.0).astype(np.float32)
        self.field = self.j @ self.state

    def sweep(self, temperature, g):
        u = torch.rand(2 * self.n, generator=g).numpy()
        order = np.arange(self.n)
        for i in range(self.n - 1, 0, -1):  # Fisher-Yates shuffle
            k = min(i, int(u[i] * (i + 1)))
            order[i], order[k] = order[k], order[i]
        flips = 0
        for t, i in enumerate(order):
            h = self.field[i]
            if temperature == 0:
                new = 1.0 if h > 0 else -1.0 if h < 0 else self.state[i]
            else:
                new = 1.0 if u[self.n + t] < 1 / (1 + math.exp(-2 * h / temperature)) else -1.0
            if new != self.state[i]:
                self.state[i] = new
                self.field += 2 * new * self.j[i]
                flips += 1
        return flips


def relax(network, xi, dilution, temperature, g, cooling=60, start=0.8, sweeps=40, measure=20):
    """Sorted |m| after cooling from start * (1 - d) to T (at T > 0 of m averaged over the last sweeps)."""
    network.randomize(g)
    for s in range(cooling):
        network.sweep(temperature + (start * (1 - dilution) - temperature) * (1 - s / cooling), g)
    total, measured = np.zeros(len(xi)), 0
    for s in range(sweeps):
        flips = network.sweep(temperature, g)
        if temperature == 0 and flips == 0:
            break
        if temperature > 0 and s >= sweeps - measure:
            total, measured = total + xi @ network.state / network.n, measured + 1
    m = total / measured if measured else xi @ network.state / network.n
    return np.sort(np.abs(m))[::-1]
# loc: end


def run(teachers, n, dilution, temperature, runs, seed, m=0, quality=1.0):
    results = {t: [] for t in teachers}
    for r in range(runs):
        run_seed = seed * 1_000_003 + r
        data = torch.Generator().manual_seed(run_seed)
        xi = patterns(3, n, dilution, data)
        eta = examples(xi, m, quality, data) if m > 0 else None
        for teacher in teachers:
            dynamics = torch.Generator().manual_seed(run_seed ^ 0x9E3779B97F4A7C15)
            results[teacher].append(relax(GlauberNetwork(couplings(teacher, xi, eta, quality)), xi.numpy(), dilution, temperature, dynamics))
    return {t: np.mean(v, axis=0) for t, v in results.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--neurons", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dilutions", type=float, nargs="+", default=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    args = parser.parse_args()
    teachers = ["patterns", "supervised", "unsupervised"]
    print(f"N = {args.neurons}, {args.runs} runs, T = 0, M = 64 examples of quality 0.4")
    print("| d | (1-d) d^(k-1) | " + " | ".join(teachers) + " |")
    print("|---|---|---|---|---|")
    for dilution in args.dilutions:
        result = run(teachers, args.neurons, dilution, 0.0, args.runs, args.seed, 64, 0.4)
        cells = [" / ".join(f"{v:.3f}" for v in result[t]) for t in teachers]
        theory = " / ".join(f"{(1 - dilution) * dilution ** k:.3f}" for k in range(3))
        print(f"| {dilution:.1f} | {theory} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
