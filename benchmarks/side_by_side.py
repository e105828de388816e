# The PyTorch half of the side-by-side benchmark (benchmarks/SideBySide drives it; see
# docs/benchmarks.md, "Side by side with PyTorch"). Run with Debian's /usr/bin/python3, which has
# torch 1.13. It is a server: the C# harness starts it once, sends one command per line on stdin
# and reads one JSON object per line from stdout, so the two sides' rounds can alternate in one run
# while both processes stay warm. Weights and data come from a safetensors file the C# side wrote
# (the generated trainer's initial parameters), so both sides start from the same numbers.
#
# Commands (arguments separated by spaces):
#   threads N                  torch.set_num_threads(N) (intra-op; OpenBLAS keeps its own pool)
#   load CONFIG PATH           build the eager model of CONFIG (mlp-s/m/l, cnn-s, cnn-lenet, transformer)
#                              from the weights and batches in PATH
#   check STEPS                train STEPS steps from the loaded weights; the loss of each
#   steps N [BUDGET]           N timed training steps (fewer once BUDGET microseconds have passed, at
#                              least 3); the time of each in microseconds
#   rule NAME VARIANT N SIZE   N timed updates of NAME (sgd, momentum, nesterov, adam, adamw, rmsprop, adagrad,
#                              lion, sf-sgd, sf-adamw, adamw-ema) on SIZE float32 parameters; VARIANT is single
#                              or foreach (torch.optim; adamw-ema adds the EMA in in-place ops), or paper
#                              (lion, sf-sgd, sf-adamw: not in torch.optim 1.13, written here in in-place ops)
#   rulecheck NAME VARIANT STEPS IN OUT
#                              STEPS updates from fresh state of the parameters in IN (raw little-endian
#                              float32: the parameters, then the gradient, same length); the parameters to OUT
#   rss                        peak resident memory of this process (KiB)
#   quit
#
# Standalone (no C# side, random weights; the cnn-s reference time):
#   /usr/bin/python3 benchmarks/side_by_side.py --standalone [THREADS]
import json
import math
import os
import re
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


class Model:
    """A configuration's eager model, Adam optimizer and fixed batches (x0, y0, x1, ...), cycled in order."""

    def __init__(self, net, tensors):
        self.net = net
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=LEARNING_RATE)
        count = sum(1 for name in tensors if name.startswith("x"))
        self.batches = [(tensors[f"x{i}"], tensors[f"y{i}"]) for i in range(count)]
        self.next = 0

    def loss(self, x, y):
        return F.cross_entropy(self.net(x), y)

    def step(self):
        x, y = self.batches[self.next]
        self.next = (self.next + 1) % len(self.batches)
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss(x, y)
        loss.backward()
        self.optimizer.step()
        return loss.item()  # the generated TrainStep returns the loss as a float too


def mlp(tensors):
    """784-H-H-10 ReLU MLP as PyTorch users write it: nn.Linear layers (the DSL's weights are (in, out): transposed)."""
    layers = []
    for i in (1, 2, 3):
        w = tensors[f"Net.W{i}"]  # the DSL's layout: (in, out); nn.Linear keeps (out, in)
        linear = torch.nn.Linear(w.shape[0], w.shape[1])
        with torch.no_grad():
            linear.weight.copy_(w.t())
            linear.bias.copy_(tensors[f"Net.B{i}"])
        layers += [linear, torch.nn.ReLU()] if i < 3 else [linear]
    return torch.nn.Sequential(*layers)


def snake(name):
    """The DSL's parameter path under Net (Conv1.Weight, Norm1.RunningMean) as a torch state_dict key (conv1.weight, norm1.running_mean)."""
    return ".".join(re.sub(r"(?<!^)([A-Z])", r"_\1", part).lower() for part in name.split("."))


def load_state(module, tensors):
    """Copies every Net.* tensor into the module's parameter or buffer of the same (snake-cased) name; all must match."""
    state = {snake(name[len("Net."):]): value for name, value in tensors.items() if name.startswith("Net.")}
    missing, unexpected = module.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise ValueError(f"weights do not match the model: missing {missing}, unexpected {unexpected}")
    return module


