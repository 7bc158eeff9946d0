"""The tool chain a build used: the ``{gklib-toolchain}`` directive of the execution-status page.

The Python packages come from ``constraints.txt`` (the lock file every ``make`` install uses), so
two builds of one commit show the same versions; Debian's Chromium and ChromeDriver, which the
browser tests drive, are not locked and are shown as found. Run as a script
(``python book/_ext/gklib_toolchain.py``, which ``make test`` does first) it prints the same table
to the test log.
"""
from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path

LOCK = Path(__file__).resolve().parents[2] / "constraints.txt"

# (group, distribution names) in the order shown
PACKAGES = [
    ("course", ["torch", "numpy", "scipy", "matplotlib", "ipywidgets"]),
    ("book", ["jupyter-book", "sphinx", "myst-nb", "myst-parser", "sphinx-book-theme", "jupyter-cache"]),
    ("JupyterLab", ["jupyterlab", "jupyter-server", "jupyterlab-myst", "jupyterlab-widgets", "ipykernel"]),
    ("tests", ["pytest", "nbmake", "selenium", "hypothesis"]),
]
BROWSER = [("chromium", "/usr/bin/chromium"), ("chromedriver", "/usr/bin/chromedriver")]


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _program_version(exe: str) -> str:
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "not installed"
    words = out.split()                   # "Chromium 156.0.8078.129 built on ...", "ChromeDriver 156.0... (...)"
    return words[1] if len(words) > 1 else "not installed"


def _locked() -> dict[str, str]:
    """``name -> version`` pinned in the lock file (names normalised as pip does)."""
    pins = {}
    if LOCK.exists():
        for line in LOCK.read_text().splitlines():
            if "==" in line and not line.lstrip().startswith("#"):
                name, v = line.split("==", 1)
                pins[_norm(name)] = v.split()[0]
    return pins


def _norm(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(".", "-")


def versions() -> list[tuple[str, str, str]]:
    """``(group, name, version)`` rows: Python, the locked packages, then the browser. A package
    whose installed version is not the locked one says so (``"1.2 (lock: 1.1)"``)."""
    pins = _locked()

    def shown(d):
        v, pin = _version(d), pins.get(_norm(d))
        return v if pin in (None, v) else f"{v} (lock: {pin})"

    rows = [("Python", "python", platform.python_version())]
    rows += [(group, d, shown(d)) for group, dists in PACKAGES for d in dists]
    rows += [("browser tests", name, _program_version(exe)) for name, exe in BROWSER]
    return rows


def setup(app):
    from docutils import nodes
    from docutils.parsers.rst import Directive

    class ToolchainDirective(Directive):
        """A table of :func:`versions` at build time."""

        def run(self):
            env = self.state.document.settings.env
            env.gk_toolchain_docs = getattr(env, "gk_toolchain_docs", set()) | {env.docname}
            table = nodes.table(classes=["gk-toolchain"])
            group = nodes.tgroup(cols=3)
            table += group
            group.extend(nodes.colspec(colwidth=w) for w in (2, 3, 3))
            head, body = nodes.thead(), nodes.tbody()
            group += head
            group += body
            rows = versions()                   # runs chromium --version: once per build
            for parent, cells in [(head, ("part", "package", "version"))] + [(body, row) for row in rows]:
                tr = nodes.row()
                for text in cells:
                    entry = nodes.entry()
                    entry += nodes.paragraph(text=text)
                    tr += entry
                parent += tr
            off = [name for _, name, v in rows if "(lock:" in v]
            note = nodes.paragraph(text=(f"Not at the locked version: {', '.join(off)}." if off else
                                         "Every Python package above is at its locked version."))
            return [table, note]

    def always_reread(app, env, added, changed, removed):
        # the versions are read at build time: the page is rebuilt on every build, never cached
        return sorted(getattr(env, "gk_toolchain_docs", set()) - set(removed))

    app.add_directive("gklib-toolchain", ToolchainDirective)
    app.connect("env-get-outdated", always_reread)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    rows = versions()
    width = max(len(n) for _, n, _ in rows)
    print("Tool chain of this build (Python packages from constraints.txt; Chromium as installed):")
    for group, name, v in rows:
        print(f"  {name:<{width}}  {v:<30}  {group}")
