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

import torch
from torch import nn

from ..runtime import generator
from ..validation import check_positive, check_positive_int

__all__ = ["QuadraticMLP", "MLP", "Transformer1L", "ACTIVATIONS"]

ACTIVATIONS = {"relu": torch.relu, "tanh": torch.tanh, "quadratic": torch.square,
               "linear": lambda h: h}


class QuadraticMLP(nn.Module):
    """Two-layer, bias-free MLP with quadratic activation (paper Fig 2):

    .. math:: f(x) = \\frac{1}{DN}\\,W_2\\,(W_1 x)^{2},\\qquad W_1\\in\\mathbb R^{N\\times D},
              W_2\\in\\mathbb R^{K\\times N},\\quad W_{ij}\\sim\\mathcal N(0,1).

    The paper's scale ``s`` multiplies the output by :math:`s^2`; train it as ``alpha = s**2``.
    """

    def __init__(self, D: int, N: int = 100, K: int | None = None, seed: int = 0):
        super().__init__()
        self.D, self.N = check_positive_int(D, "D"), check_positive_int(N, "N")
        self.K = self.D if K is None else check_positive_int(K, "K")
        g = generator(seed, "net")
        self.W1 = nn.Parameter(torch.randn(self.N, self.D, generator=g))
        self.W2 = nn.Parameter(torch.randn(self.K, self.N, generator=g))

    def features(self, x):
        """The hidden activations :math:`(W_1 x)^2`, ``(B, N)``."""
        return (x @ self.W1.T).square()

    def forward(self, x):
        return self.features(x) @ self.W2.T / (self.D * self.N)


class MLP(nn.Module):
    """Fully connected network ``widths = [D, n_1, ..., K]``.

    ``init="torch"``: PyTorch's default ``nn.Linear`` initialisation (uniform, bound
    :math:`1/\\sqrt{\\text{fan-in}}`) times ``init_scale`` — Omnigrok's enlarged init for ``init_scale > 1``.

    ``init="ntk"``: :math:`W\\sim\\mathcal N(0, \\text{init\\_scale}^2)`, zero biases, and the forward pass
    divides each pre-activation by :math:`\\sqrt{\\text{fan-in}}`; with ``mean_field=True`` the readout
    divides by the fan-in instead (:math:`f = W_{\\rm out}\\phi/n`, the paper's MNIST network).
    """

    def __init__(self, widths, activation: str = "relu", bias: bool = True, init: str = "torch",
                 init_scale: float = 1.0, mean_field: bool = False, seed: int = 0):
        super().__init__()
        widths = [check_positive_int(w, "widths") for w in widths]
        if len(widths) < 2:
            raise ValueError(f"widths must list at least input and output sizes, got {widths}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        if init not in ("torch", "ntk"):
            raise ValueError(f"init must be 'torch' or 'ntk', got {init!r}")
        init_scale = check_positive(init_scale, "init_scale")
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

    def features(self, x):
        """The last hidden layer's activations ``(B, n_L)`` (the input itself for a one-layer network)."""
        phi = ACTIVATIONS[self.activation]
        for i in range(len(self.layers) - 1):
            x = phi(self._layer(i, x))
        return x

    def forward(self, x):
        return self._layer(len(self.layers) - 1, self.features(x))


class Transformer1L(nn.Module):
    """One-layer, attention + MLP Transformer without LayerNorm (Nanda et al. 2023).

    Tokens ``(a, b, "=")`` with ``"=" = p`` (``d_vocab = p + 1``), learned positional embeddings,
    ``n_heads`` causal attention heads of size ``d_head``, a ReLU MLP of width ``d_mlp`` and an
    unembedding; the output is the logits of the last position over the ``p`` residues,
    shape ``(B, p)``. Init as Nanda: every matrix :math:`\\sim\\mathcal N(0, 1/d)` with ``d`` its
    input size (``d_model`` for embeddings), biases zero.
    """

    def __init__(self, p: int = 113, d_model: int = 128, n_heads: int = 4, d_head: int | None = None,
                 d_mlp: int | None = None, n_ctx: int = 3, seed: int = 0):
        super().__init__()
        self.p = check_positive_int(p, "p")
        d = self.d_model = check_positive_int(d_model, "d_model")
        H = self.n_heads = check_positive_int(n_heads, "n_heads")
        dh = self.d_head = check_positive_int(d_head if d_head is not None else max(d // H, 1), "d_head")
        dm = check_positive_int(d_mlp if d_mlp is not None else 4 * d, "d_mlp")
        self.n_ctx = check_positive_int(n_ctx, "n_ctx")
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

    def features(self, tokens):
        """The residual stream at the last position, ``(B, d_model)``: what the unembedding reads."""
        if tokens.dtype.is_floating_point:
            tokens = tokens.long()
        x = self.W_E[tokens] + self.W_pos[: tokens.shape[-1]]                # (B, T, d)
        q = torch.einsum("btd,hde->bhte", x, self.W_Q)
        k = torch.einsum("btd,hde->bhte", x, self.W_K)
        v = torch.einsum("btd,hde->bhte", x, self.W_V)
        T = tokens.shape[-1]
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.d_head)              # (B, H, T, T)
        mask = torch.ones(T, T, dtype=torch.bool, device=tokens.device).tril()
        attn = scores.masked_fill(~mask, float("-inf")).softmax(-1)
        z = (attn @ v).transpose(1, 2).reshape(*tokens.shape, -1)              # (B, T, H*dh)
        x = x + z @ self.W_O
        x = x + torch.relu(x @ self.W_in + self.b_in) @ self.W_out + self.b_out
        return x[:, -1]

    def forward(self, tokens):
        return self.features(tokens) @ self.W_U                                # (B, p)
