"""Data sets of Chapter 5: modular addition, student–teacher regression and MNIST.

All return a :class:`gklib.Task`. Classification tasks store integer labels ``y`` of shape
``(P,)`` (the trainer :func:`gklib.nets.trainer.fit` one-hot encodes them for the MSE loss); regression tasks store
float targets ``(P, K)``.

MNIST is read from the standard idx files (``*-idx?-ubyte`` or ``.gz``), no torchvision. Folder
search order: ``root`` argument; else ``$GKLIB_DATA`` (the folder itself or its ``mnist/``
subfolder) — when set it is the only place searched, so a wrong setting fails instead of silently
reading other files; else a ``shared/data/mnist`` folder found by walking up from the current
directory (the course's CI layout), then the user cache ``~/.cache/gklib/mnist`` (where missing
files are downloaded when ``download=True``; a failed download leaves no empty folders). Every
``.gz`` file read is checked against its standard MD5, the uncompressed t10k files too; every file
by its header and size, labels by their range 0–9, and images against labels by their count.
"""
from __future__ import annotations

import copy
import gzip
import hashlib
import os
import shutil
import urllib.request
import warnings
from pathlib import Path

import numpy as np
import torch

from ..kernels.ntk import check_fits
from ..params import Boolean, Instance, Integer, Options, Real, validate_params
from ..runtime import generator, get_device
from ..toy.tasks import Task

_SEED = Integer(0, 2**63 - 1)
_PATH = Instance(str, os.PathLike, what="a folder path", none_ok=True)

__all__ = ["modular_addition", "mirrored_fraction", "student_teacher", "load_mnist", "find_mnist_dir", "MNIST_FILES",
           "MNIST_MIRRORS"]


@validate_params(p=Integer(2, 10**4), train_frac=Real(0, 1, closed="neither"), seed=_SEED,
                 encoding=Options("onehot", "tokens"))
def modular_addition(p: int = 23, train_frac: float = 0.9, seed: int = 1, encoding: str = "onehot",
                     device=None, dtype=torch.float32) -> Task:
    """All pairs :math:`(a, b)\\in\\mathbb Z_p^2` with label :math:`c = (a+b) \\bmod p`, split at random.

    ``encoding="onehot"``: ``X`` is ``(P, 2p)``, the concatenated one-hots of ``a`` and ``b`` (the
    MLP of paper Fig 2). ``encoding="tokens"``: ``X`` is ``(P, 3)`` integer tokens ``(a, b, p)``, the
    last one the ``"="`` token (the Transformer). ``y``: integer labels ``(P,)``. A seeded
    permutation puts ``round(train_frac·p²)`` pairs in the training set, the rest in the test set.

    Parameters
    ----------
    p : int, default 23
        The modulus, in [2, 10**4].
    train_frac : float, default 0.9
        Fraction of the :math:`p^2` pairs used for training, in (0, 1).
    seed : int, default 1
        Seed of the split, in [0, 2**63 - 1].
    encoding : {"onehot", "tokens"}, default "onehot"
        Input encoding (above).
    device : str or torch.device or None, default None
        :func:`gklib.get_device` (the meta device is refused).
    dtype : torch.dtype, default torch.float32
        Dtype of the one-hot inputs.

    Returns
    -------
    Task
        ``meta`` holds ``p``, ``n_classes``, ``encoding``, ``seed``.

    Raises
    ------
    ValueError
        A split that leaves an empty train or test set.

    Examples
    --------
    >>> from gklib.nets import modular_addition
    >>> task = modular_addition(p=5, train_frac=0.6, encoding="tokens", device="cpu")
    >>> tuple(task.X.shape), tuple(task.X_test.shape)
    ((15, 3), (10, 3))
    >>> bool(((task.X[:, 0] + task.X[:, 1]) % 5 == task.y).all())
    True
    """
    p, train_frac = int(p), float(train_frac)
    a, b = torch.meshgrid(torch.arange(p), torch.arange(p), indexing="ij")
    a, b = a.flatten(), b.flatten()
    c = (a + b) % p
    if encoding == "onehot":
        X = torch.cat([torch.nn.functional.one_hot(a, p), torch.nn.functional.one_hot(b, p)], 1).to(dtype)
    else:
        X = torch.stack([a, b, torch.full_like(a, p)], 1)
    perm = torch.randperm(p * p, generator=generator(seed, "data"))
    n = int(round(float(train_frac) * p * p))
    if not 0 < n < p * p:
        raise ValueError(f"train_frac={train_frac} leaves an empty train or test set for p={p}")
    tr, te = perm[:n], perm[n:]
    dev = get_device(device)
    return Task(X=X[tr].to(dev), y=c[tr].to(dev), X_test=X[te].to(dev), y_test=c[te].to(dev),
                name=f"mod{p}-add", meta={"p": p, "n_classes": p, "encoding": encoding, "seed": seed})


