"""Old import paths of names that moved to another module, resolved on first use (PEP 562).

A module that gave a name away keeps it importable with::

    __getattr__, __dir__ = forwarding(__name__, globals(), {"old_name": "gklib.new.module"})

The name is imported from its new module only when asked for, so a module can forward to one that imports
it (no import cycle), and the forwarded names stay out of ``__all__`` (the API reference lists each object
once, under the module that defines it)."""
import importlib


def forwarding(module: str, namespace: dict, targets: dict):
    """``(__getattr__, __dir__)`` for the module ``module`` (its globals ``namespace``): ``targets`` maps each
    forwarded name to the full name of the module that defines it."""

    def __getattr__(name):
        if name in targets:
            return getattr(importlib.import_module(targets[name]), name)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(namespace) | set(targets))

    return __getattr__, __dir__
