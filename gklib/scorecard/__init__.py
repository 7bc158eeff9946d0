"""The reproduction scorecard: chapters record measured numbers; rules judge the paper's claims.

Two kinds of check are kept apart.

* A chapter's hidden assert cells guard what the *course* says about its own figures; they must hold,
  and a failure stops the chapter (and the book build).
* The scorecard tests the *paper's* claims. A chapter records the numbers a claim is judged on::

      gk.scorecard.record("fig3ab.delay_ratio", t_test / t_train, t_test[-1] > t_test[0])

  ``passed`` is the course's own check of that number (kept with the record; the page mentions it
  only when it failed). Each row of the scorecard (``book/scorecard.yml``) quotes one claim of the
  paper, states the paper's setting and ours, and carries a **rule** that decides the row's status
  from the recorded values when the book is built. The status never stops the build.

:func:`record` displays the record as one output of MIME type :data:`MIME`; the executed notebooks
keep it, and :func:`read_records` reads it back when the scorecard page is written.

**Statuses.**

``reproduced``
    the rule's ``reproduced`` condition holds.
``partly``
    the ``partly`` condition holds (direction only), or ``reproduced`` holds but the row's
    ``best: partly`` says its setting is too far from the paper's to count as more.
``not reproduced``
    every record is there and neither condition holds.
``inconclusive``
    a record the rule reads is missing, the deciding number is NaN, the rule's ``inconclusive``
    condition holds (e.g. a censored run) or the rule cannot be evaluated on these values.
``not treated``
    the row has no rule: no chapter treats the result.

The records are made and read back in :mod:`gklib.scorecard.records`, the rules are written in the
small expression language of :mod:`gklib.scorecard.rules` (its fields and functions are described
there), and the rows are validated and judged in :mod:`gklib.scorecard.rows`. Every name below is
importable from ``gklib.scorecard`` (``gk.scorecard.record``, ``from gklib.scorecard import judge``).
"""
from __future__ import annotations

from .records import MIME, read_records, record, recorded
from .rows import ROW_FIELDS, STATUSES, judge, load_rows, validate_row  # noqa: F401
from .rules import CONSTANTS, FUNCTIONS, RULE_FIELDS, parse_rule  # noqa: F401

__all__ = ["MIME", "STATUSES", "record", "read_records", "recorded", "parse_rule", "validate_row",
           "load_rows", "judge"]
