"""The scorecard's rows (``book/scorecard.yml``): each quotes one claim of the paper and carries a rule
(:mod:`gklib.scorecard.rules`); :func:`load_rows` validates them, :func:`judge` decides a row's status
(:data:`STATUSES`) from the records (:mod:`gklib.scorecard.records`).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..params import Instance, validate_params
from .rules import CONSTANTS, FUNCTIONS, RULE_FIELDS, _EvalError, _eval, _truth, _value, parse_rule

__all__ = ["STATUSES", "validate_row", "load_rows", "judge"]

STATUSES = ("reproduced", "partly", "not reproduced", "inconclusive", "not treated")
"""The statuses a scorecard row can show, best first."""


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
              "where", "where_text", "keys", "labels", "rule", "best", "best_reason", "note"}
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
    if "best_reason" in row and (row.get("best") != "partly" or not isinstance(row["best_reason"], str)
                                 or not row["best_reason"].strip()):
        raise ValueError(f"{where}, field 'best_reason': a short text, and only on a row with best: partly")
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


@validate_params(path_or_data=Instance(str, Path, dict, what="a path or a dict {'rows': [...]}"))
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


@validate_params(row=Instance(dict, what="a row from load_rows"), records=Instance(dict, what="a dict {key: record}"))
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
        why = row.get("best_reason", "reproduced at a setting far from the paper's (see deviations)")
        return dict(verdict, status="partly", capped=True, reason=f"{why}: partly")
    return dict(verdict, status=status, reason=reason)
