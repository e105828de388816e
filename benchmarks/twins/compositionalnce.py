# The PyTorch twin of examples/CompositionalNce: one-dimensional Gaussian mean estimation with the unnormalized
# model f_θ(x) = −(x − θ)²/2, by NCE (logistic regression of data against noise q = N(0, σ²), logit
# f_θ + c − log q, c learned) and by the compositional objective of Wang et al. (2023) with a moving average u
# of E_q[e^f/q] held out of the gradient; plain SGD from θ = 0, batches of 64. Prints the first iteration with
# |θ − θ*| < 0.05 on seeds 0-9 (the same kind of draws as the example, not the same numbers).
# Lines between the loc markers are what benchmarks/loc.py counts.
#
#   /usr/bin/python3 benchmarks/twins/compositionalnce.py
import math

import torch

torch.set_num_threads(1)


# loc: begin
def log_q(y, sigma):
    return -y ** 2 / (2 * sigma ** 2) - math.log(sigma) - 0.5 * math.log(2 * math.pi)


def f(x, theta):
    return -(x - theta) ** 2 / 2


def nce_loss(x, theta, c, sigma):
    y = sigma * torch.randn_like(x)
    data_logit = f(x, theta) + c - log_q(x, sigma)
    noise_logit = f(y, theta) + c - log_q(y, sigma)
    return -torch.nn.functional.logsigmoid(data_logit).mean() - torch.nn.functional.logsigmoid(-noise_logit).mean()


class Compositional:
    def __init__(self, gamma=0.1):
        self.gamma, self.u = gamma, None

    def loss(self, x, theta, sigma):
        y = sigma * torch.randn_like(x)
        ratio = torch.exp(f(y, theta) - log_q(y, sigma))
        mean = ratio.detach().mean()
        self.u = mean if self.u is None else (1 - self.gamma) * self.u + self.gamma * mean
        return ratio.mean() / self.u - f(x, theta).mean()


def run(method, theta_star, sigma, lr, seed, iterations=2000):
    torch.manual_seed(seed)
    theta, c = torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([theta, c] if method == "nce" else [theta], lr=lr)
    compositional = Compositional()
    for i in range(1, iterations + 1):
        x = theta_star + torch.randn(64)
        loss = nce_loss(x, theta, c, sigma) if method == "nce" else compositional.loss(x, theta, sigma)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        # loc: end
        if abs(theta.item() - theta_star) < 0.05:
            return i
    return iterations + 1


print("| q's σ | θ* | method | learning rate | iterations to |θ − θ*| < 0.05 (seeds 0-9) |")
print("|---|---|---|---|---|")
for sigma in [1, 3]:
    for theta_star in [1, 3, 5]:
        for method in ["nce", "compositional"]:
            lr = 3 if method == "nce" and sigma == 1 else 1
            print(f"| {sigma} | {theta_star} | {method} | {lr} | {[run(method, theta_star, sigma, lr, seed) for seed in range(10)]} |", flush=True)
