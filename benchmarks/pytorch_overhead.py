"""PyTorch 1.13's eager figures for the same calls as Dsl.Benchmarks' CallOverhead and MatMul suites.

Run with Debian's python3 (the one that can import torch):  /usr/bin/python3 benchmarks/pytorch_overhead.py
Each figure is the median of 7 timings of a loop, in the same shapes as the C# benchmarks, under
torch.inference_mode() (as Dsl's shim runs) and with torch.set_num_threads(1) (Dsl's default).
"""
import statistics
import time

import torch


def median_ns(fn, calls):
    for _ in range(calls // 10 + 1):
        fn()
    samples = []
    for _ in range(7):
        start = time.perf_counter_ns()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter_ns() - start) / calls)
    return statistics.median(samples)


def main():
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, intra-op threads {torch.get_num_threads()}")
    with torch.inference_mode():
        g = torch.Generator().manual_seed(7)
        a, b = torch.randn(8, 8, generator=g), torch.randn(8, 8, generator=g)
        out, acc = torch.zeros(8, 8), torch.zeros(8, 8)
        big_a, big_b, big_out = torch.randn(1024, 1024), torch.randn(1024, 1024), torch.zeros(1024, 1024)
        rows = [
            ("torch.add(a, b) (new tensor)", lambda: torch.add(a, b), 200_000, None),
            ("acc.add_(b)", lambda: acc.add_(b), 200_000, None),
            ("torch.add(a, b, out=out)", lambda: torch.add(a, b, out=out), 200_000, None),
            ("torch.mm(a, b, out=out) 8x8", lambda: torch.mm(a, b, out=out), 200_000, 2 * 8 ** 3),
            ("torch.mm(a, b.t(), out=out) 8x8", lambda: torch.mm(a, b.t(), out=out), 200_000, 2 * 8 ** 3),
            ("torch.mm(a, b, out=out) 1024³", lambda: torch.mm(big_a, big_b, out=big_out), 20, 2 * 1024 ** 3),
        ]
        for name, fn, calls, flops in rows:
            ns = median_ns(fn, calls)
            rate = f"{flops / ns:8.1f} GFLOP/s" if flops else ""
            print(f"{name:36s} {ns / 1000:10.3f} µs {rate}")


if __name__ == "__main__":
    main()
