"""Old import paths that keep working after a move, with a warning that names the new one.

Users' DAGs and scripts import our public paths; when a name moves, its old module hands it on
through :func:`moved_names`, a module ``__getattr__`` that imports the new home only when the old
name is used (so the old module costs nothing to import) and warns once per use site with
a :class:`DeprecationWarning` naming the path to import instead.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any


def moved_module(old_module: str, new_module: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``old_module``, whose every public name is now in ``new_module``."""

    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(f"module {old_module!r} has no attribute {name!r}")
        home = importlib.import_module(new_module)
        if not hasattr(home, name):
            raise AttributeError(f"module {old_module!r} has no attribute {name!r}")
        return moved_names(old_module, {name: new_module})(name)

    return __getattr__


def moved_names(old_module: str, new_homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``old_module``: each name of ``new_homes`` from its new module.

    Args:
        old_module: the module the names used to live in (its ``__name__``).
        new_homes: name -> the module that holds it now, e.g.
            ``{"list_run_ids": "airflow_provider_snowplow.snowplow_analytics_sdk.load_manifests"}``.
    """

    def __getattr__(name: str) -> Any:
        home = new_homes.get(name)
        if home is None:
            raise AttributeError(f"module {old_module!r} has no attribute {name!r}")
        warnings.warn(
            f"{old_module}.{name} moved: import it from {home}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(home), name)

    return __getattr__
