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
