# The PyTorch side of benchmarks/TrainingStep: the same step and the same Adam update, timed the same way.
# Usage: /usr/bin/python3 benchmarks/TrainingStep/pytorch_step.py THREADS
import torch, time, sys
threads = int(sys.argv[1]); torch.set_num_threads(threads)
torch.manual_seed(0)
for batch in (64, 128):
    net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.randn(batch, 784); y = torch.randint(0, 10, (batch,))
    def step():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(net(x), y)
        loss.backward(); opt.step(); return loss.item()
    for _ in range(50): step()
    n = 500; t = time.perf_counter()
    for _ in range(n): step()
    print(f"torch {threads} thread(s) batch {batch} adam step: {(time.perf_counter()-t)/n*1e6:.0f} us")
p = torch.zeros(784, 256, requires_grad=True); o = torch.optim.Adam([p], lr=1e-3); p.grad = torch.randn(784, 256)
for _ in range(50): o.step()
t = time.perf_counter(); n = 500
for _ in range(n): o.step()
print(f"torch {threads} thread(s) Adam update of 784x256: {(time.perf_counter()-t)/n*1e6:.0f} us")