@validate_params(task=Instance(Task, what="a gklib Task"))
def mirrored_fraction(task) -> float:
    """Fraction of the test pairs :math:`(a, b)` of a :func:`modular_addition` task whose mirror
    :math:`(b, a)` is in the training set.

    A network that has only memorised the training pairs *and* learned that addition commutes gets
    exactly these test pairs right, so this is the test accuracy of "memorisation + symmetry" — the
    plateau a lazy network sits on before it groks. For a random split with training fraction
    :math:`f` it is close to :math:`f` (pairs with :math:`a = b` are their own mirror).

    Parameters
    ----------
    task : Task
        A task made by :func:`modular_addition`.

    Returns
    -------
    float
        The fraction, in [0, 1].

    Raises
    ------
    ValueError
        A task not made by :func:`modular_addition`.

    Examples
    --------
    >>> from gklib.nets import mirrored_fraction, modular_addition
    >>> round(mirrored_fraction(modular_addition(p=23, train_frac=0.5, device="cpu")), 2)
    0.51
    """
    enc = task.meta.get("encoding") if isinstance(task.meta, dict) else None
    if enc not in ("onehot", "tokens"):
        raise ValueError("task must come from modular_addition (meta['encoding'] missing)")
    p = int(task.meta["p"])

    def pairs(X):
        X = X.detach().cpu()
        if enc == "tokens":
            return X[:, 0].long(), X[:, 1].long()
        return X[:, :p].argmax(1), X[:, p:].argmax(1)

    a, b = pairs(task.X)
    seen = torch.zeros(p, p, dtype=torch.bool)
    seen[a, b] = True
    at, bt = pairs(task.X_test)
    return float(seen[bt, at].double().mean())


@validate_params(teacher=Instance(torch.nn.Module, what="a torch.nn.Module"), D=Integer(1), P=Integer(1),
                 P_test=Integer(1), seed=_SEED)
def student_teacher(teacher: torch.nn.Module, D: int = 5, P: int = 100, P_test: int = 100,
                    seed: int = 0, device=None, dtype=torch.float32) -> Task:
    """Regression on a fixed teacher network: :math:`x\\sim\\mathcal N(0, I_D)`, ``y = teacher(x)``.

    With ``teacher = gklib.nets.MLP([5, 100, 100, 5], "tanh", seed=...)`` this is the
    student–teacher task of Omnigrok / paper App 8.3.1. ``y`` is ``(P, K)``.

    Parameters
    ----------
    teacher : torch.nn.Module
        The teacher, taking ``(n, D)`` inputs (evaluated on a float32 CPU copy).
    D : int, default 5
        Input size, >= 1 (the teacher's).
    P, P_test : int, default 100
        Training and test points, >= 1.
    seed : int, default 0
        Seed of the inputs, in [0, 2**63 - 1].
    device : str or torch.device or None, default None
        :func:`gklib.get_device` (the meta device is refused).
    dtype : torch.dtype, default torch.float32
        Dtype of the task.

    Returns
    -------
    Task
        ``X (P, D)``, ``y (P, K)`` and the test set.

    Raises
    ------
    ValueError
        A teacher that does not take ``D`` inputs.

    Examples
    --------
    >>> import torch
    >>> from gklib.nets import MLP, student_teacher
    >>> teacher = MLP([3, 8, 2], "tanh", seed=1)
    >>> task = student_teacher(teacher, D=3, P=6, P_test=4, device="cpu")
    >>> tuple(task.y.shape), bool(torch.allclose(task.y, teacher(task.X)))
    ((6, 2), True)
    """
    D, P, P_test = int(D), int(P), int(P_test)
    dev = get_device(device)
    g = generator(seed, "data")
    X = torch.randn(P, D, generator=g)
    X_test = torch.randn(P_test, D, generator=g)
    t = copy.deepcopy(teacher).to("cpu", torch.float32)
    check_fits(t, X, "teacher's inputs X (D)")
    with torch.no_grad():
        y, y_test = t(X), t(X_test)
    return Task(X=X.to(dev, dtype), y=y.to(dev, dtype), X_test=X_test.to(dev, dtype),
                y_test=y_test.to(dev, dtype), name="student-teacher", meta={"seed": seed})


