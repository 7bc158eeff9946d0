"""threshold_accuracy_tracks: the training-set threshold accuracy at every θ, checked against fit's own
training accuracy (which uses the first threshold) and a direct evaluation of the trained modules."""
import numpy as np
import pytest
import torch

from gklib.nets import MLP, fit, student_teacher, threshold_accuracy_tracks


def test_matches_fit_and_direct_evaluation():
    torch.manual_seed(0)
    task = student_teacher(MLP([3, 8, 2], "tanh", seed=1), D=3, P=20, P_test=10, seed=0)
    alphas, ths = [0.5, 2.0], [1e-3, 1e-2, 1e-1]
    tr = threshold_accuracy_tracks(task.X, task.y, alphas, ths)
    assert sorted(tr) == ["train_acc@0.001", "train_acc@0.01", "train_acc@0.1"]
    h = fit(MLP([3, 8, 2], "tanh", seed=2), task, alpha=alphas, steps=30, lr=1e-2, optimizer="adam",
            center=False, thresholds=ths, n_log=5, track=tr)
    # fit's own training accuracy is the fraction below the first threshold
    np.testing.assert_allclose(h.extra["train_acc@0.001"], h.train_acc, atol=1e-12)
    # at the end: direct evaluation of the trained modules
    for r, a in enumerate(alphas):
        with torch.no_grad():
            err = ((a * h.module(r)(task.X) - task.y) ** 2).mean(-1)
        for t in ths:
            assert h.extra[f"train_acc@{t:g}"][r, -1] == pytest.approx(float((err < t).double().mean()))
    # looser θ, more points count
    assert np.all(h.extra["train_acc@0.1"] >= h.extra["train_acc@0.01"])


@pytest.mark.parametrize("bad", [[0.0], [-1e-3], [np.inf]])
def test_invalid_thresholds(bad):
    with pytest.raises(ValueError, match="thresholds"):
        threshold_accuracy_tracks(torch.zeros(2, 1), torch.zeros(2, 1), 1.0, bad)


def test_condition_seed_figure_layout_and_markers():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from gklib.nets import feature_kernel_change, modular_addition, Transformer1L
    from gklib.viz import condition_seed_figure
    tok = modular_addition(5, 0.7, seed=0, encoding="tokens")
    nets = [Transformer1L(5, 8, n_heads=2, d_mlp=16, seed=s) for s in (0, 1) for _ in range(3)]
    h = fit(nets, tok, alpha=[1.0, 2.0, 3.0] * 2, steps=20, lr=1e-2, loss="ce", optimizer="adamw",
            n_log=5, track={"fc": feature_kernel_change(tok.X_test)})
    axes = condition_seed_figure(h, ["a", "b", "c"], 2, key="fc", plateau=0.5)
    assert axes.shape == (2, 3)
    # two initialisations per condition: a train and a test curve each on top, one d_t curve each below
    assert all(len([ln for ln in ax.lines if len(ln.get_xdata()) > 1]) == 2 * 2 + 1 for ax in axes[0])
    assert all(len(ax.lines) == 2 for ax in axes[1])
    with pytest.raises(ValueError, match="n_seeds"):
        condition_seed_figure(h, ["a", "b"], 2)
    plt.close("all")
