"""Data sets of Chapter 5: modular addition, student–teacher, the MNIST idx loader (no network)."""
import gzip
import io
import shutil
import urllib.request

import numpy as np
import pytest
import torch

from gklib.nets import data
from gklib.nets.data import MNIST_FILES, find_mnist_dir, load_mnist, modular_addition, student_teacher
from gklib.nets import MLP
from gklib.toy.tasks import Task

SHARED = find_mnist_dir()
HAVE_MNIST = data._has_mnist(SHARED) and data._has_mnist(SHARED, "test_labels")
needs_mnist = pytest.mark.skipif(not HAVE_MNIST, reason="shared/data/mnist not found")


def test_modular_addition_onehot():
    p = 11
    t = modular_addition(p, 0.9, seed=1, device="cpu")
    assert t.X.shape == (round(0.9 * p * p), 2 * p) and t.X_test.shape[0] == p * p - t.X.shape[0]
    for X, y in ((t.X, t.y), (t.X_test, t.y_test)):
        a, b = X[:, :p].argmax(1), X[:, p:].argmax(1)
        assert torch.all(X.sum(1) == 2) and torch.equal((a + b) % p, y)
    codes = lambda X: set((X[:, :p].argmax(1) * p + X[:, p:].argmax(1)).tolist())  # noqa: E731
    assert codes(t.X).isdisjoint(codes(t.X_test)) and len(codes(t.X) | codes(t.X_test)) == p * p
    assert torch.equal(modular_addition(p, 0.9, seed=1, device="cpu").y, t.y)
    assert not torch.equal(modular_addition(p, 0.9, seed=2, device="cpu").y, t.y)


def test_modular_addition_tokens_and_errors():
    t = modular_addition(7, 0.5, seed=0, encoding="tokens", device="cpu")
    assert t.X.dtype == torch.int64 and t.X.shape[1] == 3 and torch.all(t.X[:, 2] == 7)
    assert torch.equal((t.X[:, 0] + t.X[:, 1]) % 7, t.y)
    for kw, name in ((dict(p=0), "p"), (dict(train_frac=1.0), "train_frac"), (dict(encoding="x"), "encoding")):
        with pytest.raises(ValueError, match=name):
            modular_addition(**kw)


def test_student_teacher():
    teacher = MLP([5, 100, 100, 5], "tanh", seed=3)
    t = student_teacher(teacher, P=100, P_test=50, seed=0, device="cpu")
    assert t.X.shape == (100, 5) and t.y.shape == (100, 5) and t.y_test.shape == (50, 5)
    with torch.no_grad():
        torch.testing.assert_close(t.y, teacher(t.X))
    assert abs(float(t.X.std()) - 1) < 0.15          # x ~ N(0, I)


@needs_mnist
def test_mnist_t10k_split():
    raw = data._read_idx(SHARED, "test_labels")
    assert raw.shape == (10_000,) and raw[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]  # known head
    t = load_mnist(1000, None, root=SHARED, seed=0, device="cpu")
    assert t.X.shape == (1000, 784) and t.X_test.shape == (9000, 784) and t.meta["source"] == "t10k split"
    assert 0 <= float(t.X.min()) and float(t.X.max()) <= 1 and float(t.X.max()) == 1.0
    assert set(t.y.tolist()) == set(range(10))
    # every held-out image differs from every training image (disjoint split); deterministic
    assert torch.cdist(t.X[:50], t.X_test[:2000]).min() > 0
    t2 = load_mnist(1000, 500, root=SHARED, seed=0, device="cpu")
    assert torch.equal(t2.X, t.X) and torch.equal(t2.X_test, t.X_test[:500])
    assert not torch.equal(load_mnist(1000, 10, root=SHARED, seed=1, device="cpu").y, t.y)
    pooled = load_mnist(1000, 10, root=SHARED, seed=0, pool=2, device="cpu")
    manual = t.X.reshape(1000, 14, 2, 14, 2).mean((2, 4)).reshape(1000, 196)
    torch.testing.assert_close(pooled.X, manual)


@needs_mnist
def test_mnist_raw_files_and_env(tmp_path, monkeypatch):
    for key in ("test_images", "test_labels"):
        name = MNIST_FILES[key][0]
        with gzip.open(SHARED / (name + ".gz"), "rb") as f, open(tmp_path / name, "wb") as g:
            shutil.copyfileobj(f, g)
    monkeypatch.setenv("GKLIB_DATA", str(tmp_path))
    assert find_mnist_dir() == tmp_path
    a = load_mnist(100, 100, download=False, device="cpu")
    b = load_mnist(100, 100, root=SHARED, device="cpu")
    assert torch.equal(a.X, b.X) and torch.equal(a.y_test, b.y_test)