class SmallCnn(torch.nn.Module):
    """cnn-s of ENVIRONMENT.md: conv 1-8 3x3, pool 2, conv 8-16 3x3, pool 2, linear 400-10 (the DSL's layouts are torch's)."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 8, 3)
        self.conv2 = torch.nn.Conv2d(8, 16, 3)
        self.fc = torch.nn.Linear(400, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


class LeNet(torch.nn.Module):
    """examples/Cnn's LeNet: conv 1-6 5x5, batch norm, ReLU, pool 2, conv 6-16 5x5, batch norm, ReLU, pool 2, 256-120-84-10."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 6, 5)
        self.norm1 = torch.nn.BatchNorm2d(6)
        self.conv2 = torch.nn.Conv2d(6, 16, 5)
        self.norm2 = torch.nn.BatchNorm2d(16)
        self.fc1 = torch.nn.Linear(256, 120)
        self.fc2 = torch.nn.Linear(120, 84)
        self.fc3 = torch.nn.Linear(84, 10)

    def forward(self, images):
        x = images.reshape(-1, 1, 28, 28)
        x = F.max_pool2d(F.relu(self.norm1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.norm2(self.conv2(x))), 2)
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc3(F.relu(self.fc2(x)))


class Block(torch.nn.Module):
    """A pre-norm causal transformer block as PyTorch 1.13 users write it (no F.scaled_dot_product_attention before 2.0)."""

    def __init__(self, features=64, heads=4, head_size=16, hidden=256):
        super().__init__()
        self.heads, self.head_size = heads, head_size
        self.norm1 = torch.nn.LayerNorm(features)
        self.query = torch.nn.Linear(features, heads * head_size)
        self.key = torch.nn.Linear(features, heads * head_size)
        self.value = torch.nn.Linear(features, heads * head_size)
        self.output = torch.nn.Linear(heads * head_size, features)
        self.norm2 = torch.nn.LayerNorm(features)
        self.hidden1 = torch.nn.Linear(features, hidden)
        self.hidden2 = torch.nn.Linear(hidden, features)

    def forward(self, x):
        batch, length, _ = x.shape
        a = self.norm1(x)
        q, k, v = (p(a).view(batch, length, self.heads, self.head_size).transpose(1, 2) for p in (self.query, self.key, self.value))
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_size)
        causal = torch.ones(length, length, dtype=torch.bool).triu(1)
        heads = scores.masked_fill(causal, float("-inf")).softmax(-1) @ v
        h = x + self.output(heads.transpose(1, 2).reshape(batch, length, -1))
        return h + self.hidden2(F.gelu(self.hidden1(self.norm2(h))))

    def load(self, tensors, prefix):
        """The DSL's block keeps the head axes apart: QueryWeight [Features, Heads, HeadSize] is nn.Linear's weight
        transposed, OutputWeight [Features, Heads, HeadSize] nn.Linear's weight as it is."""
        t = lambda name: tensors[f"{prefix}.{name}"]
        with torch.no_grad():
            for linear, name in ((self.query, "Query"), (self.key, "Key"), (self.value, "Value")):
                linear.weight.copy_(t(f"{name}Weight").flatten(1).t())
                linear.bias.copy_(t(f"{name}Bias").flatten())
            self.output.weight.copy_(t("OutputWeight").flatten(1))
            self.output.bias.copy_(t("OutputBias"))
            for norm, name in ((self.norm1, "Norm1"), (self.norm2, "Norm2")):
                norm.weight.copy_(t(f"{name}Weight"))
                norm.bias.copy_(t(f"{name}Bias"))
            for linear, name in ((self.hidden1, "Hidden1"), (self.hidden2, "Hidden2")):
                linear.weight.copy_(t(f"{name}Weight"))
                linear.bias.copy_(t(f"{name}Bias"))


