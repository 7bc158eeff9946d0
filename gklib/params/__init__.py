"""Declared parameter constraints: each public function states its parameters' types and ranges once,
next to its signature, and every call is checked against them before any work is done.

A declaration reads like the documentation::

    @validate_params(D=Integer(low=1), eps=Real(low=0), engine=Options("auto", "stats", "direct"))
    def f(D, eps=0.02, engine="auto"): ...

An argument that breaks its constraint raises :class:`InvalidParameterError` (a subclass of both
``ValueError`` and ``TypeError``, so either may be caught) with one vocabulary of messages::

    D must be an integer >= 1, got -3
    eps must be a finite real number >= 0, got nan
    engine must be one of ('auto', 'stats', 'direct'), got 'fast'

The declarations are kept on the function (``f.__gklib_constraints__``), where the test-suite reads them
to feed every public callable invalid values (:meth:`~gklib.params.core.Constraint.invalid_examples`) and where
:func:`constraints_of` finds them. Arguments that are not declared are left to the function's own checks.
"""
from .constraints import Array, Boolean, Instance, Integer, Options, Pattern, Real, Reals
from .core import Constraint, InvalidParameterError, constraints_of, validate_params

__all__ = ["InvalidParameterError", "Constraint", "Integer", "Real", "Reals", "Options", "Pattern", "Boolean",
           "Instance", "Array", "validate_params", "constraints_of"]
