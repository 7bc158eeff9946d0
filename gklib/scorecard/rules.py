"""The scorecard's rule language: the expressions that decide a row's status (:mod:`gklib.scorecard`)
from its records.

A rule is a mapping with these fields (``number`` and ``reproduced`` are required)::

    rule:
      number: "last(ratio) / first(ratio)"      # the deciding number, shown beside the status
      says: "growth of t_test/t_train from the smallest to the largest α"
      format: "{:.2g}"                          # optional: how the number is shown
      inconclusive: "not finite(last(ratio))"   # optional: checked first
      reproduced: "number >= 3"
      partly: "number > 1"                      # optional

Conditions are checked in the order ``inconclusive``, ``reproduced``, ``partly``; when none holds the
status is ``not reproduced``. Each field is one expression in a small, safe subset of Python syntax,
parsed with ``ast`` and evaluated by this module (never by ``eval``):

* names: the row's records, by their name after the row prefix (``keys: [fig1.times]`` gives
  ``times``; ``keys: {lag: fig1.times}`` names it ``lag``), ``number`` (in the conditions),
  ``inf``, ``nan``, ``true``, ``false``; a record's value is a number or a NumPy array (lists);
* numbers, strings, lists of numbers; indexing ``x[0]``, ``x[-1]``, slices ``x[1:]``;
* arithmetic ``+ - * / ** %`` (element-wise), comparisons ``< <= > >= == !=`` (element-wise, may
  be chained), ``and``, ``or``, ``not`` (on single truth values: use ``all``/``any`` on arrays);
* the functions in ``FUNCTIONS`` (``all any min max abs len sum mean median first last log
  log10 sqrt exp finite finite_values count increasing decreasing``): ``first``/``last`` give the
  first/last element, ``finite`` tests each element, ``finite_values`` keeps the finite ones,
  ``count`` counts the true ones, ``increasing(x, tol)``/``decreasing(x, tol)`` say whether every
  step goes up (down), allowing a step back of ``tol`` times the previous value (default 0).

Anything else — attributes, keyword arguments, lambdas, comprehensions, unknown names — is rejected
when the rows are loaded (:func:`load_rows`), with a :class:`ValueError` naming the row and field.
"""
from __future__ import annotations

import ast
import math
import operator

import numpy as np

from ..params import Instance, validate_params

__all__ = ["FUNCTIONS", "CONSTANTS", "RULE_FIELDS", "parse_rule"]


def _arr(x):
    return np.asarray(x, dtype=float)


def _monotone(x, tol, sign):
    x = _arr(x)
    if x.ndim != 1 or x.size < 2:
        raise _EvalError(f"increasing/decreasing need a list of at least 2 numbers, got {x}")
    d = sign * np.diff(x)
    return bool(np.all(d >= -float(tol) * np.abs(x[:-1])))


def _one(name, f):
    def g(x):
        x = _arr(x)
        if x.size == 0:
            raise _EvalError(f"{name}() of an empty list")
        return f(x)
    return g


FUNCTIONS = {
    "all": lambda x: bool(np.all(x)),
    "any": lambda x: bool(np.any(x)),
    "min": lambda *a: float(np.min(_arr(a[0]) if len(a) == 1 else _arr(a))),
    "max": lambda *a: float(np.max(_arr(a[0]) if len(a) == 1 else _arr(a))),
    "abs": lambda x: np.abs(_arr(x)),
    "len": lambda x: int(np.size(x)),
    "sum": lambda x: float(np.sum(_arr(x))),
    "mean": _one("mean", lambda x: float(np.mean(x))),
    "median": _one("median", lambda x: float(np.median(x))),
    "first": _one("first", lambda x: float(x.ravel()[0])),
    "last": _one("last", lambda x: float(x.ravel()[-1])),
    "log": lambda x: np.log(_arr(x)),
    "log10": lambda x: np.log10(_arr(x)),
    "sqrt": lambda x: np.sqrt(_arr(x)),
    "exp": lambda x: np.exp(_arr(x)),
    "finite": lambda x: np.isfinite(_arr(x)),
    "finite_values": lambda x: _arr(x)[np.isfinite(_arr(x))],
    "count": lambda x: int(np.count_nonzero(x)),
    "increasing": lambda x, tol=0.0: _monotone(x, tol, +1),
    "decreasing": lambda x, tol=0.0: _monotone(x, tol, -1),
}
"""The functions a rule may call. ``first``/``last``: the first/last element; ``finite``: element-wise
test; ``finite_values``: the finite elements; ``count``: how many are true; ``increasing(x, tol)`` /
``decreasing(x, tol)``: every step goes up (down), allowing a relative step back of ``tol``."""
_ARITY = {"min": (1, 9), "max": (1, 9), "increasing": (1, 2), "decreasing": (1, 2)}
CONSTANTS = {"inf": math.inf, "nan": math.nan, "true": True, "false": False}
RULE_FIELDS = ("number", "says", "format", "inconclusive", "reproduced", "partly")
_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow, ast.Mod: operator.mod}
_CMPOPS = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
           ast.Eq: operator.eq, ast.NotEq: operator.ne}


