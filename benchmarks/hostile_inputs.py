"""Try hostile inputs on the public API and count the outcomes (issue #20's measure).

Usage: ``.venv/bin/python benchmarks/hostile_inputs.py [--timeout 20] [-v]``

Every public callable below is called with valid arguments except one, which takes each value of a
hostile list (negative, zero, huge, NaN, infinite, fractional, boolean, string, None, wrong shapes).
Each call is classified:

* **clear** — ``ValueError``/``TypeError`` whose message names the parameter, or a divergence reported
  with its step and the advice to lower the rate;
* **obscure** — any other exception, or one that does not name the parameter;
* **ok** — a finite result (a valid edge value, e.g. ``steps=0``);
* **silent** — a result with NaN/inf where the input was invalid, or a call that ran past ``--timeout``
  seconds (a hang).

The script prints one line per non-clear case and the totals; it is a measure, not a test (the
property-based tests in ``tests/test_reliability.py`` guard the same ground in CI).
"""
from __future__ import annotations

import argparse
import math
import signal
import warnings

import numpy as np
import torch

import gklib as gk
from gklib import dmft
from gklib.nets import MLP, fit
from gklib.toy.linearized import train_linearized

HOSTILE = [-1, 0, 0.5, 2.5, -0.0, 1e30, 2**70, float("nan"), float("inf"), -float("inf"), True, "3", None,
           [1.0, -1.0], ()]


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


def finite(out) -> bool:
    if isinstance(out, gk.History):          # runs stopped early (stop_below) end in NaN by design
        return bool(np.isfinite(out.final("train_loss")).all() or np.any(out.diverged))
    if isinstance(out, torch.Tensor):
        return bool(torch.isfinite(out).all()) if out.is_floating_point() else True
    if isinstance(out, np.ndarray):
        return bool(np.isfinite(out).all()) if out.dtype.kind == "f" else True
    if isinstance(out, float):
        return math.isfinite(out) or out == math.inf          # inf: "never crossed"
    if isinstance(out, dict):
        return all(finite(v) for v in out.values() if isinstance(v, (float, np.ndarray, torch.Tensor)))
    return True


def cases():
    task = gk.quadratic_task(D=4, P=10, P_test=8, seed=0)
    X = torch.randn(10, 2)
    data = (X, X[:, 0] * X[:, 1])
    K = torch.eye(4) + 0.1
    small = dict(D=4, P=10, P_test=8, seed=0)
    yield "quadratic_task", lambda **k: gk.quadratic_task(**{**small, **k}), ["D", "P", "P_test", "seed", "beta_scale"]
    yield "CommitteeMachine", lambda **k: gk.CommitteeMachine(**{**dict(D=4, N=3, alpha=1.0, eps=0.1, seed=0), **k}), \
        ["D", "N", "alpha", "eps", "seed"]
    yield "train", lambda **k: gk.train(gk.CommitteeMachine(4, 3), task, **{**dict(steps=5, lr_scale=0.5,
                                                                                 progress_bar=False), **k}), \
        ["steps", "lr_scale", "log_every", "n_log", "weight_decay", "momentum", "stop_below"]
    yield "train_linearized", lambda **k: train_linearized(gk.CommitteeMachine(4, 3), task,
                                                           **{**dict(steps=5, lr_scale=0.5), **k}), \
        ["steps", "lr_scale", "log_every", "n_log"]
    yield "fit", lambda **k: fit(MLP([2, 3, 1], "tanh", seed=0), data, **{**dict(steps=3, lr=0.01), **k}), \
        ["steps", "lr", "alpha", "weight_decay", "batch_size", "warmup", "momentum", "n_log", "seed"]
    yield "first_below", lambda **k: gk.first_below(**{**dict(steps=[0, 1, 2], values=[1.0, 0.5, 0.1],
                                                              threshold=0.3), **k}), ["threshold"]
    yield "kernel_regression", lambda **k: gk.kernel_regression(**{**dict(K_train=K, y=torch.ones(4)), **k}), \
        ["ridge", "rcond"]
    yield "mercer_spectrum", lambda **k: gk.mercer_spectrum(**{**dict(D=4, eps=0.1), **k}), ["D", "eps"]
    yield "kernel_theory_curve", lambda **k: gk.kernel_theory_curve(**{**dict(D=4, eps=0.1, Ps=[2, 8]), **k}), \
        ["D", "eps", "ridge", "q_star"]
    yield "feature_covariance_spectrum", lambda **k: gk.feature_covariance_spectrum(
        **{**dict(D=3, eps=0.1, n_samples=50), **k}), ["D", "eps", "n_samples", "chunk", "seed"]
    yield "log_grid", lambda **k: gk.log_grid(**{**dict(steps=10), **k}), ["steps", "n_log", "log_every"]
    yield "modular_addition", lambda **k: gk.modular_addition(**{**dict(p=5, train_frac=0.5), **k}), \
        ["p", "train_frac", "seed"]
    yield "solve_online", lambda **k: dmft.solve_online(**{**dict(N=2, alpha=1.0, eps=0.25, t_max=2.0), **k}), \
        ["N", "alpha", "eps", "t_max", "dt"]
    yield "solve_dmft", lambda **k: dmft.solve_dmft(**{**dict(N=2, rho=5.0, alpha=1.0, eps=0.25, dt=0.5, steps=3,
                                                                samples=64), **k}), \
        ["N", "rho", "alpha", "eps", "dt", "steps", "samples"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=int, default=20)
    ap.add_argument("-v", action="store_true", help="also print the clear cases")
    a = ap.parse_args()
    torch.set_num_threads(1)
    signal.signal(signal.SIGALRM, _alarm)
    counts = {"clear": 0, "obscure": 0, "ok": 0, "silent": 0}
    for fname, call, params in cases():
        for p in params:
            for v in HOSTILE:
                signal.alarm(a.timeout)
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        out = call(**{p: v})
                    kind = "ok" if finite(out) else "silent"
                    msg = "" if kind == "ok" else "non-finite result"
                except Hang:
                    kind, msg = "silent", f"hang (> {a.timeout} s)"
                except (ValueError, TypeError) as err:
                    kind, msg = ("clear", str(err)) if p in str(err) else ("obscure", f"{type(err).__name__}: {err}")
                except RuntimeError as err:   # a diverging run reported with its step is a clear answer
                    clear = "diverge" in str(err) and "smaller" in str(err)
                    kind, msg = ("clear" if clear else "obscure"), f"RuntimeError: {err}"
                except Exception as err:  # noqa: BLE001 - classifying every failure is the point
                    kind, msg = "obscure", f"{type(err).__name__}: {err}"
                finally:
                    signal.alarm(0)
                counts[kind] += 1
                if kind in ("obscure", "silent") or a.v:
                    print(f"{kind:8s} {fname}({p}={v!r}): {msg[:110]}")
    total = sum(counts.values())
    print(f"\n{total} cases: " + ", ".join(f"{k} {n}" for k, n in counts.items()))


if __name__ == "__main__":
    main()
