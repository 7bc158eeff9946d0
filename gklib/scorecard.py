"""The reproduction scorecard: chapters record measured numbers; rules judge the paper's claims.

Two kinds of check are kept apart.

* A chapter's hidden assert cells guard what the *course* says about its own figures; they must hold,
  and a failure stops the chapter (and the book build).
* The scorecard tests the *paper's* claims. A chapter records the numbers a claim is judged on::

      gk.scorecard.record("fig3ab.delay_ratio", t_test / t_train, t_test[-1] > t_test[0])

  ``passed`` is the course's own check of that number (kept with the record; the page mentions it
  only when it failed). Each row of the scorecard (``book/scorecard.yml``) quotes one claim of the
  paper, states the paper's setting and ours, and carries a **rule** that decides the row's status
  from the recorded values when the book is built. The status never stops the build.

:func:`record` displays the record as one output of MIME type :data:`MIME`; the executed notebooks
keep it, and :func:`read_records` reads it back when the scorecard page is written.

**Statuses.**

``reproduced``
    the rule's ``reproduced`` condition holds.
``partly``
    the ``partly`` condition holds (direction only), or ``reproduced`` holds but the row's
    ``best: partly`` says its setting is too far from the paper's to count as more.
``not reproduced``
    every record is there and neither condition holds.
``inconclusive``
    a record the rule reads is missing, the deciding number is NaN, the rule's ``inconclusive``
    condition holds (e.g. a censored run) or the rule cannot be evaluated on these values.
``not treated``
    the row has no rule: no chapter treats the result.

**The rule language.** A rule is a mapping with these fields (``number`` and ``reproduced`` are
required)::

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
import json
import math
import operator
from pathlib import Path

import numpy as np

from .config import get_profile

__all__ = ["MIME", "STATUSES", "record", "read_records", "recorded", "parse_rule", "validate_row",
           "load_rows", "judge"]

MIME = "application/vnd.gklib.record+json"
"""The MIME type of a record in a notebook output."""
STATUSES = ("reproduced", "partly", "not reproduced", "inconclusive", "not treated")
"""The statuses a scorecard row can show, best first."""
_RECORDS: dict = {}


def _plain(value):
    """A JSON-able copy of ``value`` (numbers, strings, booleans and lists of them; NaN/inf as strings)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else str(v)
    if isinstance(value, str):
        return value
    arr = np.asarray(value)
    if arr.ndim == 0:
        return _plain(arr.item())
    return [_plain(v) for v in arr.tolist()]