# ----------------------------------------------------------------------------- MNIST
MNIST_FILES = {  # name: (file, md5 of the .gz file)
    "train_images": ("train-images-idx3-ubyte", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
    "train_labels": ("train-labels-idx1-ubyte", "d53e105ee54ea40749a09fcbcd1e9432"),
    "test_images": ("t10k-images-idx3-ubyte", "9fb629c4189551a2d022fa330f9573f3"),
    "test_labels": ("t10k-labels-idx1-ubyte", "ec29112dd5afa0611ce80d1b7f02629c"),
}
# md5 of the uncompressed files, where known (the t10k files of shared/data/mnist); the train files
# unpacked by hand are checked by their header, size and label range only
MNIST_RAW_MD5 = {"test_images": "2646ac647ad5339dbf082846283269ea", "test_labels": "27ae3e4e09519cfbb04c329615203637"}
MNIST_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
                 "https://storage.googleapis.com/cvdf-datasets/mnist/")
_CACHE = Path.home() / ".cache" / "gklib" / "mnist"


def _has_mnist(folder: Path, key: str = "test_images") -> bool:
    name = MNIST_FILES[key][0]
    return (folder / name).is_file() or (folder / (name + ".gz")).is_file()


@validate_params(root=_PATH)
def find_mnist_dir(root=None) -> Path:
    """The folder the MNIST loader reads (see the module docstring for the search order).

    Parameters
    ----------
    root : str or os.PathLike or None, default None
        A folder that wins over every other place.

    Returns
    -------
    pathlib.Path
        The first candidate that holds the t10k images; if none does, the folder where files are expected
        (``root``, ``$GKLIB_DATA`` or the user cache).

    Examples
    --------
    >>> from gklib.nets import find_mnist_dir
    >>> find_mnist_dir("/tmp/mnist").as_posix()
    '/tmp/mnist'
    """
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get("GKLIB_DATA", "").strip()
    if env:                                   # an explicit setting wins: no fallback elsewhere
        cands = [Path(env).expanduser(), Path(env).expanduser() / "mnist"]
        return next((c for c in cands if _has_mnist(c)), cands[0])
    here = Path.cwd().resolve()
    cands = [d / "shared" / "data" / "mnist" for d in (here, *here.parents)] + [_CACHE]
    return next((c for c in cands if _has_mnist(c)), _CACHE)


def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _download(folder: Path, key: str) -> Path:
    name, md5 = MNIST_FILES[key]
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / (name + ".gz")
    errors = []
    for mirror in MNIST_MIRRORS:
        tmp = dest.with_suffix(".gz.part")
        try:
            with urllib.request.urlopen(mirror + name + ".gz", timeout=60) as r, open(tmp, "wb") as f:
                shutil.copyfileobj(r, f)
            if _md5(tmp) != md5:
                raise OSError("MD5 mismatch")
            tmp.replace(dest)
            return dest
        except OSError as err:  # URLError is an OSError
            errors.append(f"{mirror}: {err}")
            tmp.unlink(missing_ok=True)
    raise RuntimeError(f"could not download {name}.gz into {folder}: " + "; ".join(errors))


