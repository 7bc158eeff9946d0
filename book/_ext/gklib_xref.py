"""Sphinx helpers for gklib's API reference (book/api): docstring sections and re-exported names.

1. **Docstring sections.** gklib's docstrings use numpy-style section headers (``Parameters`` over a
   line of dashes) with entries written ``name : description`` -- the description, not a type, follows
   the colon. ``sphinx.ext.napoleon`` would render those descriptions as *types* and try to
   cross-reference every word. :func:`format_sections` turns each header into a rubric and each
   entry into a bullet ``**name** : description``; nothing else in the docstring changes.
   Functions and classes that declare parameter constraints (:mod:`gklib.params`) get a
   "Parameter constraints" rubric listing them, generated from the one declaration.
2. **Re-exported names.** gklib documents each object once, under the module that defines it
   (``gklib.toy.trainer.train``), but its docstrings, like its users, also write the names it is
   re-exported under: ``gklib.train`` (``gk.train``), ``gklib.dmft.solve_dmft``,
   ``~gklib.CommitteeMachine``, or a bare ``lazy_explorer`` inside a re-exporting module such as
   ``gklib.viz`` (defined in ``gklib.viz.explorers``). Sphinx resolves Python references by exact name only, so under ``-n`` these
   would be "reference target not found". :func:`resolve` maps a ``py`` reference whose target
   starts with ``gklib.`` or has no dot to the *unique* documented gklib object with the same last
   name component and a matching object type; where a re-exporting module documents the object too,
   to the module that defines it. Ambiguous or unknown names are left to Sphinx, so real mistakes
   still fail the build.
"""
import importlib
import re

from sphinx.util.nodes import make_refnode

SECTIONS = ("Parameters", "Returns", "Attributes", "Raises", "Yields", "Other Parameters")
PLAIN_SECTIONS = ("Examples", "Notes", "See Also", "References")
_ENTRY = re.compile(r"^(\s*)([A-Za-z_*][\w*]*(?:\s*,\s*[A-Za-z_*][\w*]*)*)\s+:\s+(.*)$")


# The first word of a numpydoc type ("X : torch.Tensor, shape (n, D)"), as opposed to the older
# "name : description" entries, whose description starts on the entry line.
_TYPE = re.compile(r"^(\{|\(|(int|float|str|bytes|bool|complex|callable|sequence|dict|list|tuple|array_like|"
                   r"array-like|ndarray|numpy|np|torch|object|None|iterable|generator|type|History|Task|"
                   r"CommitteeMachine|KernelGD|Constraint|InvalidParameterError|DivergenceWatch|"
                   r"RunOptimizer|[A-Z]\w*(Error|Warning|Exception)|"
                   r"matplotlib|ipywidgets|IPython|pair|keyword|StaticSlider|PhaseDiagram|DMFTResult|OnlineResult|"
                   r"SimulationResult|EscapeScaling|DelayScan)\b)")


def _is_type(text):
    """Does ``text`` read as a numpydoc type (``int``, ``torch.Tensor, shape (n, D)``, ``{"a", "b"}``)?"""
    text = text.strip()
    return bool(_TYPE.match(text)) and "``" not in text and not text.endswith(".")


def _emph(text):
    """A type in italics (left as a literal when it holds characters that italics cannot)."""
    text = text.strip()
    return f"``{text}``" if any(c in text for c in "*`\\|") else f"*{text}*"


def _indent(line):
    return len(line) - len(line.lstrip())