def _text(value, fmt: str) -> str:
    if isinstance(value, list):
        return ", ".join(_text(v, fmt) for v in value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return fmt.format(value)
    return str(value)


def record(key: str, value, passed, *, fmt: str = "{:.3g}") -> bool:
    """Record the measured ``value`` of ``key`` and the course's own check of it (``passed``), and display it
    as one notebook output of MIME type :data:`MIME` (the scorecard page reads it back).

    The row's status is decided by its rule from ``value``, not by ``passed``.

    Parameters
    ----------
    key : str
        ``"<row>.<name>"`` where ``<row>`` is a row of the scorecard (letters, digits, ``_`` and ``.``).
    value : float or str or list
        A number, a string or a short list of numbers (NaN and inf are kept, as strings).
    passed : bool or array_like of bool
        The course's own check (all must hold).
    fmt : str, default "{:.3g}"
        How numbers are shown on the page.

    Returns
    -------
    bool
        ``passed`` (so a chapter can ``assert record(...)``).

    Raises
    ------
    ValueError
        A malformed ``key`` or ``fmt``.

    Examples
    --------
    >>> from gklib import scorecard
    >>> scorecard.record("example.ratio", [2.0, 5.5], True)
    True
    >>> scorecard.recorded()["example.ratio"]["text"]
    '2, 5.5'
    """
    if not isinstance(key, str) or "." not in key or not key.replace(".", "").replace("_", "").isalnum():
        raise ValueError(f"key must look like 'row.name' (letters, digits, '_' and '.'), got {key!r}")
    if not isinstance(fmt, str) or "{" not in fmt:
        raise ValueError(f"fmt must be a format string such as '{{:.3g}}', got {fmt!r}")
    passed = bool(np.all(passed))
    plain = _plain(value)
    rec = {"key": key, "value": plain, "text": _text(plain, fmt), "passed": passed, "profile": get_profile()}
    _RECORDS[key] = rec
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - no IPython
        return passed
    if get_ipython() is not None:
        mark = "held" if passed else "FAILED"
        display({MIME: rec, "text/plain": f"scorecard {key} = {rec['text']} (course check {mark})"},
                raw=True)
    return passed


def recorded() -> dict:
    """The records made in this Python process, by key (a copy).

    Returns
    -------
    dict
        ``{key: {"key", "value", "text", "passed", "profile"}}``.

    Examples
    --------
    >>> from gklib import scorecard
    >>> _ = scorecard.record("example.t_test", 120.0, True)
    >>> scorecard.recorded()["example.t_test"]["value"]
    120.0
    """
    return {k: dict(v) for k, v in _RECORDS.items()}


def read_records(paths) -> dict:
    """Every record in the outputs of executed notebooks, by key; each record gains ``"doc"``, the notebook's
    file stem. A key recorded twice keeps its last value; unreadable files are skipped.

    Parameters
    ----------
    paths : str or pathlib.Path or sequence of them
        Notebook files or folders (searched for ``*.ipynb``).

    Returns
    -------
    dict
        ``{key: record}``.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> from gklib import scorecard
    >>> rec = {"key": "fig1.ratio", "value": 3.0, "text": "3", "passed": True, "profile": "book"}
    >>> nb = {"cells": [{"outputs": [{"data": {scorecard.MIME: rec}}]}]}
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "ch1.ipynb").write_text(json.dumps(nb))
    >>> scorecard.read_records(folder)["fig1.ratio"]["doc"]
    'ch1'
    """
    files = []
    for p in map(Path, [paths] if isinstance(paths, (str, Path)) else paths):
        files += sorted(p.rglob("*.ipynb")) if p.is_dir() else [p]
    out = {}
    for f in files:
        try:
            nb = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for cell in nb.get("cells", []):
            for o in cell.get("outputs", []):
                rec = o.get("data", {}).get(MIME)
                if isinstance(rec, str):
                    rec = json.loads(rec)
                if isinstance(rec, dict) and "key" in rec:
                    out[rec["key"]] = dict(rec, doc=f.stem)
    return out


# --------------------------------------------------------------------------------------------
# The rule language
# --------------------------------------------------------------------------------------------

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


def _key_names(row, where):
    keys = row.get("keys", [])
    if isinstance(keys, dict):
        names = dict(keys)
    elif isinstance(keys, list):
        names = {}
        for k in keys:
            if not isinstance(k, str) or "." not in k:
                raise ValueError(f"{where}, field 'keys': {k!r} is not a record key 'row.name'")
            n = k.split(".", 1)[1].replace(".", "_")
            if n in names:
                raise ValueError(f"{where}, field 'keys': two keys are named {n!r}; "
                                 "give them names with a mapping {name: key}")
            names[n] = k
    else:
        raise ValueError(f"{where}, field 'keys': must be a list of keys or a mapping, got {keys!r}")
    for n, k in names.items():
        if not (isinstance(n, str) and n.isidentifier()) or not isinstance(k, str) or "." not in k:
            raise ValueError(f"{where}, field 'keys': bad name {n!r} or key {k!r}")
        if n in CONSTANTS or n in FUNCTIONS or n == "number":
            raise ValueError(f"{where}, field 'keys': the name {n!r} is reserved")
    return names


ROW_FIELDS = {"id", "result", "source", "claim", "paper_setting", "our_setting", "deviations",
              "where", "where_text", "keys", "labels", "rule", "best", "note"}
_REQUIRED = ("id", "result", "source", "claim")


def validate_row(row):
    """Check one scorecard row (required texts, known fields, record keys, the rule's expressions).

    Parameters
    ----------
    row : dict
        The row as loaded from ``book/scorecard.yml``.

    Returns
    -------
    dict
        The row with ``"_names"`` (rule name -> record key) and ``"_rule"`` (parsed rule, or ``None``).

    Raises
    ------
    ValueError
        Naming the row and field.

    Examples
    --------
    >>> from gklib.scorecard import validate_row
    >>> validate_row({"id": "x", "result": "r", "source": "s", "claim": "c"})["_rule"] is None
    True
    """
    rid = row.get("id", "?") if isinstance(row, dict) else "?"
    where = f"scorecard row {rid!r}"
    if not isinstance(row, dict):
        raise ValueError(f"{where}: a row must be a mapping, got {row!r}")
    for f in _REQUIRED:
        if not isinstance(row.get(f), str) or not row[f].strip():
            raise ValueError(f"{where}, field {f!r}: required text is missing")
    unknown = set(row) - ROW_FIELDS
    if unknown:
        raise ValueError(f"{where}, field {sorted(unknown)[0]!r}: unknown field "
                         f"(allowed: {', '.join(sorted(ROW_FIELDS))})")
    names = _key_names(row, where)
    out = dict(row, _names=names, _rule=None)
    if row.get("best", "reproduced") not in ("reproduced", "partly"):
        raise ValueError(f"{where}, field 'best': must be 'reproduced' or 'partly', got {row['best']!r}")
    rule = row.get("rule")
    if rule is None:
        if names:
            raise ValueError(f"{where}, field 'rule': a row with record keys needs a rule")
        return out
    if not names:
        raise ValueError(f"{where}, field 'keys': a row with a rule needs record keys")
    if not isinstance(row.get("where"), str):
        raise ValueError(f"{where}, field 'where': a treated row names the chapter that treats it")
    if not isinstance(rule, dict):
        raise ValueError(f"{where}, field 'rule': must be a mapping of {', '.join(RULE_FIELDS)}")
    for f in rule:
        if f not in RULE_FIELDS:
            raise ValueError(f"{where}, field 'rule.{f}': unknown (allowed: {', '.join(RULE_FIELDS)})")
    fmt = rule.get("format", "{:.3g}")
    try:
        ok = isinstance(fmt, str) and "{" in fmt and isinstance(fmt.format(1.5), str)
    except (ValueError, IndexError, KeyError):
        ok = False
    if not ok:
        raise ValueError(f"{where}, field 'rule.format': must be a format such as '{{:.2g}}', got {fmt!r}")
    for f in ("number", "reproduced"):
        if f not in rule:
            raise ValueError(f"{where}, field 'rule.{f}': required")
    parsed = {"number": parse_rule(rule["number"], names, f"{where}, field 'rule.number'")}
    for f in ("inconclusive", "reproduced", "partly"):
        if f in rule:
            parsed[f] = parse_rule(rule[f], {*names, "number"}, f"{where}, field 'rule.{f}'")
    out["_rule"] = parsed
    return out


def load_rows(path_or_data):
    """The validated rows of a scorecard (:func:`validate_row` on each; ids unique).

    Parameters
    ----------
    path_or_data : str or pathlib.Path or dict
        A YAML file, or its already-loaded content ``{"rows": [...]}``.

    Returns
    -------
    list of dict
        The validated rows.

    Raises
    ------
    ValueError
        A malformed file or row, or an id used twice.

    Examples
    --------
    >>> from gklib import scorecard
    >>> rows = scorecard.load_rows({"rows": [{"id": "fig1", "result": "delay", "source": "Fig 1",
    ...     "claim": "the test loss lags", "where": "ch1", "keys": ["fig1.ratio"],
    ...     "rule": {"number": "last(ratio)", "reproduced": "number > 2", "partly": "number > 1"}}]})
    >>> rows[0]["_names"]
    {'ratio': 'fig1.ratio'}
    """
    if isinstance(path_or_data, (str, Path)):
        import yaml
        data = yaml.safe_load(Path(path_or_data).read_text(encoding="utf-8"))
    else:
        data = path_or_data
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise ValueError("scorecard: the file must hold a mapping with a list 'rows'")
    rows = [validate_row(r) for r in data["rows"]]
    ids = [r["id"] for r in rows]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise ValueError(f"scorecard row {sorted(dup)[0]!r}, field 'id': used twice")
    return rows


def _fmt(v, fmt="{:.3g}"):
    if isinstance(v, str):
        return v
    a = np.asarray(v, dtype=float)
    if a.ndim:
        return ", ".join(_fmt(x, fmt) for x in a.tolist())
    x = float(a)
    if not math.isfinite(x):
        return str(x)
    return fmt.format(x)


def judge(row, records) -> dict:
    """The status of a validated row given the records: the rule's deciding number, then its conditions in
    the order ``inconclusive``, ``reproduced``, ``partly`` (none holds: ``not reproduced``).

    Parameters
    ----------
    row : dict
        A row from :func:`load_rows`.
    records : dict
        Records by key, from :func:`read_records` (or :func:`recorded`).

    Returns
    -------
    dict
        ``status`` (one of :data:`STATUSES`), ``reason`` (a short phrase), ``number`` (the deciding number
        or ``None``), ``number_text`` and, where ``best: partly`` turned "reproduced" into "partly",
        ``capped``.

    Examples
    --------
    >>> from gklib import scorecard
    >>> rows = scorecard.load_rows({"rows": [{"id": "fig1", "result": "delay", "source": "Fig 1",
    ...     "claim": "the test loss lags", "where": "ch1", "keys": ["fig1.ratio"],
    ...     "rule": {"number": "last(ratio)", "reproduced": "number > 2", "partly": "number > 1"}}]})
    >>> v = scorecard.judge(rows[0], {"fig1.ratio": {"value": [1.0, 3.5]}})
    >>> v["status"], v["number_text"]
    ('reproduced', '3.5')
    >>> scorecard.judge(rows[0], {})["status"]
    'inconclusive'
    """
    verdict = {"status": "not treated", "reason": "no chapter treats this result", "number": None,
               "number_text": ""}
    rule = row.get("_rule")
    if rule is None:
        return verdict
    missing = [k for k in row["_names"].values() if k not in records]
    if missing:
        return dict(verdict, status="inconclusive", reason="record missing: " + ", ".join(missing))
    env = {n: _value(records[k]["value"]) for n, k in row["_names"].items()}
    try:
        with np.errstate(all="ignore"):
            number = _eval(rule["number"], env)
            verdict.update(number=number, number_text=_fmt(number, row["rule"].get("format", "{:.3g}")))
            if not isinstance(number, str) and np.isnan(np.asarray(number, dtype=float)).any():
                return dict(verdict, status="inconclusive", reason="the deciding number is NaN")
            env["number"] = number
            for status in ("inconclusive", "reproduced", "partly"):
                if status in rule and _truth(_eval(rule[status], env), f"rule.{status}"):
                    break
            else:
                status = "not reproduced"
    except (_EvalError, TypeError, ValueError, ArithmeticError) as e:
        return dict(verdict, status="inconclusive", reason=f"rule not evaluable: {e}")
    reason = {"inconclusive": "the rule's inconclusive condition holds",
              "reproduced": "the rule's reproduced condition holds",
              "partly": "only the rule's partly condition holds",
              "not reproduced": "neither condition holds"}[status]
    if status == "reproduced" and row.get("best") == "partly":
        return dict(verdict, status="partly", capped=True,
                    reason="reproduced at a setting far from the paper's (see deviations): partly")
    return dict(verdict, status=status, reason=reason)
