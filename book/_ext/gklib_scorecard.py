"""The reproduction scorecard: a table of the paper's claims, judged by rules on this build's records.

The directive ``gk-scorecard`` (in ``book/scorecard.md``) names a YAML file of rows
(``book/scorecard.yml``): one per result of the paper, with the paper's claim quoted, the paper's
setting and ours, the deviations, the record keys the row reads and its **rule** (the rule language
is documented in :mod:`gklib.scorecard`). The chapters record their measured values with
:func:`gklib.scorecard.record`; MyST-NB writes every executed notebook, outputs included, to
``<build>/jupyter_execute``, whether it was just executed or taken from the execution cache. When the
scorecard page is written — after every chapter has been read — this extension reads those
notebooks (:func:`gklib.scorecard.read_records`), judges every row (:func:`gklib.scorecard.judge`)
and fills the table: a count of statuses, then per row the claim, the settings, the measured values,
the status and the number that decided it. A status never stops the build (only an invalid rule
does, with a ValueError naming the row and field). The page is rebuilt on every build (its inputs
are other pages' outputs).
"""
from __future__ import annotations

from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive, directives

DOC_OPTION = "rows"
STATUS_CLASS = {"reproduced": "gk-reproduced", "partly": "gk-partly",
                "not reproduced": "gk-notreproduced", "inconclusive": "gk-inconclusive",
                "not treated": "gk-nottreated"}


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


def _para(*children, classes=()):
    p = nodes.paragraph(classes=list(classes))
    p += children
    return p


def _cell(*content):
    entry = nodes.entry()
    for c in content:
        if c is not None:
            entry += c if isinstance(c, nodes.Node) else _para(nodes.Text(str(c)))
    return entry


def _labelled(label, text, classes=()):
    if not text:
        return None
    return _para(nodes.strong(text=label + " "), nodes.Text(str(text).strip()), classes=classes)


def status_badge(status):
    return nodes.inline(text=status, classes=["gk-status", STATUS_CLASS[status]])


def _rule_text(rule):
    parts = []
    for f, word in (("inconclusive", "inconclusive"), ("reproduced", "reproduced"),
                    ("partly", "partly")):
        if f in rule:
            parts.append((word, rule[f]))
    p = nodes.paragraph(classes=["gk-rule"])
    p += nodes.Text("Rule: ")
    for i, (word, expr) in enumerate(parts):
        p += nodes.Text(("; " if i else "") + f"{word} if ")
        p += nodes.literal(text=str(expr).strip())
    p += nodes.Text("; otherwise not reproduced." if parts else "")
    return p


def status_cell(row, verdict):
    entry = nodes.entry()
    entry += _para(status_badge(verdict["status"]))
    rule = row.get("rule")
    if rule:
        if verdict["number"] is not None:
            says = rule.get("says", "deciding number")
            entry += _para(nodes.Text(f"{says} = "), nodes.strong(text=verdict["number_text"]),
                           classes=["gk-number"])
        if verdict["status"] == "inconclusive" or verdict.get("capped"):
            entry += _para(nodes.Text(verdict["reason"]), classes=["gk-reason"])
        entry += _rule_text(rule)
    elif row.get("note"):
        entry += _para(nodes.Text(row["note"].strip()), classes=["gk-reason"])
    return entry