class SortingTransformer(torch.nn.Module):
    """examples/Transformer's model: token and position embeddings, two blocks, a final LayerNorm, a linear head."""

    def __init__(self, tensors):
        super().__init__()
        self.tokens = torch.nn.Embedding(11, 64)
        self.positions = torch.nn.Parameter(tensors["Net.Positions"].clone())
        self.block1, self.block2 = Block(), Block()
        self.norm = torch.nn.LayerNorm(64)
        self.head = torch.nn.Linear(64, 11)
        with torch.no_grad():
            self.tokens.weight.copy_(tensors["Net.Tokens.Weight"])
            self.norm.weight.copy_(tensors["Net.Norm.Weight"])
            self.norm.bias.copy_(tensors["Net.Norm.Bias"])
            self.head.weight.copy_(tensors["Net.HeadWeight"])
            self.head.bias.copy_(tensors["Net.HeadBias"])
        self.block1.load(tensors, "Net.Block1")
        self.block2.load(tensors, "Net.Block2")

    def forward(self, tokens):
        return self.head(self.norm(self.block2(self.block1(self.tokens(tokens) + self.positions))))


class Sorting(Model):
    """The loss of examples/Transformer: cross-entropy of the next token at the last 8 positions."""

    def loss(self, tokens, targets):
        logits = self.net(tokens)[:, 8:]
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def load(config, path):
    tensors = read_safetensors(path)
    if config.startswith("mlp-"):
        return Model(mlp(tensors), tensors)
    if config == "cnn-s":
        return Model(load_state(SmallCnn(), tensors), tensors)
    if config == "cnn-lenet":
        return Model(load_state(LeNet(), tensors), tensors)
    if config == "transformer":
        return Sorting(SortingTransformer(tensors), tensors)
    raise ValueError(f"unknown configuration {config}")


def lion_paper(p, g, m, lr, beta1, beta2, wd):
    """Lion as written in the paper (Chen et al. 2023, Algorithm 2), in-place PyTorch ops."""
    c = m.mul(beta1).add_(g, alpha=1 - beta1)
    p.mul_(1 - lr * wd).add_(c.sign_(), alpha=-lr)
    m.mul_(beta2).add_(g, alpha=1 - beta2)


class ScheduleFreeSgd:
    """runtime/Dsl.Runtime/Optimizers/UpdateRules.cs's ScheduleFreeSgd step for step, in-place PyTorch ops
    (not in torch.optim 1.13). z and x start at the parameters; the weight sum is a Python float (double, as ours)."""

    def __init__(self, p, g, lr=1.0, beta=0.9, wd=0.0, warmup=0.0):
        self.p, self.g, self.lr, self.beta, self.wd, self.warmup = p, g, lr, beta, wd, warmup
        self.z, self.x = p.clone(), p.clone()
        self.step, self.weight_sum = 0, 0.0

    def update(self):
        self.step += 1
        lr = self.lr * min(1.0, self.step / self.warmup if self.warmup > 0 else math.inf)
        self.weight_sum += lr * lr
        c = lr * lr / self.weight_sum if self.weight_sum > 0 else 0.0
        if self.wd != 0:
            self.z.add_(self.p, alpha=-lr * self.wd)
        self.z.add_(self.g, alpha=-lr)
        self.x.lerp_(self.z, c)
        torch.lerp(self.z, self.x, self.beta, out=self.p)


class ScheduleFreeAdamW:
    """UpdateRules.cs's ScheduleFreeAdamW step for step (Defazio et al. 2024, Algorithm 1), in-place PyTorch ops."""

    def __init__(self, p, g, lr=0.0025, beta1=0.9, beta2=0.999, eps=1e-8, wd=0.0, warmup=0.0):
        self.p, self.g, self.lr, self.beta1, self.beta2, self.eps, self.wd, self.warmup = p, g, lr, beta1, beta2, eps, wd, warmup
        self.z, self.x, self.v = p.clone(), p.clone(), torch.zeros_like(p)
        self.step, self.weight_sum = 0, 0.0

    def update(self):
        self.step += 1
        lr = self.lr * math.sqrt(1 - self.beta2 ** self.step) * min(1.0, self.step / self.warmup if self.warmup > 0 else math.inf)
        self.weight_sum += lr * lr
        c = lr * lr / self.weight_sum if self.weight_sum > 0 else 0.0
        self.v.mul_(self.beta2).addcmul_(self.g, self.g, value=1 - self.beta2)
        if self.wd != 0:
            self.z.add_(self.p, alpha=-lr * self.wd)
        self.z.addcdiv_(self.g, self.v.sqrt().add_(self.eps), value=-lr)
        self.x.lerp_(self.z, c)
        torch.lerp(self.z, self.x, self.beta1, out=self.p)