class _EvalError(Exception):
    """A rule could not be evaluated on these values (the row becomes inconclusive)."""


def _check(node, names, where):
    """Raise ValueError unless ``node`` uses only the rule language's syntax and ``names``."""
    def bad(msg):
        raise ValueError(f"{where}: {msg}")

    if isinstance(node, ast.Expression):
        return _check(node.body, names, where)
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, (int, float, str)) or node.value is None:
            bad(f"constant {node.value!r} is not allowed")
        return
    if isinstance(node, ast.Name):
        if node.id not in names and node.id not in CONSTANTS:
            bad(f"unknown name {node.id!r} (known: {', '.join(sorted(names))})")
        return
    if isinstance(node, (ast.List, ast.Tuple)):
        for e in node.elts:
            _check(e, names, where)
        return
    if isinstance(node, ast.BoolOp):
        for v in node.values:
            _check(v, names, where)
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.Not, ast.USub, ast.UAdd)):
            bad(f"operator {type(node.op).__name__} is not allowed")
        return _check(node.operand, names, where)
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            bad(f"operator {type(node.op).__name__} is not allowed")
        _check(node.left, names, where)
        return _check(node.right, names, where)
    if isinstance(node, ast.Compare):
        if any(type(o) not in _CMPOPS for o in node.ops):
            bad("only < <= > >= == != comparisons are allowed")
        for v in [node.left, *node.comparators]:
            _check(v, names, where)
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            fn = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            bad(f"function {fn!r} is not allowed (allowed: {', '.join(FUNCTIONS)})")
        if node.keywords:
            bad(f"keyword arguments are not allowed in {node.func.id}()")
        lo, hi = _ARITY.get(node.func.id, (1, 1))
        if not lo <= len(node.args) <= hi:
            bad(f"{node.func.id}() takes {lo}–{hi} arguments" if hi > lo
                else f"{node.func.id}() takes {lo} argument")
        for a in node.args:
            _check(a, names, where)
        return
    if isinstance(node, ast.Subscript):
        _check(node.value, names, where)
        sl = node.slice
        parts = [sl.lower, sl.upper, sl.step] if isinstance(sl, ast.Slice) else [sl]
        for p in parts:
            if p is None:
                continue
            if isinstance(p, ast.UnaryOp) and isinstance(p.op, ast.USub):
                p = p.operand
            if not (isinstance(p, ast.Constant) and isinstance(p.value, int)):
                bad("an index must be a whole number such as x[0], x[-1] or x[1:]")
        return
    bad(f"{type(node).__name__} is not allowed in a rule ({ast.unparse(node)!r})")


@validate_params(text=Instance(str, what="a string"), names=Instance(set, frozenset, dict, list, tuple,
                                                                 what="a collection of names"),
                 where=Instance(str, what="a string"))
