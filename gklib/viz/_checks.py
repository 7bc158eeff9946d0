"""The declared constraints (:mod:`gklib.params`) that the figures, sliders and explorers share.

:class:`Duck` is an :class:`~gklib.params.Instance` decided by a predicate instead of ``isinstance``: for
arguments the figures take by what they hold (a History or a DMFT result: anything with ``train_loss`` and
``test_loss``), for callables and for label sequences. Its ``types`` give the test-suite a valid example.
"""
from __future__ import annotations

import numpy as np

from ..history import History
from ..params import Array, Boolean, Instance, Integer, Real

__all__: list = []


class Duck(Instance):
    """An :class:`~gklib.params.Instance` whose ``holds`` is ``test(value)``; ``example()`` (or an instance of
    the first of ``types`` the test-suite knows) is a value that holds."""

    def __init__(self, *types, what: str, test, example=None, none_ok: bool = False):
        super().__init__(*types, what=what, none_ok=none_ok)
        self.test, self._example = test, example

    def make_example(self):
        """A value that holds (for the test-suite), or ``None`` when ``types`` give one."""
        return None if self._example is None else self._example()

    def holds(self, value) -> bool:
        try:
            return bool(self.test(value))
        except Exception:
            return False


def _is_labels(v) -> bool:
    return isinstance(v, (list, tuple, np.ndarray)) and np.ndim(v) == 1


HISTORY = Instance(History, what="a gklib History")
CURVES = Duck(History, what="a History or another object with train_loss and test_loss (e.g. a DMFT result)",
              test=lambda v: hasattr(v, "train_loss") and hasattr(v, "test_loss"))
LABELS = Duck(list, what="a 1-D sequence of labels (list, tuple or array)", test=_is_labels,
              example=lambda: ["a"])
BY = Duck(str, list, what="a key of hist.params or a 1-D sequence of labels or values, or None",
          test=lambda v: isinstance(v, str) or _is_labels(v), none_ok=True, example=lambda: None)
TEXT = Instance(str, what="a string")
TEXT_OR_NONE = Instance(str, what="a string", none_ok=True)
NON_EMPTY = Duck(str, what="a non-empty string", test=lambda v: isinstance(v, str) and v != "")
FORMAT = Instance(str, what="a str.format pattern such as '{:.3g}'")
CMAP = Instance(str, what="a matplotlib colour-map name")
KEYWORDS = Instance(dict, what="a dict of plot keywords", none_ok=True)
FLAG = Boolean()
POSITIVE = Real(0, closed="neither")
SIZE = Real(0, 100, closed="neither")           # a figure size or a panel height, in inches
DPI = Real(1, 2000)
LEVEL = Real(0, closed="neither")
FRACTION = Real(0, 1, closed="neither")
STEPS = Array(1)
INDEX = Integer(0, none_ok=True)
