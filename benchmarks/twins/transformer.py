#!/usr/bin/env python3
"""PyTorch twin of examples/Transformer: the same 2-layer causal transformer (token and position
embeddings, two pre-norm blocks with 4 heads and a GELU MLP of 256, a final LayerNorm, a linear
head; the blocks are torch's nn.TransformerEncoderLayer, whose packed attention projection is
Xavier-initialized where ours are nn.Linear-initialized),
the same sorting data (8 digits, a separator, the digits sorted; generated with numpy, so not
bit-identical to the C# data), Adam at 1e-3, batches of 64, 3 epochs of 16,000 sequences.

    /usr/bin/python3 benchmarks/twins/transformer.py [--epochs N]
"""
import argparse
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

LENGTH, SEPARATOR = 8, 10


def sorting_data(count, seed):
    rng = np.random.default_rng(seed)
    digits = rng.integers(0, 10, size=(count, LENGTH))
    sequence = np.concatenate([digits, np.full((count, 1), SEPARATOR), np.sort(digits, axis=1)], axis=1)
    return torch.tensor(sequence[:, :-1]), torch.tensor(sequence[:, LENGTH + 1:])


# loc: begin
class SortingTransformer(nn.Module):
    def __init__(self, symbols=11, context=16, features=64):
        super().__init__()
        self.tokens = nn.Embedding(symbols, features)
        self.positions = nn.Parameter(0.02 * torch.randn(context, features))
        block = nn.TransformerEncoderLayer(features, 4, 256, dropout=0.0, activation="gelu", batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(block, 2)
        self.norm = nn.LayerNorm(features)
        self.head = nn.Linear(features, symbols)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(context))

    def forward(self, tokens):
        return self.head(self.norm(self.blocks(self.tokens(tokens) + self.positions, mask=self.mask)))


def train(model, tokens, targets, epochs, batch_size, lr):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(epochs):
        for batch in torch.randperm(len(tokens)).split(batch_size):
            loss = F.cross_entropy(model(tokens[batch])[:, LENGTH:].transpose(1, 2), targets[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
# loc: end


def accuracy(model, tokens, targets):
    with torch.no_grad():
        predicted = model(tokens)[:, LENGTH:].argmax(-1)
    return (predicted == targets).float().mean().item()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    train_tokens, train_targets = sorting_data(16_000, seed=0)
    valid_tokens, valid_targets = sorting_data(2_000, seed=1)
    model = SortingTransformer()
    start = time.perf_counter()
    train(model, train_tokens, train_targets, args.epochs, 64, 1e-3)
    elapsed = time.perf_counter() - start
    print(f"validation accuracy {100 * accuracy(model, valid_tokens, valid_targets):.1f}% of output tokens; "
          f"training took {elapsed:.1f} s ({args.epochs} epochs)")


if __name__ == "__main__":
    main()