def build_table(app, fromdocname, rows, records, judge):
    headers = ["Result", "The paper's claim and setting", "This build: setting and measurements",
               "Status, from the rule"]
    table = nodes.table(classes=["gk-scorecard"])
    group = nodes.tgroup(cols=len(headers))
    table += group
    for w in (14, 28, 29, 29):
        group += nodes.colspec(colwidth=w)
    head = nodes.thead()
    tr = nodes.row()
    for h in headers:
        tr += _cell(h)
    head += tr
    group += head
    body = nodes.tbody()
    verdicts = {}
    for r in rows:
        verdict = judge(r, records)
        verdicts[r["id"]] = verdict
        tr = nodes.row(ids=[nodes.make_id("score-" + r["id"])])
        first = [_para(nodes.strong(text=r["result"])), _para(nodes.Text(r["source"]),
                                                              classes=["gk-source"])]
        if r.get("where"):
            doc, _, anchor = r["where"].partition("#")
            uri = app.builder.get_relative_uri(fromdocname, doc) + ("#" + anchor if anchor else "")
            ref = nodes.reference("", r.get("where_text", doc.split("/")[-1]), internal=True,
                                  refuri=uri)
            first.append(_para(ref))
        tr += _cell(*first)
        tr += _cell(_para(nodes.emphasis(text="“" + r["claim"].strip() + "”")),
                    _labelled("Paper:", r.get("paper_setting")))
        measured = None
        if r["_names"]:
            measured = nodes.bullet_list(classes=["gk-measured"])
            for k in r["_names"].values():
                rec = records.get(k)
                label = r.get("labels", {}).get(k, k.split(".", 1)[1].replace("_", " "))
                text = f"{label}: {rec['text']}" if rec else f"{label}: not recorded"
                if rec and not rec.get("passed", True):
                    text += " (the course's own check failed)"
                item = nodes.list_item()
                item += _para(nodes.Text(text))
                measured += item
        tr += _cell(_labelled("Ours:", r.get("our_setting")),
                    _labelled("Deviations:", r.get("deviations"), classes=["gk-deviations"]),
                    _labelled("Note:", r.get("note") if r.get("rule") else None),
                    measured)
        tr += status_cell(r, verdict)
        body += tr
    group += body
    return table, verdicts


def summary(verdicts, statuses):
    counts = {s: sum(v["status"] == s for v in verdicts.values()) for s in statuses}
    p = nodes.paragraph(classes=["gk-summary"])
    p += nodes.Text(f"{len(verdicts)} results of the paper: ")
    first = True
    for s in statuses:
        if not counts[s]:
            continue
        p += nodes.Text("" if first else ", ")
        p += nodes.strong(text=str(counts[s]) + " ")
        p += status_badge(s)
        first = False
    p += nodes.Text(".")
    return p


def index(verdicts, rows, statuses):
    """One line per status, naming its rows with links to them: the whole page at a glance."""
    names = {r["id"]: r["result"] for r in rows}
    out = nodes.bullet_list(classes=["gk-index"])
    for s in statuses:
        ids = [i for i, v in verdicts.items() if v["status"] == s]
        if not ids:
            continue
        item = nodes.list_item()
        p = _para(status_badge(s), nodes.Text(": "))
        for k, i in enumerate(ids):
            if k:
                p += nodes.Text("; ")
            p += nodes.reference("", names[i], internal=True, refuri="#" + nodes.make_id("score-" + i))
        item += p
        out += item
    return out


def fill_scorecard(app, doctree, fromdocname):
    found = list(doctree.findall(scorecard_node))
    if not found:
        return
    from gklib.scorecard import STATUSES, judge, load_rows, read_records

    records = read_records(Path(app.outdir).parent / "jupyter_execute")
    profiles = sorted({r["profile"] for r in records.values()})
    for node in found:
        rows = load_rows(node["rows_file"])
        table, verdicts = build_table(app, fromdocname, rows, records, judge)
        intro = _para(nodes.Text(
            f"Built from {len(records)} records of this build's chapters, executed with the "
            f"{' and '.join(profiles) or 'unknown'} profile{'s' * (len(profiles) > 1)}."))
        node.replace_self([summary(verdicts, STATUSES), index(verdicts, rows, STATUSES), intro, table])


def always_outdated(app, env, added, changed, removed):
    """The scorecard's inputs are the other pages' outputs: re-read it on every build."""
    return [d for d in env.found_docs if d.endswith("scorecard")]


def setup(app):
    app.add_node(scorecard_node)
    app.add_directive("gk-scorecard", ScorecardDirective)
    app.connect("doctree-resolved", fill_scorecard)
    app.connect("env-get-outdated", always_outdated)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "2"}
