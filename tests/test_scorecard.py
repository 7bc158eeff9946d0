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


# ------------------------------------------------------------------ the rule language
from pathlib import Path  # noqa: E402

from gklib.scorecard import FUNCTIONS, STATUSES, judge, load_rows, parse_rule, validate_row  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _row(rule=None, keys=("r.ratio",), **kw):
    row = dict(id="r", result="R", source="§1", claim="c", where="book/intro", keys=list(keys), **kw)
    if rule is not None:
        row["rule"] = rule
    return row


def _recs(**values):
    return {f"r.{k}": {"key": f"r.{k}", "value": v, "text": str(v), "passed": True} for k, v in values.items()}


def _status(rule, keys=("r.ratio",), row_kw=None, **values):
    return judge(validate_row(_row(rule, keys, **(row_kw or {}))), _recs(**values))


RATIO_RULE = {"number": "last(ratio) / first(ratio)", "reproduced": "number >= 3", "partly": "number > 1"}


def test_rule_decides_every_status_from_the_numbers():
    assert _status(RATIO_RULE, ratio=[1.0, 2.0, 4.0])["status"] == "reproduced"
    v = _status(RATIO_RULE, ratio=[1.0, 2.0])
    assert v["status"] == "partly" and v["number"] == 2.0 and v["number_text"] == "2"
    assert _status(RATIO_RULE, ratio=[2.0, 1.0])["status"] == "not reproduced"
    # a missing record, a NaN deciding number (recorded as the string "nan") and a censored run
    v = judge(validate_row(_row(RATIO_RULE)), {})
    assert v["status"] == "inconclusive" and "record missing: r.ratio" in v["reason"]
    assert _status(RATIO_RULE, ratio=[1.0, "nan"])["status"] == "inconclusive"
    cens = dict(RATIO_RULE, inconclusive="not finite(last(ratio))")
    assert _status(cens, ratio=[1.0, "inf"])["status"] == "inconclusive"
    assert _status(RATIO_RULE, ratio=[1.0, "inf"])["status"] == "reproduced"     # without that clause
    # best: partly caps a row whose setting is far from the paper's
    v = _status(RATIO_RULE, row_kw={"best": "partly"}, ratio=[1.0, 4.0])
    assert v["status"] == "partly" and v["capped"] and "setting" in v["reason"]
    v = _status(RATIO_RULE, row_kw={"best": "partly", "best_reason": "reproduced on chosen draws"}, ratio=[1.0, 4.0])
    assert v["status"] == "partly" and v["reason"] == "reproduced on chosen draws: partly"
    assert _status(RATIO_RULE, row_kw={"best": "partly", "best_reason": "x"}, ratio=[1.0, 1.2])["reason"] == \
        "only the rule's partly condition holds"                     # the reason shows only where it capped
    # a rule that cannot be evaluated on these values is inconclusive, it does not raise
    v = _status({"number": "ratio[5]", "reproduced": "number > 0"}, ratio=[1.0, 2.0])
    assert v["status"] == "inconclusive" and "out of range" in v["reason"]
    v = _status({"number": "first(ratio)", "reproduced": "ratio > 0"}, ratio=[1.0, 2.0])
    assert v["status"] == "inconclusive" and "all() or any()" in v["reason"]
    # division by zero follows IEEE arithmetic: inf (here: reproduced), 0/0 is NaN (inconclusive)
    assert _status(RATIO_RULE, ratio=[0.0, 2.0])["number"] == np.inf
    assert _status(RATIO_RULE, ratio=[0.0, 0.0])["status"] == "inconclusive"
    # no rule, no keys: not treated
    v = judge(validate_row(dict(id="x", result="X", source="App 10", claim="c", note="n")), {})
    assert v["status"] == "not treated"
    assert set(STATUSES) == {"reproduced", "partly", "not reproduced", "inconclusive", "not treated"}


def test_rule_expressions_compute_what_they_say():
    keys = {"a": "r.a", "b": "r.b", "s": "r.s"}
    recs = {"r.a": {"value": [1.0, 2.0, 2.1, "inf"]}, "r.b": {"value": 0.25}, "r.s": {"value": "adam"}}
    row = validate_row(_row(None, keys=()) | {"keys": keys, "rule": {"number": "0", "reproduced": "true"}})

    def ev(expr):
        r = dict(row, rule={"number": expr, "reproduced": "true"})
        return judge(validate_row({k: v for k, v in r.items() if not k.startswith("_")}), recs)["number"]

    assert ev("len(a)") == 4 and ev("count(finite(a))") == 3
    assert ev("max(finite_values(a))") == 2.1 and ev("min(b, 3)") == 0.25
    assert ev("a[-2] - a[0]") == pytest.approx(1.1) and ev("sum(a[:3])") == pytest.approx(5.1)
    assert ev("increasing(a)") is True and ev("decreasing(a)") is False
    assert ev("increasing([1, 2, 1.95], 0.05)") is True and ev("increasing([1, 2, 1.8], 0.05)") is False
    assert ev("0 < b < 1") is True and ev("0 < b < 0.2") is False         # chained comparisons
    assert ev("all(finite_values(a) > 0.5) and b == 0.25") is True
    assert ev("s == 'adam'") is True and ev("not s != 'adam'") is True
    assert ev("median([3, 1, 2])") == 2 and ev("mean([1, 2])") == 1.5 and ev("abs(-2)") == 2
    assert ev("log10(100)") == pytest.approx(2) and ev("2 ** 3 % 5") == 3
    np.testing.assert_allclose(ev("[first(a), b / 2]"), [1.0, 0.125])
    assert set(FUNCTIONS) >= {"all", "any", "increasing", "finite_values", "first", "last"}