def test_mnist_missing_gives_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte.gz"):
        load_mnist(root=tmp_path / "nothing", download=False)


@needs_mnist
def test_mnist_corrupt_file_detected(tmp_path):
    for key in ("test_images", "test_labels"):
        shutil.copy(SHARED / (MNIST_FILES[key][0] + ".gz"), tmp_path)
    p = tmp_path / "t10k-labels-idx1-ubyte.gz"
    b = bytearray(p.read_bytes())
    b[-1] ^= 0xFF
    p.write_bytes(bytes(b))
    with pytest.raises(RuntimeError, match="MD5"):
        load_mnist(root=tmp_path, download=False)


@needs_mnist
def test_mnist_download_verified_without_network(tmp_path, monkeypatch):
    """The download path with urlopen replaced: t10k served from the shared copy, train unreachable."""
    served = []

    def fake_urlopen(url, timeout=None):
        name = url.rsplit("/", 1)[-1]
        served.append(name)
        if name.startswith("t10k") and (SHARED / name).is_file():
            return io.BytesIO((SHARED / name).read_bytes())
        raise urllib.error.URLError("no network in tests")

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    with pytest.warns(RuntimeWarning, match="t10k"):
        t = load_mnist(200, 100, root=tmp_path, download=True, device="cpu")
    assert (tmp_path / "t10k-images-idx3-ubyte.gz").is_file() and t.X.shape == (200, 784)
    assert data._md5(tmp_path / "t10k-labels-idx1-ubyte.gz") == MNIST_FILES["test_labels"][1]
    assert any(n.startswith("train") for n in served)

    # a mirror that serves wrong bytes is rejected by the MD5 check
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout=None: io.BytesIO(b"junk"))
    with pytest.raises(RuntimeError, match="MD5 mismatch"):
        load_mnist(root=tmp_path / "other", download=True)


def test_mnist_bad_args():
    with pytest.raises(ValueError, match="pool"):
        load_mnist(pool=3, download=False)
    with pytest.raises(ValueError, match="n_train"):
        load_mnist(n_train=0, download=False)


def test_student_and_its_data_are_independent_with_equal_seeds():
    """Data and a network built with the same seed must not share random numbers."""
    from gklib.nets.data import student_teacher
    from gklib.nets import MLP

    teacher = MLP([5, 20, 5], "tanh", seed=1)
    student = MLP([5, 20, 5], "tanh", init="ntk", seed=0)   # randn init, same shape as X
    task = student_teacher(teacher, D=5, P=20, P_test=5, seed=0)
    W1 = next(student.parameters()).detach()
    corr = torch.corrcoef(torch.stack([W1.flatten(), task.X.flatten()]))[0, 1]
    assert abs(corr.item()) < 0.3, corr


@pytest.mark.parametrize("encoding", ["tokens", "onehot"])
def test_mirrored_fraction_matches_pair_lookup(encoding):
    from gklib.nets.data import mirrored_fraction
    for p, f, seed in ((7, 0.5, 0), (11, 0.7, 3)):
        task = modular_addition(p, f, seed=seed, encoding=encoding)
        # independent slow version on Python tuples, decoded from the tokens version of the same split
        tok = modular_addition(p, f, seed=seed, encoding="tokens")
        train = {(int(a), int(b)) for a, b, _ in tok.X.tolist()}
        test = [(int(a), int(b)) for a, b, _ in tok.X_test.tolist()]
        expect = sum((b, a) in train for a, b in test) / len(test)
        assert mirrored_fraction(task) == pytest.approx(expect, abs=1e-12)
        assert 0 < expect < 1


def test_mirrored_fraction_extremes_and_validation():
    from gklib.nets.data import mirrored_fraction
    task = modular_addition(5, 0.6, seed=1, encoding="tokens")
    # put every test pair's mirror into the training set by hand: fraction 1
    X, Xt = task.X, task.X_test
    mirrored = torch.stack([Xt[:, 1], Xt[:, 0], Xt[:, 2]], 1)
    full = Task(X=torch.cat([X, mirrored]), y=torch.cat([task.y, task.y_test]), X_test=Xt,
                y_test=task.y_test, name="t", meta=dict(task.meta))
    assert mirrored_fraction(full) == 1.0
    with pytest.raises(ValueError, match="modular_addition"):
        mirrored_fraction(student_teacher(torch.nn.Linear(2, 1), D=2, P=4, P_test=4))
