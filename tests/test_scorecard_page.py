"""The scorecard page, built by Sphinx with the book's extension from fake executed chapters: a paper
claim whose recorded number fails its rule shows "not reproduced" (and the build goes on), a missing
record shows "inconclusive", a row without a rule "not treated", and the count at the top agrees."""
import io
import json
import re
import sys
from pathlib import Path

import pytest

from gklib.scorecard import MIME

ROOT = Path(__file__).resolve().parents[1]
sphinx_app = pytest.importorskip("sphinx.application")

ROWS = """
rows:
  - id: delay
    result: "Delay grows"
    source: "§5.1"
    claim: "Large α increases the timescale separation."
    paper_setting: "D=100"
    our_setting: "D=40"
    deviations: "smaller"
    where: chapter
    where_text: "Chapter"
    keys: [delay.ratio]
    rule:
      number: "last(ratio) / first(ratio)"
      says: "growth of t_test/t_train"
      reproduced: "number >= 3"
      partly: "number > 1"
  - id: fails
    result: "A claim that fails"
    source: "§9"
    claim: "The delay vanishes at small α."
    paper_setting: "p"
    our_setting: "o"
    deviations: "d"
    where: chapter
    keys: [fails.ratio]
    rule:
      number: "first(ratio)"
      says: "t_test/t_train at the smallest α"
      reproduced: "number <= 1.5"
  - id: missing
    result: "Never recorded"
    source: "App 1"
    claim: "Something."
    paper_setting: "p"
    our_setting: "o"
    deviations: "d"
    where: chapter
    keys: [missing.value]
    rule: {number: "value", reproduced: "number > 0"}
  - id: untreated
    result: "Not in the course"
    source: "App 10"
    claim: "Hard tasks need more feature learning."
    note: "no chapter measures it"
"""


def _nb(records):
    outs = [{"output_type": "display_data", "metadata": {},
             "data": {MIME: dict(r, text=str(r["value"]), profile="quick"), "text/plain": "scorecard"}}
            for r in records]
    return {"cells": [{"cell_type": "code", "source": "", "metadata": {}, "outputs": outs,
                       "execution_count": 1}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def build(tmp_path, rows=ROWS):
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'book' / '_ext')!r})\n"
        "extensions = ['gklib_scorecard']\nproject = 'test'\nexclude_patterns = ['_build']\n")
    (src / "index.rst").write_text("Test\n====\n\n.. toctree::\n\n   chapter\n   scorecard\n")
    (src / "chapter.rst").write_text("Chapter\n=======\n\nText.\n")
    (src / "scorecard.rst").write_text("Scorecard\n=========\n\n.. gk-scorecard::\n   :rows: rows.yml\n")
    (src / "rows.yml").write_text(rows)
    ex = src / "_build" / "jupyter_execute"
    ex.mkdir(parents=True)
    (ex / "chapter.ipynb").write_text(json.dumps(_nb([
        {"key": "delay.ratio", "value": [1.2, 2.0, 4.8], "passed": True},
        {"key": "fails.ratio", "value": [4.5, 5.0], "passed": True}])))
    warnings = io.StringIO()
    app = sphinx_app.Sphinx(str(src), str(src), str(src / "_build" / "html"), str(src / "_build" / "doctrees"),
                            "html", status=None, warning=warnings, freshenv=True)
    app.build()
    assert app.statuscode == 0, warnings.getvalue()
    return (src / "_build" / "html" / "scorecard.html").read_text(encoding="utf-8")


def _row_html(html, rid):
    m = re.search(rf'<tr[^>]*id="score-{rid}".*?</tr>', html, re.S)
    assert m, rid
    return m.group(0)


def test_a_failing_paper_claim_builds_and_shows_not_reproduced(tmp_path):
    sys.modules.pop("gklib_scorecard", None)
    html = build(tmp_path)
    fails = _row_html(html, "fails")
    assert 'class="gk-status gk-notreproduced">not reproduced<' in fails
    assert "t_test/t_train at the smallest α = " in fails and "<strong>4.5</strong>" in fails
    assert "The delay vanishes at small α." in fails
    delay = _row_html(html, "delay")
    assert 'gk-status gk-reproduced">reproduced<' in delay and "<strong>4</strong>" in delay
    assert 'href="chapter.html"' in delay and "Paper:" in delay and "Deviations:" in delay
    assert "reproduced if <code" in delay                       # the rule is shown
    missing = _row_html(html, "missing")
    assert 'gk-inconclusive">inconclusive<' in missing and "record missing: missing.value" in missing
    untreated = _row_html(html, "untreated")
    assert 'gk-nottreated">not treated<' in untreated and "no chapter measures it" in untreated
    summary = re.search(r'<p class="gk-summary">(.*?)</p>', html, re.S).group(1)
    text = re.sub(r"<[^>]+>", "", summary)
    assert text.startswith("4 results of the paper:")
    for n, s in ((1, "reproduced"), (1, "not reproduced"), (1, "inconclusive"), (1, "not treated")):
        assert f"{n} {s}" in text, text
    assert "partly" not in text and "2 records of this build" in html
    # the index: one line per status, each row named once, linking to its row
    idx = re.search(r'<ul class="gk-index[^"]*">(.*?)</ul>', html, re.S).group(1)
    assert idx.count("<li>") == 4 and all(f'href="#score-{i}"' in idx for i in ("fails", "delay", "missing",
                                                                                  "untreated"))


def test_an_invalid_rule_stops_the_build_naming_the_row(tmp_path):
    sys.modules.pop("gklib_scorecard", None)
    bad = ROWS.replace('reproduced: "number <= 1.5"', 'reproduced: "__import__(\'os\')"')
    with pytest.raises(Exception, match=r"row 'fails', field 'rule.reproduced'"):   # in an ExtensionError
        build(tmp_path, bad)
