"""The empirical neural tangent kernel, by automatic differentiation.

The NTK of a model :math:`f(\\theta, x)` is :math:`K(x, x') = \\sum_p \\partial_{\\theta_p} f(x)\\,
\\partial_{\\theta_p} f(x')`: here the Jacobians come from :func:`torch.func.jacrev` and are contracted
over the parameters (chapter 2, "The NTK of the committee machine"). For the committee machine the
closed form is :func:`gklib.toy.ntk.committee_ntk` (tested against this function).
"""
from __future__ import annotations

import torch
from torch import nn
from torch.func import functional_call, jacrev, vmap

from ..toy.model import CommitteeMachine, committee_output
from ..params import Array, Boolean, Instance, Integer, validate_params
from ..validation import as_inputs

__all__ = ["empirical_ntk"]


def check_fits(module, X, name: str = "X"):
    """Raise a ``ValueError`` naming ``name`` unless ``module`` can take the inputs ``X`` (a private helper of
    the trainers and kernels: data are checked against the model before any work).

    A module (or the module a wrapper holds in ``.module``) with a ``_check_input(X, name)`` method checks
    itself (the networks of :mod:`gklib.nets.modules`: the input size, the token range); any other module
    is tried on the first row of ``X``.
    """
    inner = module
    while inner is not None:
        check = getattr(inner, "_check_input", None)
        if callable(check):
            check(X, name)
            return
        inner = getattr(inner, "module", None)
        inner = inner if isinstance(inner, nn.Module) else None
    try:
        with torch.no_grad():
            module(X[:1])
    except (RuntimeError, IndexError, ValueError, TypeError) as err:
        raise ValueError(f"{name} does not fit the model: {type(module).__name__} on {name}[:1] of shape "
                         f"{tuple(X[:1].shape)} raised {type(err).__name__}: {err}") from None


def _chunks(n, size):
    return [(i, min(i + size, n)) for i in range(0, n, size)]



@validate_params(model=Instance(CommitteeMachine, nn.Module, what="a CommitteeMachine or a torch.nn.Module"),
                 X1=Array(), X2=Array(none_ok=True),
                 params=Instance(torch.Tensor, tuple, list, dict, none_ok=True,
                                 what="weights (a tensor or a pair (W, a)), a dict of tensors or a list of names"),
                 chunk_size=Integer(1), trace_outputs=Boolean())
def empirical_ntk(model, X1, X2=None, params=None, chunk_size: int = 128, trace_outputs: bool = False):
    """Gram matrix of the empirical NTK, :math:`K_{ab} = \\sum_p \\partial_p f(x_a)\\,\\partial_p f(x_b)`.

    The Jacobians are computed with :func:`torch.func.jacrev` (in chunks of ``chunk_size`` rows)
    and contracted over the parameters.

    Parameters
    ----------
    model : CommitteeMachine or torch.nn.Module
        A :class:`~gklib.CommitteeMachine` (the Jacobian of its own output
        :func:`~gklib.toy.model.committee_output`, for every ``activation``, w.r.t. the hidden weights ``W``
        and, with ``readout=True``, the readouts ``a`` too: the kernel sums over both layers; batched over
        runs), or any module mapping ``(n, ...)`` inputs to ``(n,)`` or ``(n, k)`` outputs.
    X1 : torch.Tensor, shape (n1, ...)
        Inputs (``(n1, D)`` for a committee machine, with its ``D``), finite.
    X2 : torch.Tensor or None, shape (n2, ...), default None
        Second inputs; ``None`` means ``X1``.
    params : torch.Tensor or tuple or dict or list or None, default None
        Committee machine: hidden weights to use instead of ``model.W`` (``(N, D)`` or ``(R, N, D)``), or a
        pair ``(W, a)`` for a model with readouts (``a``: ``(N,)`` or ``(R, N)``; with ``W`` alone the
        current readouts are used). Module: a dict ``name -> tensor`` (evaluate at these values, and only
        w.r.t. them) or a list of parameter names. ``None``: every parameter with ``requires_grad``.
    chunk_size : int, default 128
        Rows per Jacobian chunk (>= 1): memory against speed.
    trace_outputs : bool, default False
        For a module with ``k > 1`` outputs, sum the ``k`` diagonal output blocks.

    Returns
    -------
    torch.Tensor
        Committee machine: ``(n1, n2)``, or ``(R, n1, n2)`` for a batched model. Module: ``(n1, n2)`` for
        scalar outputs (or with ``trace_outputs``), else ``(n1, n2, k, k)``.

    Raises
    ------
    InvalidParameterError
        A parameter breaks its declared constraint (``model=None``, NaN inputs, ``chunk_size=0``, ...).
    ValueError
        Inputs the model cannot take (another ``D``), unknown parameter names, weights of the wrong shape.

    Examples
    --------
    The NTK of a linear model :math:`f(x) = w\\cdot x` is the Gram matrix :math:`XX^\\top`:

    >>> import torch
    >>> from gklib.kernels import empirical_ntk
    >>> net = torch.nn.Linear(3, 1, bias=False)
    >>> X = torch.tensor([[1.0, 0.0, 0.0], [1.0, 2.0, 0.0]])
    >>> empirical_ntk(net, X).tolist()
    [[1.0, 1.0], [1.0, 5.0]]
    """
    if isinstance(model, CommitteeMachine):
        return _committee_ntk_autodiff(model, X1, X2, params, chunk_size)
    return _module_ntk(model, X1, X2, params, chunk_size, trace_outputs)