def _read_idx(folder: Path, key: str) -> np.ndarray:
    """Read one idx file (``.gz`` verified by MD5; a raw file checked by its header and size)."""
    name, md5 = MNIST_FILES[key]
    gz, raw = folder / (name + ".gz"), folder / name
    if gz.is_file():
        got = _md5(gz)
        if got != md5:
            raise RuntimeError(f"{gz} has MD5 {got}, expected {md5}: the file is corrupt or not the "
                               "standard MNIST file; delete it (it is re-downloaded with download=True)")
        with gzip.open(gz, "rb") as f:
            data = f.read()
    else:
        data = raw.read_bytes()
        want = MNIST_RAW_MD5.get(key)
        if want is not None and hashlib.md5(data).hexdigest() != want:
            raise RuntimeError(f"{raw} is not the standard MNIST file (MD5 mismatch): delete or replace it")
    magic = int.from_bytes(data[:4], "big")
    ndim = magic & 0xFF
    if magic >> 8 != 0x08 or ndim not in (1, 3):
        raise RuntimeError(f"{name} in {folder} is not an idx file of unsigned bytes")
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    body = data[4 + 4 * ndim:]
    expect = {"images": (3, 28), "labels": (1, None)}[key.split("_")[1]]
    if ndim != expect[0] or len(body) != int(np.prod(shape)) or (expect[1] and shape[1:] != [28, 28]):
        raise RuntimeError(f"{name} in {folder} has unexpected shape {shape} / size {len(body)}")
    out = np.frombuffer(body, dtype=np.uint8).reshape(shape)
    if key.endswith("labels") and out.size and int(out.max()) > 9:
        raise RuntimeError(f"{name} in {folder} has labels up to {int(out.max())}: MNIST labels are 0–9")
    return out


def _read_pair(folder: Path, part: str):
    """Images and labels of ``part`` (``"train"``/``"test"``), which must hold the same number of samples."""
    X, y = _read_idx(folder, f"{part}_images"), _read_idx(folder, f"{part}_labels")
    if len(X) != len(y):
        raise RuntimeError(f"{folder}: {len(X)} {part} images but {len(y)} labels; the files do not belong together")
    return X, y


@validate_params(n_train=Integer(1), n_test=Integer(1, none_ok=True), root=_PATH, download=Boolean(), seed=_SEED,
                 pool=Options(1, 2, 4, 7, 14, 28))
