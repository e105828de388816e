# The PyTorch half of the side-by-side benchmark (benchmarks/SideBySide drives it; see
# docs/benchmarks.md, "Side by side with PyTorch"). Run with Debian's /usr/bin/python3, which has
# torch 1.13. It is a server: the C# harness starts it once, sends one command per line on stdin
# and reads one JSON object per line from stdout, so the two sides' rounds can alternate in one run
# while both processes stay warm. Weights and data come from a safetensors file the C# side wrote
# (the generated trainer's initial parameters), so both sides start from the same numbers.
#
# Commands (arguments separated by spaces):
#   threads N                  torch.set_num_threads(N) (intra-op; OpenBLAS keeps its own pool)
#   load CONFIG PATH           build the eager model of CONFIG from the weights and batches in PATH
#   check STEPS                train STEPS steps from the loaded weights; the loss of each
#   steps N [BUDGET]           N timed training steps (fewer once BUDGET microseconds have passed, at
#                              least 3); the time of each in microseconds
#   rule NAME VARIANT N SIZE   N timed updates of NAME (adam, adamw, lion) on SIZE float32 parameters;
#                              VARIANT is single or foreach (torch.optim), or paper (Lion, written here)
#   rss                        peak resident memory of this process (KiB)
#   quit
#
# Standalone (no C# side, random weights; the cnn-s reference time):
#   /usr/bin/python3 benchmarks/side_by_side.py --standalone [THREADS]
import json
import os
import resource
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

# SIDE_BY_SIDE_TORCH_LR changes PyTorch's learning rate only: to see the loss check fail.
LEARNING_RATE = float(os.environ.get("SIDE_BY_SIDE_TORCH_LR", "1e-3"))
DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32}


def read_safetensors(path):
    """The tensors of a safetensors file (8-byte little-endian header length, JSON header, raw data)."""
    with open(path, "rb") as f:
        blob = f.read()
    (header_length,) = struct.unpack_from("<Q", blob, 0)
    header = json.loads(blob[8:8 + header_length])
    start = 8 + header_length
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        array = np.frombuffer(blob, dtype=DTYPES[info["dtype"]], count=(end - begin) // np.dtype(DTYPES[info["dtype"]]).itemsize,
                              offset=start + begin).reshape(info["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors


class Mlp:
    """784-H-H-10 ReLU MLP as PyTorch users write it: nn.Linear layers, cross_entropy, torch.optim.Adam."""

    def __init__(self, tensors):
        layers = []
        for i in (1, 2, 3):
            w = tensors[f"Net.W{i}"]  # the DSL's layout: (in, out); nn.Linear keeps (out, in)
            linear = torch.nn.Linear(w.shape[0], w.shape[1])
            with torch.no_grad():
                linear.weight.copy_(w.t())
                linear.bias.copy_(tensors[f"Net.B{i}"])
            layers += [linear, torch.nn.ReLU()] if i < 3 else [linear]
        self.net = torch.nn.Sequential(*layers)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=LEARNING_RATE)
        count = sum(1 for name in tensors if name.startswith("x"))
        self.batches = [(tensors[f"x{i}"], tensors[f"y{i}"]) for i in range(count)]
        self.next = 0

    def step(self):
        x, y = self.batches[self.next]
        self.next = (self.next + 1) % len(self.batches)
        self.optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.net(x), y)
        loss.backward()
        self.optimizer.step()
        return loss.item()  # the generated TrainStep returns the loss as a float too


class Cnn:
    """cnn-s of ENVIRONMENT.md (conv 1-8 3x3, pool 2, conv 8-16 3x3, pool 2, linear 400-10), random weights."""

    def __init__(self, batch=32):
        torch.manual_seed(0)
        self.net = torch.nn.Sequential(
            torch.nn.Conv2d(1, 8, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(8, 16, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Flatten(), torch.nn.Linear(400, 10))
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=LEARNING_RATE)
        self.x = torch.randn(batch, 1, 28, 28)
        self.y = torch.randint(0, 10, (batch,))

    def step(self):
        self.optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.net(self.x), self.y)
        loss.backward()
        self.optimizer.step()
        return loss.item()


def lion_paper(p, g, m, lr, beta1, beta2, wd):
    """Lion as written in the paper (Chen et al. 2023, Algorithm 2), in-place PyTorch ops."""
    c = m.mul(beta1).add_(g, alpha=1 - beta1)
    p.mul_(1 - lr * wd).add_(c.sign_(), alpha=-lr)
    m.mul_(beta2).add_(g, alpha=1 - beta2)


def rule_updater(name, variant, size):
    """A zero-argument function doing one update of `size` float32 parameters with a fixed gradient."""
    generator = torch.Generator().manual_seed(0)
    p = torch.randn(size, generator=generator, requires_grad=True)
    p.grad = torch.randn(size, generator=generator)
    if name == "lion":
        if variant != "paper":
            raise ValueError("torch.optim has no Lion in 1.13: use the paper variant")
        m = torch.zeros(size)
        data, grad = p.detach(), p.grad

        def update():
            with torch.no_grad():
                lion_paper(data, grad, m, 1e-4, 0.9, 0.99, 0.0)
        return update
    foreach = {"single": False, "foreach": True}[variant]
    if name == "adam":
        optimizer = torch.optim.Adam([p], lr=1e-3, foreach=foreach)
    elif name == "adamw":
        optimizer = torch.optim.AdamW([p], lr=1e-3, weight_decay=1e-2, foreach=foreach)
    else:
        raise ValueError(f"unknown rule {name}: expected adam, adamw or lion")
    return optimizer.step


def timed(function, count, budget_us=float("inf")):
    times = []
    begin = time.perf_counter_ns()
    for _ in range(count):
        start = time.perf_counter_ns()
        function()
        end = time.perf_counter_ns()
        times.append((end - start) / 1000.0)
        if len(times) >= 3 and (end - begin) / 1000.0 > budget_us:
            break
    return times


def serve():
    torch.set_num_threads(1)
    model = None
    updaters = {}
    reply({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()})
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        command, args = words[0], words[1:]
        try:
            if command == "threads":
                torch.set_num_threads(int(args[0]))
                reply({"threads": torch.get_num_threads()})
            elif command == "load":
                model = Cnn() if args[0] == "cnn-s" else Mlp(read_safetensors(args[1]))
                reply({"loaded": args[0]})
            elif command == "check":
                reply({"losses": [model.step() for _ in range(int(args[0]))]})
            elif command == "steps":
                budget = float(args[1]) if len(args) > 1 else float("inf")
                reply({"us": timed(model.step, int(args[0]), budget)})
            elif command == "rule":
                name, variant, count, size = args[0], args[1], int(args[2]), int(args[3])
                key = (name, variant, size)
                if key not in updaters:
                    updaters[key] = rule_updater(name, variant, size)
                reply({"us": timed(updaters[key], count)})
            elif command == "rss":
                reply({"peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss})
            elif command == "quit":
                return
            else:
                raise ValueError(f"unknown command {command!r}")
        except Exception as error:  # the harness prints it and stops
            reply({"error": f"{type(error).__name__}: {error}"})


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def standalone(threads):
    torch.set_num_threads(threads)
    model = Cnn()
    timed(model.step, 50)
    times = sorted(timed(model.step, 300))
    print(f"cnn-s, PyTorch eager, {threads} thread(s): median {times[len(times) // 2]:.0f} us, min {times[0]:.0f} us")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--standalone":
        standalone(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    else:
        serve()