def parse_rule(text, names, where: str = "rule"):
    """Parse one rule expression over the given names and return its syntax tree (checked against the rule
    language of this module; never evaluated by ``eval``).

    Parameters
    ----------
    text : str
        The expression, e.g. ``"last(ratio) / first(ratio)"``.
    names : iterable of str
        The names it may use (besides the constants and functions).
    where : str, default "rule"
        Prefix of the error message, e.g. ``"row 'fig1', field 'rule.reproduced'"``.

    Returns
    -------
    ast.Expression
        The parsed expression.

    Raises
    ------
    ValueError
        Anything outside the rule language (attributes, unknown names, lambdas, ...).

    Examples
    --------
    >>> from gklib.scorecard import parse_rule
    >>> type(parse_rule("last(ratio) > 2", {"ratio"})).__name__
    'Expression'
    >>> parse_rule("ratio.__class__", {"ratio"})
    Traceback (most recent call last):
    ...
    ValueError: rule: Attribute is not allowed in a rule ('ratio.__class__')
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{where}: must be a non-empty expression string, got {text!r}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise ValueError(f"{where}: not a valid expression ({e.msg}): {text!r}") from None
    _check(tree, set(names), where)
    return tree


def _truth(v, what):
    a = np.asarray(v)
    if a.size != 1:
        raise _EvalError(f"{what} gave {a.size} truth values; use all() or any()")
    return bool(a.item())


def _eval(node, env):
    if isinstance(node, ast.Expression):
        return _eval(node.body, env)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return env[node.id] if node.id in env else CONSTANTS[node.id]
    if isinstance(node, (ast.List, ast.Tuple)):
        return _arr([_eval(e, env) for e in node.elts])
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            return all(_truth(_eval(v, env), "'and'") for v in node.values)
        return any(_truth(_eval(v, env), "'or'") for v in node.values)
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, env)
        if isinstance(node.op, ast.Not):
            return not _truth(v, "'not'")
        return -_num(v) if isinstance(node.op, ast.USub) else _num(v)
    if isinstance(node, ast.BinOp):
        return _BINOPS[type(node.op)](_num(_eval(node.left, env)), _num(_eval(node.right, env)))
    if isinstance(node, ast.Compare):
        left, out = _eval(node.left, env), True
        for op, right_node in zip(node.ops, node.comparators):
            right = _eval(right_node, env)
            if isinstance(left, str) or isinstance(right, str):
                res = _CMPOPS[type(op)](left, right) if type(op) in (ast.Eq, ast.NotEq) else None
                if res is None:
                    raise _EvalError("strings can only be compared with == or !=")
            else:
                res = _CMPOPS[type(op)](_num(left), _num(right))
            out = np.logical_and(out, res)
            left = right
        return out if np.ndim(out) else bool(out)
    if isinstance(node, ast.Call):
        return FUNCTIONS[node.func.id](*[_eval(a, env) for a in node.args])
    if isinstance(node, ast.Subscript):
        v = _eval(node.value, env)
        a = np.atleast_1d(_num(v))
        sl = node.slice

        def const(p):
            if p is None:
                return None
            return -p.operand.value if isinstance(p, ast.UnaryOp) else p.value
        try:
            if isinstance(sl, ast.Slice):
                return a[const(sl.lower):const(sl.upper):const(sl.step)]
            return float(a[const(sl)])
        except IndexError:
            raise _EvalError(f"index {ast.unparse(node)} out of range (length {a.size})") from None
    raise _EvalError(f"cannot evaluate {ast.unparse(node)}")  # pragma: no cover - checked on parse


def _num(v):
    if isinstance(v, str):
        raise _EvalError(f"arithmetic on the text {v!r}")
    return np.asarray(v, dtype=float) if np.ndim(v) else np.float64(v)   # x / 0 gives inf, not an error


def _value(plain):
    """A record's stored value as the rule sees it: numbers as float (``"nan"``, ``"inf"`` too),
    lists as float arrays, other text as text."""
    if isinstance(plain, list):
        try:
            return np.array([float(v) for v in plain])
        except (TypeError, ValueError):
            return plain
    if isinstance(plain, bool):
        return float(plain)
    if isinstance(plain, str):
        try:
            return float(plain)
        except ValueError:
            return plain
    return float(plain)

