"""Chapter 5's seed sweeps frame by frame, and the pieces its static sliders share.

- :func:`seed_slider_html` — a static slider with one output scale α of a :func:`gklib.nets.seed_sweep`
  per frame: every seed's losses with their crossings, and every seed's accuracies with a tracked
  laziness series; the medians over the seeds of the crossing times in the frame's title (what the
  whole-sweep figure :func:`~gklib.viz.nets.seed_sweep_figure` does not show).

The private helpers (a run's loss pair, its drawing with the crossings, the crossing sentence of a frame
title, the seed grid of a sweep) are used by :func:`~gklib.viz.nets.run_slider_html` as well, so that both
sliders draw and word a crossing the same way.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from ..comparisons import spread
from ..history import History
from ..params import Real, validate_params
from . import _checks as c
from .figures import step_axis

__all__ = ["seed_slider_html"]

SEED_SWEEP = c.Duck(History, what="a gklib History with params 'seed' and 'alpha'",
                    test=lambda v: isinstance(v, History) and {"seed", "alpha"} <= set(v.params),
                    example=lambda: History(steps=np.arange(2.0), train_loss=np.ones(2), test_loss=np.ones(2),
                                            weight_norm=np.ones(2), params={"seed": 0, "alpha": 1.0}))


def _colors(n, cmap="viridis"):
    return plt.get_cmap(cmap)(np.linspace(0, 0.9, n))


def _seed_grid(hist):
    """``(S, A, alphas)`` of a seed-major seed sweep (run ``i·A + j``: seed ``i``, ``alphas[j]``)."""
    seeds = np.atleast_1d(np.asarray(hist.params["seed"]))
    S = np.unique(seeds).size
    al = np.atleast_1d(np.asarray(hist.params["alpha"], dtype=float))
    A = al.size // S
    if S * A != al.size or np.any(seeds.reshape(S, A) != seeds.reshape(S, A)[:, :1]):
        raise ValueError("hist must be a seed sweep ordered seed-major (run i·len(alpha) + j: seed i, alpha j)")
    return S, A, al[:A]


def _loss_series(hist, i, relative):
    tr, te = np.asarray(hist.train_loss[i], float), np.asarray(hist.test_loss[i], float)
    return (tr / tr[0], te / te[0]) if relative else (tr, te)


def _loss_ylim(hist, runs, relative):
    """One loss range for every frame: all the runs' positive finite losses, with a margin."""
    v = np.concatenate([np.concatenate(_loss_series(hist, i, relative)) for i in runs])
    v = v[np.isfinite(v) & (v > 0)]
    return (max(v.min(), 1e-8) / 1.5, v.max() * 1.5) if v.size else (1e-3, 10.0)


def _draw_losses(ax, hist, i, relative, loss_level, t_train, t_test, color, labels=(None, None)):
    """Run ``i``'s train (dashed) and test (solid) loss, a circle where the train and a star where the
    test loss first cross ``loss_level`` (dotted)."""
    x = step_axis(hist.steps)
    tr, te = _loss_series(hist, i, relative)
    ax.plot(x, tr, "--", color=color, label=labels[0])
    ax.plot(x, te, "-", color=color, label=labels[1])
    for t, mk in ((t_train, "o"), (t_test, "*")):
        if np.isfinite(t):
            ax.plot(t + 1, loss_level, mk, color=color, mec="k", ms=9 if mk == "*" else 6, zorder=3)
    ax.axhline(loss_level, color="gray", lw=0.8, ls=":")
    ax.set(xscale="log", yscale="log", xlabel="step + 1", ylabel="loss / initial loss" if relative else "loss")


def _crossing_text(t_train, t_test, ratio, key_label, key_fit):
    """The crossing sentence of a frame title: the loss fit, the test crossing, their ratio, ``key`` then."""
    return (f"loss fit at step {f'{t_train:.0f}' if np.isfinite(t_train) else 'never'}, "
            + (f"test at {t_test:.0f}" if np.isfinite(t_test) else "test not within the run")
            + (f" (×{ratio:.2f})" if np.isfinite(ratio) else "")
            + f"; {key_label} at the fit " + (f"{key_fit:.2f}" if np.isfinite(key_fit) else "—"))


