# The PyTorch twin of examples/Cnn: the same LeNet-style network (two 5x5 convolutions, each with
# batch normalization, ReLU and 2x2 max pooling, then 256-120-84-10 linear layers) trained with
# Adam (lr 1e-3), batch 64, on 10,000 synthetic 28x28 "digits", evaluated on 2,000 more. The data
# is generated the same way as Synthetic.Digits(noise: NOISE) (each class a fixed prototype of
# uniform pixels plus normal noise per pixel) but with numpy's generator: the same problem, not the
# same numbers. Lines between the loc markers are what benchmarks/loc.py counts.
#
#   /usr/bin/python3 benchmarks/twins/cnn.py [--epochs N] [--no-batchnorm]
import argparse
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

NOISE = 0.5

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--no-batchnorm", action="store_true", help="the same network without its BatchNorm layers")
parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch's default)")
arguments = parser.parse_args()
epochs = arguments.epochs
if arguments.threads:
    torch.set_num_threads(arguments.threads)


def digits(count, seed, noise=NOISE):
    """Synthetic.Digits' problem: label i % 10, image = prototype[label] + noise · N(0, 1) per pixel."""
    prototypes = np.random.default_rng(12345).random((10, 784), dtype=np.float32)
    labels = np.arange(count) % 10
    images = prototypes[labels] + noise * np.random.default_rng(seed).standard_normal((count, 784), dtype=np.float32)
    return TensorDataset(torch.from_numpy(images), torch.from_numpy(labels))


def norm(channels):
    return nn.Identity() if arguments.no_batchnorm else nn.BatchNorm2d(channels)


torch.manual_seed(0)
train, valid = digits(10_000, seed=1), digits(2_000, seed=2)
start = time.perf_counter()

# loc: begin
class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.norm1 = norm(6)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.norm2 = norm(16)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, images):
        x = images.view(-1, 1, 28, 28)
        x = F.max_pool2d(F.relu(self.norm1(self.conv1(x))), 2)  # [Batch, 6, 12, 12]
        x = F.max_pool2d(F.relu(self.norm2(self.conv2(x))), 2)  # [Batch, 16, 4, 4]
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc3(F.relu(self.fc2(x)))


model = LeNet()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(epochs):
    model.train()
    for images, labels in DataLoader(train, batch_size=64, shuffle=True):
        loss = F.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
# loc: end

model.eval()
with torch.no_grad():
    images, labels = valid.tensors
    accuracy = (model(images).argmax(1) == labels).float().mean().item()
print(f"{'without' if arguments.no_batchnorm else 'with'} BatchNorm, {epochs} epochs: validation accuracy {100 * accuracy:.1f}% "
      f"on {len(valid)} examples; training {time.perf_counter() - start:.1f} s")
