"""Sphinx fixes that keep the built book's pages free of JavaScript errors (checked by the
browser test, ``tests_browser/``).

1. **Duplicate script blocks.** With jupyter-book 1 the ``env-before-read-docs`` handler of
   sphinx-thebe runs twice, so every page declared ``const THEBE_JS_URL`` twice, and the second
   declaration is a ``SyntaxError`` in the browser. :func:`dedupe_scripts` drops exact duplicates
   of a page's ``<script>`` entries (same file, same attributes and inline body).
2. **Theme mode.** pydata-sphinx-theme logs a console error on a reader's first visit when no
   default colour mode is set; :func:`set_default_mode` sets ``default_mode = "light"`` (the
   figures have white backgrounds) unless the configuration sets one.
3. **Links in dropdown titles.** A solution's title links to its exercise; sphinx-togglebutton's click
   handler on the title finds no toggle button when the click lands on that link and throws
   ``ReferenceError: button is not defined``. :data:`TITLE_LINK_JS` stops such clicks (in the capture
   phase, before the handler) without preventing the link: it jumps to the exercise.
"""

TITLE_LINK_JS = """
document.addEventListener("click", (ev) => {
  const a = ev.target.closest && ev.target.closest(".admonition-title a[href]");
  if (a && a.closest(".toggle, .dropdown")) ev.stopPropagation();
}, true);
"""


def _key(js):
    attrs = getattr(js, "attributes", {}) or {}
    # an inline script may come with filename None or "" (two code paths in Sphinx): same thing
    return (getattr(js, "filename", None) or None, getattr(js, "priority", None),
            tuple(sorted((k, str(v)) for k, v in attrs.items())))


def dedupe_scripts(app, pagename, templatename, context, doctree):
    """Remove repeated identical entries from ``context["script_files"]`` (order kept)."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for js in scripts:
        k = _key(js)
        if k not in seen:
            seen.add(k)
            kept.append(js)
    scripts[:] = kept


def set_default_mode(app, config):
    ctx = dict(config.html_context or {})
    ctx.setdefault("default_mode", "light")
    config.html_context = ctx


def setup(app):
    app.add_js_file(None, body=TITLE_LINK_JS)
    app.connect("config-inited", set_default_mode)
    app.connect("html-page-context", dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
