"""Speed of the toy-model trainers at the size of the paper's Fig 1 (D=100, N=500, P=550).

Prints milliseconds per run-step for
  (a) a naive PyTorch loop: nn.Parameter, loss.backward(), optim.SGD,
  (b) gklib's direct engine (analytic gradient on W),
  (c) gklib's stats engine (exact dynamics of the summary statistics, cost independent of N),
  (d) the stats engine on an 8-run alpha sweep (one batched computation),
and each one's speed-up over (a). Target: (d) >= 20x faster than (a) per run-step.

Cost model (multiply-adds per run-step): naive and direct ~ 2PND; stats ~ 2PD(K + 2) with
K = min(N, D) (H = XZ and Xᵀ(r ⊙ H)), independent of the width. At the Fig 1 size the ratio of the
two is only ~ N / (K + 2) ~ 5,
so the speed-up there is bounded by arithmetic, not overhead; it grows linearly with N
(try --N 5000).

    .venv/bin/python benchmarks/bench_toy.py [--steps 400] [--N 500] [--device cpu] [--dtype float32]
"""
import argparse
import time

import torch

import gklib as gk


def naive_loop(task, D, N, alpha, eps, steps, device, dtype):
    W = torch.nn.Parameter(torch.randn(N, D, device=device, dtype=dtype))
    X, y = task.X, task.y
    with torch.no_grad():
        h0 = X @ W.T
        f0 = alpha / N * (h0 + eps / 2 * h0**2).sum(-1)
    opt = torch.optim.SGD([W], lr=N / alpha**2)
    for _ in range(steps):
        h = X @ W.T
        loss = ((alpha / N * (h + eps / 2 * h**2).sum(-1) - f0 - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


def timed(fn, repeats=3):
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        t = time.perf_counter()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--N", type=int, default=500, help="width (the paper's Fig 1: 500)")
    ap.add_argument("--device", default=None)
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    args = ap.parse_args()
    device, dtype = gk.get_device(args.device), getattr(torch, args.dtype)
    D, N, P, steps = 100, args.N, 550, args.steps
    alphas = [0.25, 0.5, 1, 2, 4, 8, 16, 32]
    task = gk.quadratic_task(D=D, P=P, P_test=1000, seed=0, device=device, dtype=dtype)

    def run(engine, alpha):
        model = gk.CommitteeMachine(D, N, alpha=alpha, eps=0.02, seed=0, device=device, dtype=dtype)
        gk.train(model, task, steps, engine=engine, n_log=20, progress_bar=False)

    rows = [
        ("(a) naive autograd loop", 1, lambda: naive_loop(task, D, N, 1.0, 0.02, steps, device, dtype)),
        ("(b) gklib direct", 1, lambda: run("direct", 1.0)),
        ("(c) gklib stats", 1, lambda: run("stats", 1.0)),
        ("(d) gklib stats, 8-run alpha sweep", len(alphas), lambda: run("stats", alphas)),
    ]
    print(f"D={D} N={N} P={P} steps={steps} device={device} dtype={args.dtype} "
          f"threads={torch.get_num_threads()}")
    print(f"cost model: naive/stats multiply-adds = {2 * P * N * D / (2 * P * D * (min(N, D) + 2)):.1f}")
    base = None
    for name, runs, fn in rows:
        ms = timed(fn) / (steps * runs) * 1e3
        base = base or ms
        print(f"{name:38s} {ms:8.3f} ms per run-step   speed-up vs (a): {base / ms:6.1f}x")


if __name__ == "__main__":
    main()
