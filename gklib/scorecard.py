"""Recording the chapters' checks for the reproduction scorecard.

A chapter's hidden check cell measures a number, decides whether the paper's claim held, records both,
and then asserts::

    ok = gk.scorecard.record("fig1.delay_ratio", t_test / t_train, t_test > 3 * t_train)
    assert ok, (t_train, t_test)

:func:`record` displays the record as one output of MIME type :data:`MIME` (JSON: key, value, text,
passed, profile). Outputs are stored in the executed notebook — by the book build's execution cache
too — so the scorecard page (``book/scorecard.md``, built by the Sphinx extension
``book/_ext/gklib_scorecard.py``) is filled from this build's own records, never from typed numbers:
:func:`read_records` collects them from executed notebooks. A claim whose check fails is recorded
as failed before the assert stops the chapter.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from .config import get_profile

__all__ = ["MIME", "record", "read_records", "recorded"]

MIME = "application/vnd.gklib.record+json"
"""The MIME type of a record in a notebook output."""
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
    """Record the measured ``value`` of check ``key`` and whether its claim held (``passed``); return
    ``passed`` (so a chapter can ``assert record(...)``).

    ``key`` is ``"<row>.<name>"`` where ``<row>`` is a row of the scorecard (``book/scorecard.yml``).
    ``value``: a number, string or a short list of them; ``fmt`` formats numbers for the page.
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
        display({MIME: rec, "text/plain": f"scorecard {key} = {rec['text']} ({mark})"}, raw=True)
    return passed


def recorded() -> dict:
    """The records made in this Python process, by key (a copy)."""
    return {k: dict(v) for k, v in _RECORDS.items()}


def read_records(paths) -> dict:
    """Every record in the outputs of the executed notebooks ``paths`` (files or folders, searched for
    ``*.ipynb``), by key; each record gains ``"doc"``, the notebook's file stem. A key recorded twice
    keeps its last value."""
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
