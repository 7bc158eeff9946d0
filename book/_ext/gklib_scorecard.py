"""The reproduction scorecard: a table filled from the records of this build's executed chapters.

The directive ``gk-scorecard`` (in ``book/scorecard.md``) names a YAML file of rows: one per result
of the paper that the course treats, with the claim, the section that shows it, the setting and the
record keys that guard it. The chapters' hidden checks record their measured values with
:func:`gklib.scorecard.record`; MyST-NB writes every executed notebook, outputs included, to
``<build>/jupyter_execute``, whether it was just executed or taken from the execution cache. When the
scorecard page is written — after every chapter has been read — this extension reads those
notebooks (:func:`gklib.scorecard.read_records`) and fills the table: measured values, and per row the
status "reproduced" / "reproduced qualitatively" (the row's own level) when every check held, "not
reproduced: check failed" when one failed, or "not recorded in this build" when a record is missing.
The page is rebuilt on every build (its inputs are other pages' outputs).
"""
from __future__ import annotations

from pathlib import Path

import yaml
from docutils import nodes
from docutils.parsers.rst import Directive, directives

DOC_OPTION = "rows"


class scorecard_node(nodes.General, nodes.Element):
    pass


class ScorecardDirective(Directive):
    has_content = False
    option_spec = {DOC_OPTION: directives.unchanged_required}

    def run(self):
        env = self.state.document.settings.env
        rows_file = Path(env.srcdir) / Path(env.docname).parent / self.options[DOC_OPTION]
        node = scorecard_node()
        node["rows_file"] = str(rows_file)
        env.note_dependency(str(rows_file))
        return [node]


def _status(row, records):
    keys = row.get("keys", [])
    missing = [k for k in keys if k not in records]
    failed = [k for k in keys if k in records and not records[k]["passed"]]
    if failed:
        return "not reproduced: check failed", "gk-failed", failed
    if missing or not keys:
        return "not recorded in this build", "gk-missing", missing
    return row.get("level", "reproduced"), "gk-ok", []


def _para(*children):
    p = nodes.paragraph()
    p += children
    return p


def _cell(content):
    entry = nodes.entry()
    entry += content if isinstance(content, nodes.Node) else _para(nodes.Text(str(content)))
    return entry


def build_table(app, fromdocname, rows, records):
    headers = ["result", "paper's claim", "where", "setting", "measured (this build)", "status"]
    table = nodes.table(classes=["gk-scorecard"])
    group = nodes.tgroup(cols=len(headers))
    table += group
    for w in (9, 26, 12, 18, 20, 15):
        group += nodes.colspec(colwidth=w)
    head = nodes.thead()
    row = nodes.row()
    for h in headers:
        row += _cell(h)
    head += row
    group += head
    body = nodes.tbody()
    for r in rows:
        tr = nodes.row(ids=[nodes.make_id("score-" + r["id"])])
        tr += _cell(r["result"])
        tr += _cell(r["claim"])
        doc, _, anchor = r["where"].partition("#")
        ref = nodes.reference("", r.get("where_text", doc.split("/")[-1]), internal=True,
                              refuri=app.builder.get_relative_uri(fromdocname, doc) + ("#" + anchor if anchor else ""))
        tr += _cell(_para(ref))
        tr += _cell(r["setting"])
        measured = nodes.bullet_list()
        for k in r.get("keys", []):
            rec = records.get(k)
            item = nodes.list_item()
            label = r.get("labels", {}).get(k, k.split(".", 1)[1].replace("_", " "))
            text = f"{label}: {rec['text']}" if rec else f"{label}: —"
            item += _para(nodes.Text(text + ("" if not rec or rec["passed"] else " (check failed)")))
            measured += item
        tr += _cell(measured)
        status, cls, which = _status(r, records)
        note = r.get("note", "")
        txt = status + (f" ({', '.join(which)})" if which else "") + (f" — {note}" if note and cls == "gk-ok" else "")
        tr += _cell(_para(nodes.inline(text=txt, classes=[cls])))
        body += tr
    group += body
    return table


def fill_scorecard(app, doctree, fromdocname):
    found = list(doctree.findall(scorecard_node))
    if not found:
        return
    from gklib.scorecard import read_records

    records = read_records(Path(app.outdir).parent / "jupyter_execute")
    profiles = sorted({r["profile"] for r in records.values()})
    for node in found:
        rows = yaml.safe_load(Path(node["rows_file"]).read_text(encoding="utf-8"))["rows"]
        intro = _para(nodes.Text(
            f"Built from {len(records)} records of this build's chapters, executed with the "
            f"{' and '.join(profiles) or 'unknown'} profile{'s' * (len(profiles) > 1)}."))
        node.replace_self([intro, build_table(app, fromdocname, rows, records)])


def always_outdated(app, env, added, changed, removed):
    """The scorecard's inputs are the other pages' outputs: re-read it on every build."""
    return [d for d in env.found_docs if d.endswith("scorecard")]


def setup(app):
    app.add_node(scorecard_node)
    app.add_directive("gk-scorecard", ScorecardDirective)
    app.connect("doctree-resolved", fill_scorecard)
    app.connect("env-get-outdated", always_outdated)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
