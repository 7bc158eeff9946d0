"""Paper Fig 6 (chapter 1): the α, σ and joint sweeps of gklib.toy.equivalence against plain autograd GD
on the scaled weights, and the figure that draws them."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import gklib as gk  # noqa: E402
from gklib.toy.equivalence import SWEEPS, weight_scale_sweeps  # noqa: E402
from gklib.viz.story import plot_weight_scale_sweeps  # noqa: E402
from gklib.viz.style import TEXT_WIDTH  # noqa: E402

torch.set_num_threads(1)
SIG = [0.5, 1.0, 2.0]


@pytest.fixture(scope="module")
def sweeps():
    task = gk.quadratic_task(D=6, P=20, P_test=40, seed=0, dtype=torch.float64)
    return task, weight_scale_sweeps(task, SIG, N=8, eps=0.3, steps=30, lr_scale=0.5, seed=3, log_every=1)


def _plain_gd(W0, X, y, alpha, eps, lr, steps):
    """Autograd GD on the centred MSE of f = alpha/N sum phi(w.x): the slow reference."""
    def f(W):
        h = X @ W.T
        return alpha / W.shape[0] * (h + eps / 2 * h**2).sum(1)
    W = W0.clone().requires_grad_(True)
    f0, out = f(W0), []
    for _ in range(steps):
        loss = ((f(W) - f0 - y) ** 2).mean()
        g, = torch.autograd.grad(loss, W)
        with torch.no_grad():
            W -= lr * g
        out.append(loss.item())
    return np.array(out)


@pytest.mark.parametrize("sweep", SWEEPS)
def test_every_run_is_plain_gd_with_step_cN_over_sigma_alpha_squared(sweeps, sweep):
    task, res = sweeps
    W0 = gk.CommitteeMachine(6, 8, alpha=1.0, eps=0.3, seed=3, dtype=torch.float64).W0
    for r, s in enumerate(SIG):
        a = res["alpha"][sweep][r]
        scale = 1.0 if sweep == "alpha" else s
        lr = 0.5 * 8 / (scale * a) ** 2                     # eta = c N / (sigma alpha)^2 on the trained weights
        ref = _plain_gd(scale * W0, task.X, task.y, a, 0.3, lr, 30)
        np.testing.assert_allclose(res["hist"][sweep].train_loss[r, :30], ref, rtol=1e-9)


def test_laziness_and_matching_sweeps(sweeps):
    _, res = sweeps
    s = np.array(SIG)
    np.testing.assert_allclose(res["laziness"]["alpha"], s**2)
    np.testing.assert_allclose(res["laziness"]["sigma"], s**2)
    np.testing.assert_allclose(res["laziness"]["joint"], 1.0)
    # at sigma = 1 the alpha and sigma sweeps are the same run
    i = SIG.index(1.0)
    np.testing.assert_allclose(res["hist"]["alpha"].train_loss[i], res["hist"]["sigma"].train_loss[i], rtol=1e-12)


def test_invalid_input():
    task = gk.quadratic_task(D=4, P=8, P_test=8, seed=0)
    with pytest.raises(ValueError, match="sigmas"):
        weight_scale_sweeps(task, [0.5, -1.0], steps=2)
    with pytest.raises(ValueError, match="steps"):
        weight_scale_sweeps(task, [1.0], steps=0)
    with pytest.raises(ValueError, match="lr_scale"):
        weight_scale_sweeps(task, [1.0], steps=2, lr_scale=-1)


def test_figure(sweeps):
    _, res = sweeps
    axes = plot_weight_scale_sweeps(res)
    assert len(axes) == 4 and axes[0].figure.get_figwidth() <= TEXT_WIDTH + 1e-9
    assert len(axes[0].get_legend().get_texts()) == len(SIG)
    plt.close("all")