def _run_weights(model, value, shape, name):
    """``value`` (one run or ``R`` runs) as an ``(R, *shape)`` tensor in the model's dtype."""
    v = torch.as_tensor(value, device=model.device, dtype=model.dtype)
    v = v if v.ndim == len(shape) + 1 else v[None]
    if v.shape[1:] != shape or v.shape[0] not in (1, model.R):
        raise ValueError(f"{name} must have shape {shape} or {(model.R, *shape)}, got {tuple(v.shape)}")
    return v.expand(model.R, *shape)


def _committee_ntk_autodiff(model, X1, X2, params, chunk):
    readout = model._a is not None
    W, a = (params if isinstance(params, tuple) else (params, None)) if params is not None else (None, None)
    W = model._W if W is None else _run_weights(model, W, (model.N, model.D), "params (hidden weights W)")
    if readout:
        a = model._a if a is None else _run_weights(model, a, (model.N,), "params (readouts a)")
    elif a is not None:
        raise ValueError("params has readouts a but the model has none (readout=False): pass W only")
    X1 = as_inputs(X1, "X1", model.D, like=W)
    X2 = X1 if X2 is None else as_inputs(X2, "X2", model.D, like=W)
    act = model.activation

    def f(w, r, alpha, eps, X):                     # one run: the model's own output, (n,)
        return committee_output(w, r if readout else None, X, alpha, eps, act)

    # the Jacobian w.r.t. W (and a): (R, n, N·D [+ N])
    jac = vmap(jacrev(f, argnums=(0, 1) if readout else 0), in_dims=(0, 0 if readout else None, 0, 0, None))

    def J(X):
        j = jac(W, a, model.alpha, model.eps, X)
        return torch.cat([j[0].flatten(2), j[1]], 2) if readout else j.flatten(2)

    out = torch.empty(model.R, X1.shape[0], X2.shape[0], device=W.device, dtype=W.dtype)
    for a0, a1 in _chunks(X1.shape[0], chunk):
        J1 = J(X1[a0:a1])
        for b0, b1 in _chunks(X2.shape[0], chunk):
            J2 = J1 if (X2 is X1 and b0 == a0) else J(X2[b0:b1])
            out[:, a0:a1, b0:b1] = J1 @ J2.transpose(1, 2)
    return out if model.batched else out[0]


def _module_ntk(module, X1, X2, params, chunk, trace_outputs):
    named = dict(module.named_parameters())
    if params is None:
        params = {k: v for k, v in named.items() if v.requires_grad}
    elif not isinstance(params, dict):
        names = list(params)
        unknown = [k for k in names if k not in named]
        if unknown:
            raise ValueError(f"params names {unknown} are not parameters of the module")
        params = {k: named[k] for k in names}
    if not params:
        raise ValueError("params is empty: the module has no trainable parameters")
    params = {k: v.detach() for k, v in params.items()}
    ref = next(iter(params.values()))
    X1 = torch.as_tensor(X1).to(ref.device)
    X2 = X1 if X2 is None else torch.as_tensor(X2).to(ref.device)
    for name, X in (("X1", X1), ("X2", X2)):
        if X.ndim < 1 or X.shape[0] == 0:
            raise ValueError(f"{name} must have a leading batch axis with at least one row")
        check_fits(module, X, name)

    def f(p, X):
        out = functional_call(module, p, (X,))
        return out.reshape(X.shape[0], -1)              # (n, k)

    def jac(X):                                         # (n, k, n_params)
        J = jacrev(f)(params, X)
        return torch.cat([j.reshape(X.shape[0], j.shape[1], -1) for j in J.values()], -1)

    blocks = []
    for a0, a1 in _chunks(X1.shape[0], chunk):
        J1 = jac(X1[a0:a1])
        row = []
        for b0, b1 in _chunks(X2.shape[0], chunk):
            J2 = J1 if (X2 is X1 and b0 == a0) else jac(X2[b0:b1])
            row.append(torch.einsum("akp,blp->abkl", J1, J2))
        blocks.append(torch.cat(row, 1))
    K = torch.cat(blocks, 0).detach()
    if K.shape[-1] == 1:
        return K[..., 0, 0]
    return torch.diagonal(K, dim1=-2, dim2=-1).sum(-1) if trace_outputs else K

