# The PyTorch twin of examples/StreamingParity: a tanh RNN with 64 hidden units reads one bit (±1)
# per step; a readout σ(vᵀh_t) is trained with binary cross-entropy on the running parity after every
# step (averaged over the steps), Adam lr 1e-2, batches of 64 sequences whose length is drawn from 1
# to the maximum per batch; accuracy of the parity after the last bit is measured on sequences of
# 1,000 bits. Lines between the loc markers are what benchmarks/loc.py counts.
#
#   /usr/bin/python3 benchmarks/twins/streamingparity.py [--max-length 10] [--steps 3000] [--seed 0]
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--max-length", type=int, default=10)
parser.add_argument("--steps", type=int, default=3000)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()
torch.set_num_threads(1)
torch.manual_seed(args.seed)


def sequences(batch, length):
    bits = torch.randint(0, 2, (batch, length, 1))
    return 2.0 * bits - 1, (bits.cumsum(1) % 2).float()


test_bits, test_parity = sequences(256, 1000)
start = time.perf_counter()

# loc: begin
class ParityRnn(nn.Module):
    def __init__(self, hidden=64):
        super().__init__()
        self.u = nn.Parameter(torch.empty(1, hidden).uniform_(-1, 1))
        self.w = nn.Parameter(torch.empty(hidden, hidden).uniform_(-hidden ** -0.5, hidden ** -0.5))
        self.b = nn.Parameter(torch.empty(hidden).uniform_(-1, 1))
        self.v = nn.Parameter(torch.empty(hidden, 1).uniform_(-hidden ** -0.5, hidden ** -0.5))

    def forward(self, bits):
        h, logits = torch.zeros(bits.shape[0], self.w.shape[0]), []
        for t in range(bits.shape[1]):
            h = torch.tanh(h @ self.w + bits[:, t] @ self.u + self.b)
            logits.append(h @ self.v)
        return torch.stack(logits, 1)


net = ParityRnn()
optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
for step in range(1, args.steps + 1):
    bits, parity = sequences(64, int(torch.randint(1, args.max_length + 1, ())))
    loss = F.binary_cross_entropy_with_logits(net(bits), parity)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    # loc: end
    if step % 500 == 0:
        with torch.no_grad():
            accuracy = ((net(test_bits)[:, -1] > 0).float() == test_parity[:, -1]).float().mean().item()
        print(f"step {step}: accuracy at length 1000 {100 * accuracy:.1f}% ({time.perf_counter() - start:.1f} s)", flush=True)
