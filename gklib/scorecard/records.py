"""The scorecard's records: a chapter records a measured number with :func:`record`, which displays it as
one notebook output of MIME type :data:`MIME`; :func:`read_records` reads the records back from the
executed notebooks when the scorecard page is written (:mod:`gklib.scorecard`).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ..config import get_profile
from ..params import Instance, Pattern, validate_params

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


@validate_params(key=Pattern(r"\w+(\.\w+)+", what="a key such as 'row.name' (letters, digits, '_' and '.')",
                             example="fig1.ratio"),
                 fmt=Pattern(r".*\{.*\}.*", what="a format string such as '{:.3g}'", example="{:.3g}"))
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


@validate_params(paths=Instance(str, Path, list, tuple, what="a path or a sequence of paths"))
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
