"""Connectors: one package per chat platform, found by :func:`discover`.

A connector package ``connectors/<name>/`` exposes its :class:`~connectors.base.Connector`
subclass as ``CONNECTOR``; nothing else names it. Connectors kept elsewhere (a deployment's
own package, or a test's) are listed by module path in ``MINSHENG_EXTRA_CONNECTORS``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.errors import ConfigError

if TYPE_CHECKING:
    from connectors.base import Connector

__all__ = ["discover", "import_models"]


def _connector_of(module_name: str) -> type[Connector] | None:
    from connectors.base import Connector

    module = importlib.import_module(module_name)
    found = getattr(module, "CONNECTOR", None)
    if found is None:
        return None
    if not (isinstance(found, type) and issubclass(found, Connector)):
        raise ConfigError(f"{module_name}.CONNECTOR is not a Connector class")
    return found


def discover(extra_modules: Iterable[str] = ()) -> dict[str, type[Connector]]:
    """Connector classes by name: every subpackage of ``connectors`` exposing ``CONNECTOR``,
    then each module of ``extra_modules`` (which must expose one)."""
    found: dict[str, type[Connector]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.ispkg or info.name.startswith("_"):
            continue
        cls = _connector_of(f"{__name__}.{info.name}")
        if cls is not None:
            found[cls.name] = cls
    for module_name in extra_modules:
        try:
            cls = _connector_of(module_name)
        except ImportError as exc:
            raise ConfigError(
                f"MINSHENG_EXTRA_CONNECTORS: cannot import {module_name!r} ({exc})"
            ) from exc
        if cls is None:
            raise ConfigError(f"MINSHENG_EXTRA_CONNECTORS: {module_name!r} has no CONNECTOR")
        if cls.name in found and found[cls.name] is not cls:
            raise ConfigError(f"MINSHENG_EXTRA_CONNECTORS: a connector {cls.name!r} exists")
        found[cls.name] = cls
    return found


def import_models(extra_modules: Iterable[str] = ()) -> list[str]:
    """Import the table modules of every connector (for Alembic and schema checks)."""
    modules = [
        cls.models_module for cls in discover(extra_modules).values() if cls.models_module
    ]
    for module_name in modules:
        importlib.import_module(module_name)
    return modules