# The hyperparameters of each rule, the same as RuleComparison.cs gives ours (the check catches a mismatch).
TORCH_OPTIM = {
    "sgd": lambda ps, foreach: torch.optim.SGD(ps, lr=1e-2, foreach=foreach),
    "momentum": lambda ps, foreach: torch.optim.SGD(ps, lr=1e-2, momentum=0.9, foreach=foreach),
    "nesterov": lambda ps, foreach: torch.optim.SGD(ps, lr=1e-2, momentum=0.9, nesterov=True, foreach=foreach),
    "adam": lambda ps, foreach: torch.optim.Adam(ps, lr=1e-3, foreach=foreach),
    "adamw": lambda ps, foreach: torch.optim.AdamW(ps, lr=1e-3, weight_decay=1e-2, foreach=foreach),
    "rmsprop": lambda ps, foreach: torch.optim.RMSprop(ps, lr=1e-2, alpha=0.99, eps=1e-8, foreach=foreach),
    "adagrad": lambda ps, foreach: torch.optim.Adagrad(ps, lr=1e-2, eps=1e-10, foreach=foreach),
    "adamw-ema": lambda ps, foreach: torch.optim.AdamW(ps, lr=1e-3, weight_decay=1e-2, foreach=foreach),
}
EMA_DECAY = 0.999


def rule_updater(name, variant, p0, g0):
    """A zero-argument function doing one update of a copy of p0 with the gradient (a copy of g0), that copy
    of p0 and the gradient. torch 1.13's foreach SGD with nesterov adds momentum * buffer into the gradient in
    place (weight decay 0), so the check restores the gradient before each update, as a training step's backward
    would; the timed loop does not (same ops per update; the gradient grows to inf/NaN, no slower on x86)."""
    p = p0.clone().requires_grad_(True)
    p.grad = g0.clone()
    data, grad = p.detach(), p.grad
    if variant == "paper":
        if name == "lion":
            m = torch.zeros_like(data)

            def update():
                with torch.no_grad():
                    lion_paper(data, grad, m, 1e-4, 0.9, 0.99, 0.0)
            return update, data, grad
        if name == "sf-sgd":
            return ScheduleFreeSgd(data, grad).update, data, grad
        if name == "sf-adamw":
            return ScheduleFreeAdamW(data, grad).update, data, grad
        raise ValueError(f"no reference written here for {name}: expected lion, sf-sgd or sf-adamw")
    foreach = {"single": False, "foreach": True}[variant]
    if name not in TORCH_OPTIM:
        raise ValueError(f"{name} is not in torch.optim 1.13: use the paper variant")
    step = TORCH_OPTIM[name]([p], foreach).step
    if name != "adamw-ema":
        return step, data, grad
    average = data.clone()

    def update_ema():
        step()
        with torch.no_grad():
            average.mul_(EMA_DECAY).add_(data, alpha=1 - EMA_DECAY)
    return update_ema, data, grad


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
                model = load(args[0], args[1])
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
                    generator = torch.Generator().manual_seed(0)
                    p0 = torch.randn(size, generator=generator)
                    updaters[key] = rule_updater(name, variant, p0, torch.randn(size, generator=generator))[0]
                reply({"us": timed(updaters[key], count)})
            elif command == "rulecheck":
                name, variant, steps, source, target = args[0], args[1], int(args[2]), args[3], args[4]
                both = torch.from_numpy(np.fromfile(source, dtype="<f4"))
                half = both.numel() // 2
                update, data, grad = rule_updater(name, variant, both[:half], both[half:])
                for _ in range(steps):
                    grad.copy_(both[half:])
                    update()
                data.numpy().astype("<f4").tofile(target)
                reply({"checked": name})
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
    torch.manual_seed(0)
    net = SmallCnn()
    model = Model(net, {"x0": torch.randn(32, 1, 28, 28), "y0": torch.randint(0, 10, (32,))})
    timed(model.step, 50)
    times = sorted(timed(model.step, 300))
    print(f"cnn-s, PyTorch eager, {threads} thread(s): median {times[len(times) // 2]:.0f} us, min {times[0]:.0f} us")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--standalone":
        standalone(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    else:
        serve()
