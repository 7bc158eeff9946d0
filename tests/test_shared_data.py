"""Issue #30: `Task` and `gaussian_inputs` live in the neutral `gklib.data`; `gklib.toy.tasks` re-exports them."""
import ast

import torch

import gklib
import gklib.data
import gklib.kernels.dynamics
import gklib.kernels.spectrum
import gklib.toy.tasks


def test_one_definition_reexported():
    assert gklib.toy.tasks.Task is gklib.data.Task is gklib.Task
    assert gklib.toy.tasks.gaussian_inputs is gklib.data.gaussian_inputs is gklib.toy.gaussian_inputs
    assert gklib.data.Task.__module__ == "gklib.data" and gklib.data.gaussian_inputs.__module__ == "gklib.data"
    assert gklib.kernels.dynamics.gaussian_inputs is gklib.data.gaussian_inputs
    assert gklib.kernels.spectrum.gaussian_inputs is gklib.data.gaussian_inputs
    assert isinstance(gklib.toy.tasks.quadratic_task(D=5, P=7, P_test=3), gklib.data.Task)


def test_gaussian_inputs_draw_unchanged():
    g = torch.Generator().manual_seed(3)
    X = gklib.data.gaussian_inputs(4, 9, g)
    want = torch.randn(4, 9, generator=torch.Generator().manual_seed(3), dtype=torch.float64) / 3.0
    assert X.dtype == torch.float64 and torch.equal(X, want)


def test_neutral_module_imports_no_subpackage():
    tree = ast.parse(open(gklib.data.__file__).read())
    relative = {(n.level, n.module) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level}
    assert relative == {(1, "validation"), (1, "params")}   # gklib.validation and .params only: no toy, kernels, nets, dmft