def _seed_medians(ds, S, A):
    """Per α, the medians over the seeds of :func:`~gklib.nets.delay_summary`'s loss crossings (``inf``,
    never crossed, counts as the largest, as in :func:`~gklib.comparisons.spread`), and of the ratio and
    ``key`` at the fit over the seeds whose training loss crossed (NaN when none did)."""
    def nanmed(v):
        v = np.asarray(v, float).reshape(S, A)
        return np.array([np.median(col[~np.isnan(col)]) if (~np.isnan(col)).any() else np.nan for col in v.T])

    return {"loss_train": spread(ds["loss_train"].reshape(S, A))["median"],
            "loss_test": spread(ds["loss_test"].reshape(S, A))["median"],
            "loss_ratio": nanmed(ds["loss_ratio"]), "key_at_fit": nanmed(ds["key_at_fit"])}


@validate_params(hist=SEED_SWEEP, key=c.TEXT, loss_level=c.LEVEL, relative=c.FLAG, acc_level=Real(0, 1),
                 plateau=Real(0, 1, none_ok=True), key_label=c.TEXT, label=c.NON_EMPTY)
def seed_slider_html(hist: History, key: str, loss_level: float, *, relative: bool = False,
                     acc_level: float = 0.9, plateau: float | None = None, key_label: str = "$d_t$",
                     label: str = "α"):
    r"""A static slider (:func:`~gklib.viz.slider.slider_figure`) with one output scale α of a seed sweep
    per frame, all its seeds (one colour each) on two panels.

    Left: every seed's train (dashed) and test (solid) loss — divided by its initial value when
    ``relative`` — with the level ``loss_level`` dotted, a circle where the train loss and a star where
    the test loss first fall below it (:math:`t_{\rm train}`, :math:`t_{\rm test}` of
    :func:`gklib.nets.delay_summary`). Right, on one axis from 0 to 1: every seed's train (dashed) and test
    (solid) accuracy, with a circle and a star where they first reach ``acc_level``, the tracked series
    ``hist.extra[key]`` (dotted, red; e.g. the feature-kernel change :math:`d_t`) and ``plateau``
    (dotted grey). The frame's title: the medians over the seeds of :math:`t_{\rm train}` and
    :math:`t_{\rm test}` (a seed that never crossed counts as later than every other), of the ratio
    :math:`t_{\rm test}/t_{\rm train}` and of ``key`` at :math:`t_{\rm train}` (both over the seeds whose
    training loss crossed). Axis limits are the same in every frame.

    How to read it: slide from small to large α and watch the stars move away from the circles while
    the seeds stay together (or not); the dotted series says how far the features moved by the fit.

    Parameters
    ----------
    hist : History
        A :func:`gklib.nets.seed_sweep` (runs seed-major, ``params["seed"]`` and ``params["alpha"]``)
        with accuracies and ``hist.extra[key]``.
    key : str
        The tracked series (values in [0, 1]).
    loss_level : float
        > 0, the crossing level (a fraction of the initial loss when ``relative``, then < 1).
    relative : bool, default False
        Losses divided by their initial value.
    acc_level : float, default 0.9
        Accuracy level in ``[0, 1]`` of the markers on the right.
    plateau : float or None, default None
        An accuracy in ``[0, 1]`` drawn dotted grey (e.g. the memorisation plateau).
    key_label : str, default "$d_t$"
        Name of ``key``.
    label : str, default "α"
        The slider's name.

    Returns
    -------
    StaticSlider
        One frame per α, in the sweep's order.

    Raises
    ------
    ValueError
        ``hist.extra`` has no ``key``, ``hist`` is not ordered seed-major, or ``loss_level >= 1`` with
        ``relative``.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numpy as np, gklib as gk
    >>> loss = np.array([[1.0, 0.5, 0.05, 0.01], [1.0, 0.9, 0.5, 0.2]] * 2)      # 2 seeds × 2 α
    >>> acc = np.clip(1 - loss, 0, 1)
    >>> h = gk.History(steps=np.array([0, 10, 100, 1000]), train_loss=loss ** 2, test_loss=loss,
    ...                weight_norm=np.ones((4, 4)), train_acc=acc, test_acc=acc, extra={"d": acc / 2},
    ...                params={"seed": np.array([0, 0, 1, 1]), "alpha": np.array([0.1, 1.0, 0.1, 1.0])})
    >>> s = gk.viz.seed_slider_html(h, "d", 0.1, plateau=0.5)
    >>> len(s.frames), s.labels, 'data-gk-slider="α"' in s.html
    (2, ['0.1', '1'], True)
    """
    from ..nets.experiments import delay_summary
    from .slider import slider_figure

    if key not in hist.extra:
        raise ValueError(f"hist.extra has no {key!r}; log it with fit(..., track={{{key!r}: ...}})")
    S, A, alphas = _seed_grid(hist)
    ds = delay_summary(hist, loss_level, relative=relative, acc_level=acc_level, key=key)
    med = _seed_medians(ds, S, A)
    seeds = np.asarray(hist.params["seed"]).reshape(S, A)[:, 0]
    x = step_axis(hist.steps)
    v = np.atleast_2d(hist.extra[key])
    cols = _colors(S, "plasma")
    xlim = (x.min() / 1.3, x.max() * 1.3)

    def draw(j, axes):
        a, b = axes
        for s in range(S):
            i = s * A + j
            _draw_losses(a, hist, i, relative, loss_level, ds["loss_train"][i], ds["loss_test"][i], cols[s])
            b.plot(x, hist.train_acc[i], "--", color=cols[s], lw=1.0)
            b.plot(x, hist.test_acc[i], "-", color=cols[s], lw=1.2)
            for t, acc, mk in ((ds["acc_train"][i], hist.train_acc[i], "o"),
                               (ds["acc_test"][i], hist.test_acc[i], "*")):
                if np.isfinite(t):
                    k = int(np.searchsorted(hist.steps, t))
                    b.plot(x[k], acc[k], mk, color=cols[s], mec="k", ms=9 if mk == "*" else 5.5, zorder=3)
            b.plot(x, v[i], ":", color="C3", lw=1.6)
        if plateau is not None:
            b.axhline(plateau, color="gray", lw=0.8, ls=":")
        b.set(xscale="log", xlabel="step + 1", ylabel="accuracy and " + key_label)
        if not a.figure.legends:                                   # one key below, for every frame
            a.figure.legend(handles=entries, loc="outside lower center", ncol=-(-len(entries) // 3), fontsize=8.5)
        n_tr, n_te = (int(np.isfinite(ds[k].reshape(S, A)[:, j]).sum()) for k in ("loss_train", "loss_test"))
        a.figure.suptitle(f"{label} = {alphas[j]:g}, medians over {S} seeds (the train loss crossed in {n_tr}, "
                          f"the test loss in {n_te}):\n"
                          + _crossing_text(med["loss_train"][j], med["loss_test"][j], med["loss_ratio"][j],
                                           key_label, med["key_at_fit"][j]), fontsize=10)

    entries = [Line2D([], [], color=cols[s], lw=1.5, label=f"seed {seeds[s]}") for s in range(S)]
    entries += [Line2D([], [], color="0.25", ls=ls, label=lab)
                for ls, lab in (("--", "train (dashed)"), ("-", "test (solid)"))]
    entries += [Line2D([], [], ls="none", color="w", marker=mk, mec="k", ms=ms, label=lab)
            for mk, ms, lab in (("o", 6, "first crossing, train"), ("*", 9, "first crossing, test"))]
    entries += [Line2D([], [], color="C3", ls=":", lw=1.6, label=f"{key_label} (dotted)")]
    entries += [Line2D([], [], color="gray", ls=":", lw=0.8, label="plateau")] if plateau is not None else []
    return slider_figure(draw, list(alphas), label=label, fmt="{:g}", panels=2, height=3.9,
                         limits=[{"xlim": xlim, "ylim": _loss_ylim(hist, range(hist.R), relative)},
                                 {"xlim": xlim, "ylim": (-0.03, 1.03)}],
                         title="one output scale of the seed sweep per frame")
