"""The networks of Chapter 5: MLPs and a one-layer Transformer (plain ``torch.nn.Module``\\ s).

None of them carries an output scale: the laziness knob α and the centring
:math:`\\tilde f = \\alpha\\,(f(\\theta) - f(\\theta_0))` are applied by the trainer
(:func:`gklib.nets.trainer.fit`), which stacks the parameters of ``R`` copies and trains an
α sweep as one batched computation. Every constructor takes ``seed`` and draws its initial
weights from a dedicated generator, so a seed gives the same network on every device.

Shapes: MLPs map ``(B, D)`` to ``(B, K)``; the Transformer maps integer tokens ``(B, n_ctx)`` to
the logits ``(B, p)`` of the last position.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ..runtime import generator
from ..params import Array, Boolean, Integer, Options, Real, validate_params

_SIZE = Integer(1)
_SEED = Integer(0, 2**63 - 1)

__all__ = ["QuadraticMLP", "MLP", "Transformer1L", "ACTIVATIONS"]

ACTIVATIONS = {"relu": torch.relu, "tanh": torch.tanh, "quadratic": torch.square,
               "linear": lambda h: h}


def _check_features(x, D: int, name: str, model: str):
    """Float inputs ``(B, D)`` for a network with ``D`` inputs, else a ``ValueError`` naming ``name``."""
    if x.ndim != 2 or x.shape[-1] != D:
        raise ValueError(f"{name} must have shape (n, {D}) for this {model} ({D} inputs), got {tuple(x.shape)}")
    if not x.is_floating_point():
        raise ValueError(f"{name} must hold floating-point inputs for this {model}, got {x.dtype}")


class QuadraticMLP(nn.Module):
    """Two-layer, bias-free MLP with quadratic activation (paper Fig 2):

    .. math:: f(x) = \\frac{1}{DN}\\,W_2\\,(W_1 x)^{2},\\qquad W_1\\in\\mathbb R^{N\\times D},
              W_2\\in\\mathbb R^{K\\times N},\\quad W_{ij}\\sim\\mathcal N(0,1).

    The paper's scale ``s`` multiplies the output by :math:`s^2`; train it as ``alpha = s**2``.

    Parameters
    ----------
    D : int
        Input size, >= 1.
    N : int, default 100
        Hidden width, >= 1.
    K : int or None, default None
        Output size, >= 1 (``None``: ``D``).
    seed : int, default 0
        Seed of the initial weights, in [0, 2**63 - 1].

    Examples
    --------
    >>> import torch
    >>> from gklib.nets import QuadraticMLP
    >>> net = QuadraticMLP(D=4, N=8, K=3, seed=0)
    >>> x = torch.randn(5, 4)
    >>> tuple(net(x).shape)
    (5, 3)
    >>> bool(torch.allclose(net(x), (x @ net.W1.T) ** 2 @ net.W2.T / 32))
    True
    """

    @validate_params(D=_SIZE, N=_SIZE, K=Integer(1, none_ok=True), seed=_SEED)
    def __init__(self, D: int, N: int = 100, K: int | None = None, seed: int = 0):
        super().__init__()
        self.D, self.N = int(D), int(N)
        self.K = self.D if K is None else int(K)
        g = generator(seed, "net")
        self.W1 = nn.Parameter(torch.randn(self.N, self.D, generator=g))
        self.W2 = nn.Parameter(torch.randn(self.K, self.N, generator=g))

    def _check_input(self, x, name="x"):
        _check_features(x, self.D, name, "QuadraticMLP")

    def features(self, x):
        """The hidden activations :math:`(W_1 x)^2`.

        Parameters
        ----------
        x : torch.Tensor, shape (B, D)
            Inputs.

        Returns
        -------
        torch.Tensor, shape (B, N)
            The features.

        Examples
        --------
        >>> import torch
        >>> from gklib.nets import QuadraticMLP
        >>> tuple(QuadraticMLP(D=4, N=8).features(torch.ones(2, 4)).shape)
        (2, 8)
        """
        return (x @ self.W1.T).square()

    def forward(self, x):
        """The output :math:`W_2 (W_1 x)^2/(DN)`.

        Parameters
        ----------
        x : torch.Tensor, shape (B, D)
            Inputs.

        Returns
        -------
        torch.Tensor, shape (B, K)
            The outputs.

        Examples
        --------
        >>> import torch
        >>> from gklib.nets import QuadraticMLP
        >>> float(QuadraticMLP(D=4, N=8)(torch.zeros(1, 4)).detach().abs().sum())
        0.0
        """
        return self.features(x) @ self.W2.T / (self.D * self.N)


class MLP(nn.Module):
    """Fully connected network ``widths = [D, n_1, ..., K]``.

    ``init="torch"``: PyTorch's default ``nn.Linear`` initialisation (uniform, bound
    :math:`1/\\sqrt{\\text{fan-in}}`) times ``init_scale`` — Omnigrok's enlarged init for ``init_scale > 1``.

    ``init="ntk"``: :math:`W\\sim\\mathcal N(0, \\text{init\\_scale}^2)`, zero biases, and the forward pass
    divides each pre-activation by :math:`\\sqrt{\\text{fan-in}}`; with ``mean_field=True`` the readout
    divides by the fan-in instead (:math:`f = W_{\\rm out}\\phi/n`, the paper's MNIST network).

    Parameters
    ----------
    widths : sequence of int
        Layer sizes ``[D, n_1, ..., K]``: at least two, each an integer >= 1.
    activation : {"relu", "tanh", "quadratic", "linear"}, default "relu"
        Hidden activation, a key of ``gklib.nets.modules.ACTIVATIONS``.
    bias : bool, default True
        Layers with biases.
    init : {"torch", "ntk"}, default "torch"
        Initialisation and parametrisation (above).
    init_scale : float, default 1.0
        Factor (> 0) on the initial weights.
    mean_field : bool, default False
        With ``init="ntk"``: divide the readout by its fan-in instead of its square root.
    seed : int, default 0
        Seed of the initial weights, in [0, 2**63 - 1].

    Raises
    ------
    InvalidParameterError
        A parameter breaks its declared constraint (``widths=5``, ``activation="gelu"``, ...).
    ValueError
        A width that is not an integer >= 1.

    Examples
    --------
    >>> import torch
    >>> from gklib.nets import MLP
    >>> net = MLP([3, 16, 2], activation="tanh", seed=0)
    >>> tuple(net(torch.randn(4, 3)).shape), tuple(net.features(torch.randn(4, 3)).shape)
    ((4, 2), (4, 16))
    >>> MLP([3], seed=0)
    Traceback (most recent call last):
    ...
    gklib.params.core.InvalidParameterError: widths must be a 1-D array of finite numbers with at least 2 entries, got [3]
    """

    @validate_params(widths=Array(1, min_size=2), activation=Options(*ACTIVATIONS), bias=Boolean(),
                     init=Options("torch", "ntk"), init_scale=Real(0, closed="neither"), mean_field=Boolean(),
                     seed=_SEED)
    def __init__(self, widths, activation: str = "relu", bias: bool = True, init: str = "torch",
                 init_scale: float = 1.0, mean_field: bool = False, seed: int = 0):
        super().__init__()
        widths = np.asarray(widths).tolist()
        if not all(float(w).is_integer() and w >= 1 for w in widths):
            raise ValueError(f"widths must be integers >= 1, got {widths}")
        widths = [int(w) for w in widths]
        init_scale = float(init_scale)
        self.widths, self.activation, self.init, self.mean_field = widths, activation, init, mean_field
        g = generator(seed, "net")
        self.layers = nn.ModuleList()
        for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
            lin = nn.Linear(a, b, bias=bias)
            with torch.no_grad():
                if init == "torch":
                    bound = 1 / math.sqrt(a)
                    lin.weight.copy_((torch.rand(b, a, generator=g) * 2 - 1) * bound * init_scale)
                    if bias:
                        lin.bias.copy_((torch.rand(b, generator=g) * 2 - 1) * bound * init_scale)
                else:
                    lin.weight.copy_(torch.randn(b, a, generator=g) * init_scale)
                    if bias:
                        lin.bias.zero_()
            self.layers.append(lin)

    def _layer(self, i, x):
        lin = self.layers[i]
        if self.init != "ntk":
            return lin(x)
        fan_in = lin.in_features
        div = fan_in if (i == len(self.layers) - 1 and self.mean_field) else math.sqrt(fan_in)
        return x @ lin.weight.T / div + (lin.bias if lin.bias is not None else 0)

    def _check_input(self, x, name="x"):
        _check_features(x, self.widths[0], name, "MLP")

    def features(self, x):
        """The last hidden layer's activations (the input itself for a one-layer network).

        Parameters
        ----------
        x : torch.Tensor, shape (B, D)
            Inputs.

        Returns
        -------
        torch.Tensor, shape (B, n_L)
            The features.

        Examples
        --------
        >>> import torch
        >>> from gklib.nets import MLP
        >>> x = torch.randn(2, 3)
        >>> bool(torch.equal(MLP([3, 1]).features(x), x))
        True
        """
        phi = ACTIVATIONS[self.activation]
        for i in range(len(self.layers) - 1):
            x = phi(self._layer(i, x))
        return x

    def forward(self, x):
        """The output: the last layer applied to :meth:`features`.

        Parameters
        ----------
        x : torch.Tensor, shape (B, D)
            Inputs.

        Returns
        -------
        torch.Tensor, shape (B, K)
            The outputs.

        Examples
        --------
        >>> import torch
        >>> from gklib.nets import MLP
        >>> net = MLP([2, 1], bias=False)
        >>> bool(torch.allclose(net(torch.eye(2)), net.layers[0].weight.T))
        True
        """
        return self._layer(len(self.layers) - 1, self.features(x))


class Transformer1L(nn.Module):
    """One-layer, attention + MLP Transformer without LayerNorm (Nanda et al. 2023).

    Tokens ``(a, b, "=")`` with ``"=" = p`` (``d_vocab = p + 1``), learned positional embeddings,
    ``n_heads`` causal attention heads of size ``d_head``, a ReLU MLP of width ``d_mlp`` and an
    unembedding; the output is the logits of the last position over the ``p`` residues,
    shape ``(B, p)``. Init as Nanda: every matrix :math:`\\sim\\mathcal N(0, 1/d)` with ``d`` its
    input size (``d_model`` for embeddings), biases zero. Tokens must be integers in ``[0, p]`` and
    at most ``n_ctx`` per sequence (checked: an out-of-range token raises a ``ValueError`` instead of
    reading another embedding).

    Parameters
    ----------
    p : int, default 113
        The modulus (>= 1): residues ``0..p-1`` and the ``"="`` token ``p``.
    d_model : int, default 128
        Width of the residual stream, >= 1.
    n_heads : int, default 4
        Attention heads, >= 1.
    d_head : int or None, default None
        Head size, >= 1 (``None``: ``max(d_model // n_heads, 1)``).
    d_mlp : int or None, default None
        MLP width, >= 1 (``None``: ``4 d_model``).
    n_ctx : int, default 3
        Positions, >= 1.
    seed : int, default 0
        Seed of the initial weights, in [0, 2**63 - 1].

    Examples
    --------
    >>> import torch
    >>> from gklib.nets import Transformer1L
    >>> net = Transformer1L(p=7, d_model=8, n_heads=2, seed=0)
    >>> tuple(net(torch.tensor([[1, 2, 7], [3, 4, 7]])).shape)
    (2, 7)
    >>> net(torch.tensor([[1, 9, 7]]))
    Traceback (most recent call last):
    ...
    ValueError: tokens must be integers in [0, 7] (the residues and the '=' token 7), got values up to 9
    """

    @validate_params(p=_SIZE, d_model=_SIZE, n_heads=_SIZE, d_head=Integer(1, none_ok=True),
                     d_mlp=Integer(1, none_ok=True), n_ctx=_SIZE, seed=_SEED)
    def __init__(self, p: int = 113, d_model: int = 128, n_heads: int = 4, d_head: int | None = None,
                 d_mlp: int | None = None, n_ctx: int = 3, seed: int = 0):
        super().__init__()
        p, d_model, n_heads, n_ctx = int(p), int(d_model), int(n_heads), int(n_ctx)
        self.p = p
        d = self.d_model = d_model
        H = self.n_heads = n_heads
        dh = self.d_head = int(d_head) if d_head is not None else max(d // H, 1)
        dm = int(d_mlp) if d_mlp is not None else 4 * d
        self.n_ctx = n_ctx
        V = p + 1
        g = generator(seed, "net")

        def rnd(*shape, fan):
            return nn.Parameter(torch.randn(*shape, generator=g) / math.sqrt(fan))

        self.W_E = rnd(V, d, fan=d)
        self.W_pos = rnd(n_ctx, d, fan=d)
        self.W_Q, self.W_K, self.W_V = (rnd(H, d, dh, fan=d) for _ in range(3))
        self.W_O = rnd(H * dh, d, fan=H * dh)
        self.W_in = rnd(d, dm, fan=d)
        self.b_in = nn.Parameter(torch.zeros(dm))
        self.W_out = rnd(dm, d, fan=dm)
        self.b_out = nn.Parameter(torch.zeros(d))
        self.W_U = rnd(d, p, fan=d)

    def _check_input(self, tokens, name="tokens"):
        if tokens.ndim != 2 or not 1 <= tokens.shape[-1] <= self.n_ctx:
            raise ValueError(f"{name} must have shape (n, T) with 1 <= T <= n_ctx = {self.n_ctx}, "
                             f"got {tuple(tokens.shape)}")
        if tokens.is_floating_point() and not bool((tokens == tokens.round()).all()):
            raise ValueError(f"{name} must be integers in [0, {self.p}], got non-integral values")
        lo, hi = int(tokens.min()), int(tokens.max())
        if lo < 0 or hi > self.p:
            raise ValueError(f"{name} must be integers in [0, {self.p}] (the residues and the '=' token "
                             f"{self.p}), got values {'down to ' + str(lo) if lo < 0 else 'up to ' + str(hi)}")

    def features(self, tokens):
        """The residual stream at the last position: what the unembedding reads.

        Parameters
        ----------
        tokens : torch.Tensor of int, shape (B, T)
            Token sequences, ``T <= n_ctx``, values in ``[0, p]`` (integral floats are converted).

        Returns
        -------
        torch.Tensor, shape (B, d_model)
            The residual stream at the last position.

        Raises
        ------
        ValueError
            Tokens out of range or too long a sequence.

        Examples
        --------
        >>> import torch
        >>> from gklib.nets import Transformer1L
        >>> tuple(Transformer1L(p=5, d_model=8).features(torch.tensor([[0, 4, 5]])).shape)
        (1, 8)
        """
        self._check_input(tokens)
        if tokens.dtype.is_floating_point:
            tokens = tokens.long()
        x = self.W_E[tokens] + self.W_pos[: tokens.shape[-1]]                # (B, T, d)
        # One layer, causal attention: the last position's stream depends on the other positions only
        # through their keys and values, so only the last query, attention row and MLP are computed
        # (the full causal pass gives the same last position; tests/test_nets_train.py checks it).
        last = x[:, -1]                                                        # (B, d)
        q = torch.einsum("bd,hde->bhe", last, self.W_Q)
        k = torch.einsum("btd,hde->bhte", x, self.W_K)
        v = torch.einsum("btd,hde->bhte", x, self.W_V)
        scores = torch.einsum("bhe,bhte->bht", q, k) / math.sqrt(self.d_head)    # (B, H, T)
        z = torch.einsum("bht,bhte->bhe", scores.softmax(-1), v).reshape(len(x), -1)
        last = last + z @ self.W_O
        return last + torch.relu(last @ self.W_in + self.b_in) @ self.W_out + self.b_out

    def forward(self, tokens):
        """The logits of the last position over the ``p`` residues.

        Parameters
        ----------
        tokens : torch.Tensor of int, shape (B, T)
            Token sequences (as :meth:`features`).

        Returns
        -------
        torch.Tensor, shape (B, p)
            The logits.

        Examples
        --------
        >>> import torch
        >>> from gklib.nets import Transformer1L
        >>> tuple(Transformer1L(p=5, d_model=8)(torch.tensor([[0, 4, 5]])).shape)
        (1, 5)
        """
        return self.features(tokens) @ self.W_U                                # (B, p)
