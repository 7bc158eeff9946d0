"""A chapter cell shows what it builds: a table or a static slider is displayed only when it is the
cell's last expression (or passed to ``display``); one built earlier in the cell is silently dropped.
This test reads every chapter's code cells and fails on such a dropped display object."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
# gklib functions whose result shows only through Jupyter's display of the cell's value
SHOWN_BY_VALUE = {"markdown_table", "run_slider_html", "seed_slider_html", "slider_figure", "chapter_explorer"}


def dropped_displays(source: str) -> list[int]:
    """Line numbers of bare calls to ``SHOWN_BY_VALUE`` functions that are not the cell's last statement."""
    try:
        body = ast.parse(source).body
    except SyntaxError:                     # IPython magics: not a chapter's style, nothing to check
        return []
    lines = []
    for node in body[:-1]:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            f = node.value.func
            if (getattr(f, "id", None) or getattr(f, "attr", None)) in SHOWN_BY_VALUE:
                lines.append(node.lineno)
    return lines


def test_dropped_displays_are_found():
    assert dropped_displays("markdown_table(h, r)\nx = 1") == [1]
    assert dropped_displays("gk.viz.run_slider_html(h, l, 'k', 0.1)\nprint(1)") == [1]
    assert dropped_displays("x = 1\nmarkdown_table(h, r)") == []
    assert dropped_displays("t = markdown_table(h, r)\ndisplay(t)") == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_table_or_slider_is_dropped(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    bad = [(i, dropped_displays("".join(c["source"]))) for i, c in enumerate(nb["cells"])
           if c["cell_type"] == "code"]
    bad = [(i, lines) for i, lines in bad if lines]
    assert not bad, f"{path.name}: cells (index, lines) whose table/slider is never shown: {bad}"
