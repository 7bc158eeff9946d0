"""Optimiser steps for many runs at once: :class:`RunOptimizer`, the updates of ``torch.optim.SGD``
(heavy-ball momentum), ``Adam`` and ``AdamW`` for tensors that carry many runs on a leading axis, each run
with its own learning rate (``gklib.train``'s direct engine; ``gklib.nets.fit`` uses ``torch.optim``
itself). The optimiser names are those of :mod:`gklib.training`; ``RunOptimizer`` is also importable from
there.
"""
from __future__ import annotations

import torch

from .params import Instance, Options, Real, validate_params
from .training import OPTIMIZERS

__all__ = ["RunOptimizer"]


class RunOptimizer:
    r"""``torch.optim``'s SGD (heavy-ball momentum :math:`v \leftarrow \mu v + g`), Adam and AdamW steps for
    parameter tensors with a leading run axis, every run with its own learning rate (tested against
    ``torch.optim`` to float round-off).

    Weight decay λ adds λθ to the gradient (``"sgd"``, ``"adam"``) or shrinks θ by ``1 - lr·λ`` first
    (``"adamw"``).

    Parameters
    ----------
    name : {"sgd", "adam", "adamw"}
        The optimiser.
    params : dict of torch.Tensor
        The parameters, each with a leading run axis ``(R, ...)`` (their shapes size the state).
    momentum : float, default 0.0
        Heavy-ball coefficient μ in [0, 1) (``"sgd"``).
    betas : tuple of float, default (0.9, 0.999)
        Adam's coefficients.
    weight_decay : float, default 0.0
        λ >= 0.
    eps : float, default 1e-8
        Adam's ε > 0.

    Examples
    --------
    >>> import torch
    >>> from gklib.training import RunOptimizer
    >>> p = {"w": torch.ones(2, 3)}
    >>> opt = RunOptimizer("sgd", p)
    >>> opt.step(p, {"w": torch.ones(2, 3)}, lr=torch.tensor([0.1, 0.5]))["w"][:, 0].tolist()
    [0.8999999761581421, 0.5]
    """

    STATE = ("buf", "buf2")

    @validate_params(name=Options(*OPTIMIZERS), params=Instance(dict, what="a dict"),
                     momentum=Real(0, 1, closed="left"), weight_decay=Real(0), eps=Real(0, closed="neither"))
    def __init__(self, name: str, params: dict, momentum: float = 0.0, betas=(0.9, 0.999),
                 weight_decay: float = 0.0, eps: float = 1e-8):
        self.name, self.mom, self.betas, self.wd, self.eps = name, momentum, betas, weight_decay, eps
        self.buf = {n: torch.zeros_like(p) for n, p in params.items()}
        self.buf2 = {n: torch.zeros_like(p) for n, p in params.items()}
        self.k = 0

    def select(self, keep):
        """Keep only the runs ``keep`` (indices into the leading axis) of the optimiser's state.

        Parameters
        ----------
        keep : torch.Tensor or sequence of int
            The runs to keep.

        Returns
        -------
        None

        Examples
        --------
        >>> import torch
        >>> from gklib.training import RunOptimizer
        >>> opt = RunOptimizer("adam", {"w": torch.zeros(3, 2)})
        >>> opt.select([0, 2]); tuple(opt.buf["w"].shape)
        (2, 2)
        """
        for name in self.STATE:
            setattr(self, name, {n: v[keep] for n, v in getattr(self, name).items()})

    def step(self, params: dict, grads: dict, lr) -> dict:
        r"""One optimiser step for every run: :math:`\theta \leftarrow \theta - \eta_r\,u` with :math:`u` the
        gradient (SGD), the momentum buffer, or Adam's bias-corrected ratio.

        Parameters
        ----------
        params : dict of torch.Tensor
            Current parameters, ``(R, ...)`` each.
        grads : dict of torch.Tensor
            Their gradients, same keys and shapes.
        lr : torch.Tensor, shape (R,)
            Per-run learning rates (0 freezes a run's parameters).

        Returns
        -------
        dict of torch.Tensor
            The new parameters (``params`` is not modified).

        Examples
        --------
        >>> import torch
        >>> from gklib.training import RunOptimizer
        >>> opt = RunOptimizer("sgd", {"w": torch.zeros(1, 1)}, momentum=0.5)
        >>> p = {"w": torch.zeros(1, 1)}
        >>> for _ in range(2):
        ...     p = opt.step(p, {"w": torch.ones(1, 1)}, torch.tensor([1.0]))
        >>> p["w"].item()                   # -1, then -(1 + 0.5)
        -2.5
        """
        self.k += 1
        new = {}
        for n, g in grads.items():
            p = params[n]
            lr_n = lr.view(-1, *([1] * (g.ndim - 1)))
            if self.name != "adamw":
                g = g + self.wd * p
            if self.name == "sgd" and not self.mom:
                upd = g
            elif self.name == "sgd":
                self.buf[n] = self.mom * self.buf[n] + g
                upd = self.buf[n]
            else:
                if self.name == "adamw":
                    p = p * (1 - lr_n * self.wd)
                b1, b2 = self.betas
                self.buf[n] = b1 * self.buf[n] + (1 - b1) * g
                self.buf2[n] = b2 * self.buf2[n] + (1 - b2) * g * g
                upd = (self.buf[n] / (1 - b1**self.k)) / ((self.buf2[n] / (1 - b2**self.k)).sqrt() + self.eps)
            new[n] = p - lr_n * upd
        return new
