# The PyTorch twin of examples/ScheduleFree: the same 784-256-10 MLP on 10,000 synthetic "digits" with
# noise 3 (validated on 2,000 others), 4 epochs of batch 64, trained with AdamW + a cosine schedule
# over the run and with Schedule-Free AdamW, the latter evaluated at x (its average) and at y (where
# its gradients are taken). Schedule-Free AdamW is written here from the paper's Algorithm 1
# (Defazio et al. 2024), as the runtime's rule is: the schedulefree package is not installed. The
# data is generated like Synthetic.Digits but with numpy's generator: the same problem, not the same
# numbers. Lines between the loc markers are what benchmarks/loc.py counts.
#
#   /usr/bin/python3 benchmarks/twins/schedulefree.py
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def digits(count, seed, noise=3.0):
    """Synthetic.Digits' problem: label i % 10, image = prototype[label] + noise · N(0, 1) per pixel."""
    prototypes = np.random.default_rng(12345).random((10, 784), dtype=np.float32)
    labels = np.arange(count) % 10
    images = prototypes[labels] + noise * np.random.default_rng(seed).standard_normal((count, 784), dtype=np.float32)
    return TensorDataset(torch.from_numpy(images), torch.from_numpy(labels))


class ScheduleFreeAdamW(torch.optim.Optimizer):
    """Algorithm 1 of "The Road Less Scheduled": y = (1-β1) z + β1 x holds the parameters; eval() swaps x in."""

    def __init__(self, params, lr=3e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, k=0, weight_sum=0.0))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            group["k"] += 1
            lr = group["lr"] * math.sqrt(1 - beta2 ** group["k"])
            group["weight_sum"] += lr * lr
            c = lr * lr / group["weight_sum"]
            for p in group["params"]:
                state = self.state[p]
                if not state:
                    state["z"], state["x"], state["v"] = p.clone(), p.clone(), torch.zeros_like(p)
                z, x, v = state["z"], state["x"], state["v"]
                v.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                z.sub_(lr * p.grad / (v.sqrt() + group["eps"]) + lr * group["weight_decay"] * p)
                x.mul_(1 - c).add_(z, alpha=c)
                p.copy_((1 - beta1) * z + beta1 * x)

    @torch.no_grad()
    def swap(self):
        """Swaps x and the parameters (y): call once to evaluate at x, again to go back."""
        for group in self.param_groups:
            for p in group["params"]:
                x = self.state[p]["x"]
                saved = p.clone()
                p.copy_(x)
                x.copy_(saved)


def evaluate(model, data):
    with torch.no_grad():
        images, labels = data.tensors
        logits = model(images)
        return F.cross_entropy(logits, labels).item(), (logits.argmax(1) == labels).float().mean().item()


torch.manual_seed(0)
train, valid = digits(10_000, seed=1), digits(2_000, seed=2)
epochs, steps = 4, 4 * math.ceil(10_000 / 64)

# loc: begin
def mlp():
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def fit(model, optimizer, scheduler=None):
    for epoch in range(epochs):
        for images, labels in DataLoader(train, batch_size=64, shuffle=True):
            loss = F.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()


cosine = mlp()
adamw = torch.optim.AdamW(cosine.parameters(), lr=3e-4)
fit(cosine, adamw, torch.optim.lr_scheduler.CosineAnnealingLR(adamw, steps))

schedule_free = mlp()
sf = ScheduleFreeAdamW(schedule_free.parameters(), lr=3e-4)
fit(schedule_free, sf)
at_y = evaluate(schedule_free, valid)
sf.swap()
at_x = evaluate(schedule_free, valid)
# loc: end

print("| arm | validation loss | accuracy |")
print("|---|---|---|")
for arm, (loss, accuracy) in [("AdamW + cosine", evaluate(cosine, valid)), ("Schedule-Free AdamW at x", at_x), ("Schedule-Free AdamW at y", at_y)]:
    print(f"| {arm} | {loss:.4f} | {100 * accuracy:.1f}% |")
