# The PyTorch twin of examples/Grokfast: (a + b) mod 47 with 40% of the 2,209 pairs for training,
# an embedding (32 per operand, concatenated) and one hidden layer of 128 ReLU units, full-batch
# cross-entropy. Three arms: Adam without weight decay, AdamW with weight decay 1, and Grokfast-EMA
# (alpha 0.98, lambda 2, written from the paper) around the same AdamW. Reports the step
# at which validation accuracy first reaches 95% (evaluated every 10 steps), or "> cap".
# Lines between the loc markers are what benchmarks/loc.py counts.
#
#   /usr/bin/python3 benchmarks/twins/grokfast.py [seeds] [cap]
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

P, FRACTION, RATE, EVERY = 47, 0.4, 1e-2, 10


def split(seed):
    """All pairs (a, b) with label (a + b) mod P, shuffled by the seed; the first 40% train."""
    a, b = torch.meshgrid(torch.arange(P), torch.arange(P), indexing="ij")
    a, b = a.reshape(-1), b.reshape(-1)
    order = torch.randperm(P * P, generator=torch.Generator().manual_seed(seed))
    a, b = a[order], b[order]
    cut = int(FRACTION * P * P)
    labels = (a + b) % P
    return (a[:cut], b[:cut], labels[:cut]), (a[cut:], b[cut:], labels[cut:])


@torch.no_grad()
def accuracy(model, a, b, y):
    return (model(a, b).argmax(1) == y).float().mean().item()


def gradfilter_ema(model, grads, alpha=0.98, lamb=2.0):
    """Grokfast-EMA as the paper states it (h starts at the first gradient), between backward() and step()."""
    if grads is None:
        grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
    for n, p in model.named_parameters():
        grads[n] = grads[n] * alpha + p.grad.detach() * (1 - alpha)
        p.grad = p.grad + grads[n] * lamb
    return grads


# loc: begin
class ModularMlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(P, 32)
        self.hidden = nn.Linear(64, 128)
        self.out = nn.Linear(128, P)

    def forward(self, a, b):
        return self.out(F.relu(self.hidden(torch.cat([self.embed(a), self.embed(b)], dim=1))))


def train(seed, weight_decay, grokfast, cap):
    torch.manual_seed(seed)
    (a, b, y), (va, vb, vy) = split(seed)
    model = ModularMlp()
    optimizer = torch.optim.AdamW(model.parameters(), lr=RATE, weight_decay=weight_decay)
    grads, curve = None, []
    for step in range(1, cap + 1):
        optimizer.zero_grad()
        F.cross_entropy(model(a, b), y).backward()
        if grokfast:
            grads = gradfilter_ema(model, grads)
        optimizer.step()
        if step % EVERY == 0:
            curve.append((step, accuracy(model, a, b, y), accuracy(model, va, vb, vy)))
            if curve[-1][2] >= 0.95:
                return step, curve
    return None, curve
# loc: end


if __name__ == "__main__":
    torch.set_num_threads(1)
    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    cap = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    arms = [("Adam, no weight decay", 0.0, False), ("AdamW, weight decay 1", 1.0, False), ("Grokfast + AdamW, weight decay 1", 1.0, True)]
    print("| arm | " + " | ".join(f"seed {s}" for s in range(1, seeds + 1)) + " |")
    print("|---|" + "---|" * seeds)
    for name, wd, gf in arms:
        steps = [train(s, wd, gf, cap)[0] for s in range(1, seeds + 1)]
        print(f"| {name} | " + " | ".join(f"> {cap}" if s is None else str(s) for s in steps) + " |", flush=True)