@pytest.mark.parametrize("field, expr, msg", [
    ("number", "ratio.__class__", "Attribute"),
    ("number", "__import__('os')", "function '__import__'"),
    ("number", "eval('1')", "function 'eval'"),
    ("number", "open('x')", "function 'open'"),
    ("reproduced", "lambda: 1", "Lambda"),
    ("reproduced", "[x for x in ratio]", "ListComp"),
    ("reproduced", "increasing(ratio, tol=1)", "keyword"),
    ("reproduced", "speed > 3", "unknown name 'speed'"),
    ("number", "number + 1", "unknown name 'number'"),     # number is not defined inside itself
    ("reproduced", "ratio[number]", "index"),
    ("reproduced", "ratio >", "not a valid expression"),
    ("reproduced", "", "non-empty"),
    ("partly", "ratio @ ratio", "MatMult"),
    ("partly", "ratio in [1]", "comparisons"),
    ("partly", "first(ratio, ratio)", "takes 1 argument"),
    ("partly", "None", "constant"),
])
def test_invalid_rules_raise_naming_the_row_and_field(field, expr, msg):
    rule = dict(RATIO_RULE, **{field: expr})
    with pytest.raises(ValueError, match=rf"row 'r', field 'rule\.{field}'.*{msg}"):
        validate_row(_row(rule))


@pytest.mark.parametrize("change, field", [
    ({"rule": dict(RATIO_RULE, verdict="x")}, "rule.verdict"),
    ({"rule": {"reproduced": "true"}}, "rule.number"),
    ({"rule": {"number": "1"}}, "rule.reproduced"),
    ({"rule": dict(RATIO_RULE, format="%g")}, "rule.format"),
    ({"rule": "number > 3"}, "rule"),
    ({"rule": None}, "rule"),
    ({"keys": []}, "keys"),
    ({"keys": ["r.ratio", "s.ratio"]}, "keys"),
    ({"keys": ["noprefix"]}, "keys"),
    ({"keys": {"all": "r.ratio"}}, "keys"),
    ({"best": "reproduced!"}, "best"),
    ({"best_reason": "far"}, "best_reason"),                            # without best: partly
    ({"best": "partly", "best_reason": " "}, "best_reason"),
    ({"claim": ""}, "claim"),
    ({"colour": "red"}, "colour"),
    ({"where": None}, "where"),
])
def test_invalid_rows_raise_naming_the_row_and_field(change, field):
    row = dict(_row(RATIO_RULE), **change)
    for k in ("rule", "where"):           # None: leave the field out (keys without a rule, no chapter)
        if row[k] is None:
            del row[k]
    with pytest.raises(ValueError, match=rf"row 'r', field '{field}'"):
        validate_row(row)


def test_load_rows_rejects_duplicates_and_bad_files():
    row = _row(RATIO_RULE)
    with pytest.raises(ValueError, match="row 'r', field 'id'"):
        load_rows({"rows": [row, row]})
    with pytest.raises(ValueError, match="list 'rows'"):
        load_rows({"row": []})


def test_parse_rule_is_usable_alone():
    tree = parse_rule("max(x) > 2", {"x"})
    assert tree.body.__class__.__name__ == "Compare"
    with pytest.raises(ValueError, match="^here: unknown name 'y'"):
        parse_rule("y > 2", {"x"}, "here")


def test_the_book_rows_are_valid_and_quote_the_paper():
    rows = load_rows(ROOT / "book" / "scorecard.yml")
    assert len(rows) >= 30
    docs = {p.stem for p in (ROOT / "book").glob("*.ipynb")}
    for r in rows:
        assert r["claim"].strip() and r["source"].strip()
        if r["_rule"] is None:
            assert r.get("note"), r["id"]
            continue
        assert r["where"].split("#")[0].split("/")[-1] in docs, r["id"]
        for k in ("paper_setting", "our_setting", "deviations"):
            assert r.get(k), (r["id"], k)
        assert judge(r, {})["status"] == "inconclusive"          # nothing recorded: nothing claimed
