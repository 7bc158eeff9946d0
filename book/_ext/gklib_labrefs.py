"""Citations written so that JupyterLab and the Sphinx book both read them.

The chapters are also read in JupyterLab (``make lab``), where jupyterlab-myst renders the markdown
but knows neither the book's bibliography nor its Python domain: a ``{cite}`` role shows a bare
bibtex key there, a titled ``{py:func}`` role its raw target. So the chapters write

* a reference to the API as a markdown link whose text is the title:
  ``[`gk.train`](gklib.toy.trainer.train)`` (myst-parser resolves a link to a name that is not a
  file like the ``any`` role: the same link to the API page as ``{py:func}``; nothing to do here);
* a citation as a markdown link to its bibliography entry, whose text is the author–year:
  ``[Kumar et al. (2024)](bibliography.md#kumar2024grokking)`` in running text (narrative), and
  ``([Kumar et al., 2024](bibliography.md#kumar2024grokking); [...](...))`` in brackets.

This extension turns each such citation link, when a page is read, into the sphinxcontrib-bibtex
role that prints the same text: ``{cite:t}`` for ``Author (Year)``, ``{cite:alp}`` (no brackets) for
``Author, Year``. So the book keeps real citations (a link to the entry, the entry listed as cited,
with a back-reference). The link's text must be what the book prints: the authors as
sphinxcontrib-bibtex writes them (one surname; two joined by "and"; "et al." after the first of
three or more) and the year; a mismatch, or an unknown key, is a warning (an error under ``-W``).
The book's author–year style puts a narrative citation's year in round brackets, as the link does
(``author_year_round``, registered here).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sphinxcontrib.bibtex.plugin import register_plugin
from sphinx.util import logging
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

logger = logging.getLogger(__name__)

#: ``[text](bibliography.md#key)``: a citation link (in a notebook's JSON, or a page's markdown).
CITE_LINK = re.compile(r"\[([^\]\[]+)\]\(bibliography\.md#([\w:.-]+)\)")
NARRATIVE = re.compile(r"^(.+) \((\d{4}[a-z]?)\)$")        # Kumar et al. (2024)
PARENTHETICAL = re.compile(r"^(.+), (\d{4}[a-z]?)$")       # Kumar et al., 2024


def _round() -> BracketStyle:
    return BracketStyle(left="(", right=")")


@dataclass
class RoundAuthorYearReferenceStyle(AuthorYearReferenceStyle):
    """sphinxcontrib-bibtex's author_year with round brackets: "Kumar et al. (2024)"."""

    bracket_textual: BracketStyle = field(default_factory=_round)
    bracket_parenthetical: BracketStyle = field(default_factory=_round)
    bracket_author: BracketStyle = field(default_factory=_round)
    bracket_label: BracketStyle = field(default_factory=_round)
    bracket_year: BracketStyle = field(default_factory=_round)


register_plugin("sphinxcontrib.bibtex.style.referencing", "author_year_round", RoundAuthorYearReferenceStyle)


def _surname(person) -> str:
    from pybtex.richtext import Text

    return Text.from_latex(" ".join(person.prelast_names + person.last_names)).render_as("text")


def author_year(entry) -> tuple[str, str]:
    """The authors and the year of a bibtex entry, as the book prints them."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_surname(p) for p in people]
    if len(names) >= 3:
        authors = names[0] + " et al."
    else:
        authors = " and ".join(names)
    return authors, entry.fields.get("year", "")


_BIB: dict = {}


def _entries(app) -> dict:
    """The bibtex entries of the book's ``bibtex_bibfiles``, read once per process."""
    from pybtex.database import parse_file

    paths = tuple(str(Path(app.srcdir) / bib) for bib in app.config.bibtex_bibfiles)
    if paths not in _BIB:
        data = {}
        for path in paths:
            data.update(parse_file(path, bib_format="bibtex").entries)
        _BIB[paths] = data
    return _BIB[paths]


def cite_links_to_roles(app, docname: str, source: list) -> None:
    """``source-read``: each citation link of a page (``book/...``) becomes its bibtex role."""
    if not docname.startswith("book/") or "bibliography.md#" not in source[0]:
        return
    entries = _entries(app)

    def role(m: re.Match) -> str:
        text, key = m.group(1), m.group(2)
        form = NARRATIVE.match(text) or PARENTHETICAL.match(text)
        if key not in entries:
            logger.warning(f"citation link [{text}](bibliography.md#{key}): no bibtex entry {key!r}",
                           location=docname, type="gklib", subtype="cite")
            return m.group(0)
        authors, year = author_year(entries[key])
        if not form or (form.group(1), form.group(2)) != (authors, year):
            want = f"'{authors} ({year})' or '{authors}, {year}'"
            logger.warning(f"citation link [{text}](bibliography.md#{key}): its text must be {want}",
                           location=docname, type="gklib", subtype="cite")
            return m.group(0)
        return f"{{cite:{'t' if form.re is NARRATIVE else 'alp'}}}`{key}`"

    source[0] = CITE_LINK.sub(role, source[0])


def setup(app):
    app.connect("source-read", cite_links_to_roles)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