def load_mnist(n_train: int = 1000, n_test: int | None = 2000, root=None, download: bool = True,
               seed: int = 0, pool: int = 1, device=None, dtype=torch.float32) -> Task:
    """MNIST digits as a :class:`~gklib.Task`: ``X`` ``(n, 784)`` pixels in [0, 1], ``y`` labels ``(n,)``.

    With the 60,000-image training files present, ``n_train`` images are drawn (seeded) from them
    and ``n_test`` from the t10k file. With only the t10k files (10,000 images, e.g. the copy in
    ``shared/data/mnist``), that file is split (seeded): ``n_train`` for training, ``n_test`` of
    the rest (all of it for ``n_test=None``) held out. Missing files are downloaded into the
    folder when ``download=True`` (MD5-verified); otherwise a ``FileNotFoundError`` says where to
    put them. ``pool=k`` averages ``k×k`` pixel blocks (``k`` divides 28): ``D = (28/k)²``, a
    cheaper input for CPU-sized runs.

    Parameters
    ----------
    n_train : int, default 1000
        Training images, >= 1.
    n_test : int or None, default 2000
        Test images, >= 1 (``None``: every held-out image).
    root : str or os.PathLike or None, default None
        The folder (:func:`find_mnist_dir`).
    download : bool, default True
        Download missing files.
    seed : int, default 0
        Seed of the draw, in [0, 2**63 - 1].
    pool : {1, 2, 4, 7, 14, 28}, default 1
        Pixel-block size of the average pooling.
    device : str or torch.device or None, default None
        :func:`gklib.get_device` (the meta device is refused).
    dtype : torch.dtype, default torch.float32
        Dtype of the pixels.

    Returns
    -------
    Task
        ``X (n, (28/pool)**2)``, labels ``y (n,)``; ``meta`` holds the folder and the source.

    Raises
    ------
    FileNotFoundError
        No files and ``download=False``.
    RuntimeError
        A corrupt file or a failed download.
    ValueError
        ``n_train`` leaves no held-out image of the t10k file.

    Examples
    --------
    ``load_mnist(n_train=1000, n_test=2000, pool=4)`` gives ``X`` of shape ``(1000, 49)``. Without the
    files and downloads, the error says where to put them; arguments are checked first:

    >>> import tempfile
    >>> from gklib.nets import load_mnist
    >>> with tempfile.TemporaryDirectory() as empty:
    ...     load_mnist(root=empty, download=False)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: MNIST files not found in ... Put the standard idx files there ...
    >>> load_mnist(pool=3)
    Traceback (most recent call last):
    ...
    gklib.params.core.InvalidParameterError: pool must be one of (1, 2, 4, 7, 14, 28), got 3
    """
    n_train, pool = int(n_train), int(pool)
    n_test = None if n_test is None else int(n_test)
    folder = find_mnist_dir(root)
    if not _has_mnist(folder):
        if not download:
            raise FileNotFoundError(
                f"MNIST files not found in {folder}. Put the standard idx files there "
                f"(t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz at least; train-* for "
                f"the 60,000-image set), point $GKLIB_DATA at the folder that holds them, or call "
                f"load_mnist(download=True).")
        created = [p for p in (folder, *folder.parents) if not p.exists()]
        try:
            for key in ("test_images", "test_labels"):
                _download(folder, key)
        except RuntimeError:
            for p in created:                 # leave no empty folders behind a failed download
                if p.is_dir() and not any(p.iterdir()):
                    p.rmdir()
            raise
        try:
            for key in ("train_images", "train_labels"):
                _download(folder, key)
        except RuntimeError as err:  # the t10k split still works
            warnings.warn(f"{err}; using a split of the t10k file", RuntimeWarning, stacklevel=2)
    g = generator(seed, "data")
    test_X, test_y = _read_pair(folder, "test")
    if _has_mnist(folder, "train_images") and _has_mnist(folder, "train_labels"):
        tr_X, tr_y = _read_pair(folder, "train")
        i_tr = torch.randperm(len(tr_y), generator=g)[:n_train].numpy()
        i_te = torch.randperm(len(test_y), generator=g)[: n_test or len(test_y)].numpy()
        Xtr, ytr, Xte, yte = tr_X[i_tr], tr_y[i_tr], test_X[i_te], test_y[i_te]
        source = "train/t10k"
    else:
        if n_train >= len(test_y):
            raise ValueError(f"n_train={n_train} leaves no held-out images of the {len(test_y)} in t10k")
        perm = torch.randperm(len(test_y), generator=g).numpy()
        rest = perm[n_train:] if n_test is None else perm[n_train: n_train + n_test]
        Xtr, ytr, Xte, yte = test_X[perm[:n_train]], test_y[perm[:n_train]], test_X[rest], test_y[rest]
        source = "t10k split"
    dev = get_device(device)

    def px(a):
        a = a.astype(np.float32) / 255
        if pool > 1:
            a = a.reshape(len(a), 28 // pool, pool, 28 // pool, pool).mean((2, 4))
        return torch.from_numpy(a.reshape(len(a), -1)).to(dev, dtype)

    def lab(a):
        return torch.from_numpy(a.astype(np.int64)).to(dev)

    return Task(X=px(Xtr), y=lab(ytr), X_test=px(Xte), y_test=lab(yte), name="mnist",
                meta={"n_classes": 10, "folder": str(folder), "source": source, "seed": seed, "pool": pool})