def format_sections(lines):
    """Rewrite numpy-style sections of a docstring (list of lines) in place; see the module doc."""
    out, i, n = [], 0, len(lines)
    while i < n:
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < n else ""
        underlined = bool(nxt.strip()) and set(nxt.strip()) == {"-"} and _indent(nxt) == _indent(line)
        if underlined and line.strip() in PLAIN_SECTIONS:     # a rubric; the body (doctests, prose) as written
            out += [" " * _indent(line) + ".. rubric:: " + line.strip(), ""]
            i += 2
            continue
        if underlined and line.strip() in SECTIONS:
            base = _indent(line)
            out += [" " * base + ".. rubric:: " + line.strip(), ""]
            i += 2
            in_list = False
            while i < n:
                cur = lines[i]
                if not cur.strip():
                    out.append(cur)
                    in_list = False
                    i += 1
                    # a blank line then a new section header ends this section
                    if i + 1 < n and lines[i].strip() in SECTIONS + PLAIN_SECTIONS:
                        break
                    continue
                if _indent(cur) < base:
                    break
                m = _ENTRY.match(cur) if _indent(cur) == base else None
                follows = i + 1 < n and lines[i + 1].strip() and _indent(lines[i + 1]) > base
                typed = follows and _is_type(m.group(3) if m else cur.strip())
                if m or (typed and _indent(cur) == base):
                    if not in_list and out and out[-1].strip():
                        out.append("")
                    name = m.group(2).replace("*", "\\*") if m else ""      # *args, **kwargs
                    if typed:      # numpydoc: "name : type" (or, under Returns/Raises, "type"), description below
                        kind = _emph(m.group(3) if m else cur.strip())
                        out.append(" " * base + (f"* **{name}** : {kind}" if m else f"* {kind}"))
                        out.append("")
                    else:
                        out.append(" " * base + f"* **{name}** : {m.group(3)}")
                    i += 1
                    while i < n and lines[i].strip() and _indent(lines[i]) > base:
                        out.append(" " * (base + 2) + lines[i].strip())
                        i += 1
                    in_list = True
                    continue
                if in_list:
                    out.append("")
                    in_list = False
                out.append(cur)
                i += 1
            continue
        out.append(line)
        i += 1
    lines[:] = out


def constraint_lines(obj):
    """The declared parameter constraints of ``obj`` (:func:`gklib.params.constraints_of`) as a rubric
    with one bullet per parameter, or ``[]`` when it declares none."""
    try:
        from gklib.params import constraints_of
    except ImportError:  # pragma: no cover - gklib not importable
        return []
    try:
        declared = constraints_of(obj)
    except Exception:
        return []
    if not declared:
        return []
    out = ["", ".. rubric:: Parameter constraints", "",
           "Checked on every call; a violation raises ``InvalidParameterError`` naming the parameter.", ""]
    for pname, c in declared.items():
        text = c.describe() + (" or None" if getattr(c, "none_ok", False) else "")
        out.append(f"* **{pname}** : {text}")
    return out + [""]


def _process_docstring(app, what, name, obj, options, lines):
    if name.startswith("gklib"):
        format_sections(lines)
        if what in ("function", "class", "method"):
            lines += constraint_lines(obj)


def _defined_in(name: str) -> bool:
    """Is the documented ``module.attr`` the object's own module (not a re-export)?"""
    mod, _, attr = name.rpartition(".")
    try:
        obj = getattr(importlib.import_module(mod), attr)
    except (ImportError, AttributeError, ValueError):
        return False
    return getattr(obj, "__module__", None) == mod


def resolve(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    if not (target.startswith("gklib.") or "." not in target):
        return None
    domain = env.get_domain("py")
    objtypes = domain.objtypes_for_role(node.get("reftype")) or []
    last = target.rsplit(".", 1)[-1]
    hits = [(name, obj) for name, obj in domain.objects.items()
            if name.startswith("gklib.") and name.rsplit(".", 1)[-1] == last
            and obj.objtype in objtypes and not obj.aliased]
    if len(hits) > 1:                      # a re-exporting module documents it too: take where it is defined
        hits = [(name, obj) for name, obj in hits if _defined_in(name)]
    if len(hits) != 1:
        return None
    name, obj = hits[0]
    return make_refnode(app.builder, node.get("refdoc"), obj.docname, obj.node_id, contnode, name)


def setup(app):
    app.connect("autodoc-process-docstring", _process_docstring)
    app.connect("missing-reference", resolve)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
