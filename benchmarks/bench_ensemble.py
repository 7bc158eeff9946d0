"""Speed-up of one batched (vmap) α sweep over a Python loop of single runs.

Usage: ``.venv/bin/python benchmarks/bench_ensemble.py [--steps 1000] [--threads 1] [--device cpu]``

For each workload it trains the same ``R`` runs twice with :func:`gklib.nets.trainer.fit`:
once as one call with ``alpha=[...]`` (stacked parameters, one vmapped forward/backward per step),
once as ``R`` calls with a scalar ``alpha``; it checks that both give the same losses and prints
the wall-clock ratio. Timings on a shared machine are noisy: take the best of ``--repeat``.

It also counts the floating-point operations of one training step of one run (forward + backward,
``torch.utils.flop_counter.FlopCounterMode``, matrix products only) and prints the throughput both
ways, next to a large matrix product's throughput on the same device for reference. Batching saves the
per-call overhead (Python, autograd, the optimiser's small tensor ops), not arithmetic: where a
single full-batch step already keeps a core busy with matrix products (the chapters' sweeps on a CPU),
the gain is bounded by the overhead share, about 1.3-1.6x here; where a step is small (the
student-teacher MLP, 100 points) the overhead dominates and batching pays more. On a GPU a small run
cannot fill the device, so the gain should be far larger there (not measured: no GPU was lent).
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from torch.utils.flop_counter import FlopCounterMode

from gklib.nets import MLP, QuadraticMLP, Transformer1L, fit, modular_addition, student_teacher


def workloads(R):
    alphas = list(np.geomspace(0.25, 4, R))
    mod = modular_addition(23, 0.9, seed=1)
    tok = modular_addition(23, 0.5, seed=0, encoding="tokens")
    return {
        "modular MLP (Fig 2), GD": (QuadraticMLP(46, 100, 23), mod,
                                    dict(alpha=alphas, lr=1500.0, lr_alpha_power=2, center=False)),
        "1-layer Transformer, AdamW, CE": (Transformer1L(23, 32, 4, d_mlp=128), tok,
                                           dict(alpha=[a / 10 for a in alphas], lr=1e-3, lr_alpha_power=1,
                                                loss="ce", optimizer="adamw", weight_decay=1.0)),
        "tanh MLP 46-100-100-23, AdamW": (MLP([46, 100, 100, 23], "tanh"), mod,
                                        dict(alpha=alphas, lr=1e-3, optimizer="adamw")),
        "student-teacher 5-100-100-5, AdamW": (MLP([5, 100, 100, 5], "tanh", init_scale=2.0),
                                               student_teacher(MLP([5, 100, 100, 5], "tanh", seed=100)),
                                               dict(alpha=alphas, lr=3e-3, optimizer="adamw",
                                                    weight_decay=0.05, center=False)),
    }


def step_flops(net, task):
    """Floating-point operations of one full-batch forward + backward pass of one run."""
    with FlopCounterMode(display=False) as counter:
        net(task.X).float().square().mean().backward()
    net.zero_grad(set_to_none=True)
    return counter.get_total_flops()


def matmul_gflops(device, n=1024, reps=20):
    """Reference throughput of this device: a large float32 matrix product, in GFLOP/s."""
    a = torch.randn(n, n, device=device)
    a @ a
    t = time.perf_counter()
    for _ in range(reps):
        b = a @ a
    float(b[0, 0])                                           # waits for an asynchronous device
    return 2 * n ** 3 * reps / (time.perf_counter() - t) / 1e9


def timed(fn, repeat):
    best, out = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--runs", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    print(f"R={a.runs} runs, {a.steps} steps, device={a.device}, threads={a.threads}; "
          f"reference: a 1024x1024 float32 matmul runs at {matmul_gflops(a.device):.0f} GFLOP/s "
          f"(counts below are matrix-product FLOPs of the training steps)")
    for name, (net, task, kw) in workloads(a.runs).items():
        common = dict(steps=a.steps, n_log=10, device=a.device, progress_bar=False)
        tb, batched = timed(lambda: fit(net, task, **kw, **common), a.repeat)

        def loop():
            return [fit(net, task, **{**kw, "alpha": al}, **common) for al in kw["alpha"]]

        tl, single = timed(loop, a.repeat)
        gflop = step_flops(net, task) * a.runs * a.steps / 1e9
        err = max(np.nanmax(np.abs(batched.train_loss[i] - s.train_loss) / (np.abs(s.train_loss) + 1e-12))
                  for i, s in enumerate(single))
        print(f"{name:36s} batched {tb:6.2f} s ({gflop / tb:5.1f} GFLOP/s)   loop {tl:6.2f} s "
              f"({gflop / tl:5.1f} GFLOP/s)   speed-up x{tl / tb:5.2f}   (max rel. loss difference {err:.1e})")


if __name__ == "__main__":
    main()
