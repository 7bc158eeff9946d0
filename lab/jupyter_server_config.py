"""JupyterLab settings of ``make lab``: notebooks are saved without outputs.

``make lab`` opens the committed sources in ``book/``. Everything a run produces — outputs,
execution counts, widget state, the kernel's language_info, Lab's view state (collapsed, scrolled) —
is dropped from a notebook when it is saved, so that running and saving a chapter changes nothing in
``git status`` and reopening it shows no stale widget views ("model not found"). Edits to the cells
themselves are saved as usual. (Outputs stay on screen until the notebook is closed.)

Used as ``jupyter lab --config=lab/jupyter_server_config.py``; the hook is the documented
``ContentsManager.pre_save_hook`` of jupyter_server ("scrub output before saving").
"""

#: Cell metadata that only records a view or a run (JupyterLab, Notebook, nbclient); ``tags`` and
#: everything else stays.
RUN_CELL_METADATA = ("collapsed", "scrolled", "execution", "ExecuteTime", "jupyter")
#: The sources' notebook metadata for the kernel (Lab would write the running kernel's display name
#: and its full language_info).
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def strip_outputs(model, **kwargs):
    """``pre_save_hook``: drop outputs and run metadata from a notebook model before it is written."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    nb = model["content"]
    meta = nb.setdefault("metadata", {})
    meta.pop("widgets", None)
    if meta.get("kernelspec", {}).get("name") == KERNELSPEC["name"]:
        meta["kernelspec"] = dict(KERNELSPEC)
    if isinstance(meta.get("language_info"), dict):
        meta["language_info"] = {"name": meta["language_info"].get("name", "python")}
    for cell in nb.get("cells", []):
        for key in RUN_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None


c = get_config()  # noqa: F821 (provided by the traitlets config loader)
c.ContentsManager.pre_save_hook = strip_outputs
