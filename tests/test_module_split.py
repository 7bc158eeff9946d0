"""The modules split by concern (#30): each at most 400 lines, and every old import path still gives the
same object as the module that now defines it (the table "Old import paths" of the API reference)."""
import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SPLIT = ["gklib.params", "gklib.params.core", "gklib.params.constraints", "gklib.metrics", "gklib.curves",
         "gklib.comparisons", "gklib.scorecard", "gklib.scorecard.records", "gklib.scorecard.rules",
         "gklib.scorecard.rows", "gklib.toy.formula", "gklib.toy.model", "gklib.toy.kernel_gd",
         "gklib.toy.linearized", "gklib.training", "gklib.optim", "gklib.validation",
         "gklib.validation.scalars", "gklib.validation.arrays", "gklib.config", "gklib.history"]

OLD_PATHS = {  # (old module, new module): names
    ("gklib.config", "gklib.runtime"): ["get_device", "generator", "torch_threads"],
    ("gklib.config", "gklib.frontend"): ["progress", "progress_enabled", "headless_execution"],
    ("gklib.validation", "gklib.training"): ["OPTIMIZERS", "DIVERGENCE_FACTOR", "check_optimizer", "diverged"],
    ("gklib.training", "gklib.optim"): ["RunOptimizer"],
    ("gklib.metrics", "gklib.curves"): ["first_crossing", "first_below", "value_at"],
    ("gklib.metrics", "gklib.comparisons"): ["spread", "prediction_distance", "loglog_slope"],
    ("gklib.toy.model", "gklib.toy.formula"): ["phi_of", "dphi_of", "committee_output"],
    ("gklib.toy.linearized", "gklib.toy.kernel_gd"): ["KernelGD", "kernel_gd_gain", "check_closed_form"],
}


@pytest.mark.parametrize("module", SPLIT)
def test_module_at_most_400_lines(module):
    path = Path(importlib.import_module(module).__file__)
    n = len(path.read_text().splitlines())
    assert n <= 400, f"{module} has {n} lines"


def _code_lines(path):
    """Lines of code: not blank, not a comment, not inside a docstring (the numpydoc sections with their
    examples are documentation; they do not make a module hold more than one concern)."""
    src = path.read_text()
    doc = set()
    for node in ast.walk(ast.parse(src)):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            doc.update(range(body[0].lineno, body[0].end_lineno + 1))
    return sum(1 for i, line in enumerate(src.splitlines(), 1)
               if line.strip() and not line.strip().startswith("#") and i not in doc)


def test_code_lines_count_code_only(tmp_path):
    p = tmp_path / "m.py"
    p.write_text('"""Doc.\n\nMore."""\n# note\n\ndef f():\n    """Doc."""\n    return 1\n')
    assert _code_lines(p) == 2


@pytest.mark.parametrize("path", sorted((ROOT / "gklib").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_at_most_400_lines_of_code(path):
    n = _code_lines(path)
    assert n <= 400, f"{path.relative_to(ROOT)} has {n} lines of code"


@pytest.mark.parametrize("old,new", sorted(OLD_PATHS))
def test_old_import_path_is_the_same_object(old, new):
    o, n = importlib.import_module(old), importlib.import_module(new)
    for name in OLD_PATHS[old, new]:
        assert getattr(o, name) is getattr(n, name), f"{old}.{name}"
        obj = getattr(n, name)
        if hasattr(obj, "__module__") and callable(obj):
            assert obj.__module__ == new, f"{name} is defined in {obj.__module__}, not {new}"


def test_old_paths_are_documented_in_the_api_reference():
    page = (ROOT / "book" / "api" / "core.md").read_text()
    for (old, new), names in OLD_PATHS.items():
        row = next((line for line in page.splitlines() if line.startswith(f"| `{old}` |") and f"`{new}`" in line),
                   None)
        assert row is not None, (old, new)
        assert all(f"`{name}`" in row for name in names), row


def test_config_aliases_are_the_documented_ones():
    import gklib.config as config

    assert set(config.ALIASES) == {n for (old, _), names in OLD_PATHS.items() if old == "gklib.config"
                                   for n in names}
    with pytest.raises(AttributeError, match="no_such_name"):
        config.no_such_name
