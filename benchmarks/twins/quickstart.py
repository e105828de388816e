# The PyTorch twin of examples/Quickstart: the same 784-256-10 MLP trained with Adam (lr 1e-3) for
# 3 epochs of batch 64 on 10,000 synthetic "digits", evaluated on 2,000 more. The data is generated
# the same way as Synthetic.Digits (each class a fixed prototype of uniform pixels plus normal noise
# of standard deviation 2 per pixel) but with numpy's generator, so it is the same problem, not the
# same numbers. Lines between the loc markers are what benchmarks/loc.py counts.
#
#   /usr/bin/python3 benchmarks/twins/quickstart.py
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def digits(count, seed, noise=2.0):
    """Synthetic.Digits' problem: label i % 10, image = prototype[label] + noise · N(0, 1) per pixel."""
    prototypes = np.random.default_rng(12345).random((10, 784), dtype=np.float32)
    labels = np.arange(count) % 10
    images = prototypes[labels] + noise * np.random.default_rng(seed).standard_normal((count, 784), dtype=np.float32)
    return TensorDataset(torch.from_numpy(images), torch.from_numpy(labels))


torch.manual_seed(0)
train, valid = digits(10_000, seed=1), digits(2_000, seed=2)
start = time.perf_counter()

# loc: begin
class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(784, 256)
        self.l2 = nn.Linear(256, 10)

    def forward(self, x):
        return self.l2(F.relu(self.l1(x)))


model = Mlp()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(3):
    for images, labels in DataLoader(train, batch_size=64, shuffle=True):
        loss = F.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
# loc: end

with torch.no_grad():
    images, labels = valid.tensors
    accuracy = (model(images).argmax(1) == labels).float().mean().item()
print(f"validation accuracy {100 * accuracy:.1f}% on {len(valid)} examples; training {time.perf_counter() - start:.1f} s")
