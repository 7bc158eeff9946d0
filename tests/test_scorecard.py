"""The scorecard's records: what a chapter's check records is what the page reads back."""
import json

import numpy as np
import pytest

import gklib as gk
from gklib.scorecard import MIME, read_records, record, recorded


def test_record_returns_the_verdict_and_keeps_the_value():
    assert record("fig1.delay_ratio", np.float32(3.25), True) is True
    assert record("fig1.slopes", np.array([-1.02, np.nan]), [True, False], fmt="{:.2f}") is False
    r = recorded()
    assert r["fig1.delay_ratio"]["text"] == "3.25" and r["fig1.delay_ratio"]["passed"]
    assert r["fig1.slopes"]["value"] == [-1.02, "nan"] and r["fig1.slopes"]["text"] == "-1.02, nan"
    assert r["fig1.slopes"]["profile"] == gk.get_profile()
    for bad in ("nodot", "a.b c", 3):
        with pytest.raises(ValueError, match="key"):
            record(bad, 1.0, True)
    with pytest.raises(ValueError, match="fmt"):
        record("a.b", 1.0, True, fmt="%g")


def test_records_are_read_back_from_executed_notebooks(tmp_path):
    rec = {"key": "fig2.delay", "value": 120, "text": "120", "passed": False, "profile": "quick"}
    nb = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "display_data", "data": {MIME: rec, "text/plain": "scorecard"}, "metadata": {}},
        {"output_type": "stream", "name": "stdout", "text": "hello"}]},
        {"cell_type": "markdown", "source": "x"}]}
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "05_beyond_toy.ipynb").write_text(json.dumps(nb))
    (tmp_path / "broken.ipynb").write_text("{not json")
    got = read_records(tmp_path)
    assert list(got) == ["fig2.delay"]
    assert got["fig2.delay"]["doc"] == "05_beyond_toy" and got["fig2.delay"]["passed"] is False
