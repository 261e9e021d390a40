"""Adapter registry: built-ins and third-party adapters load through the ``orch.adapters``
entry-point group, so the built-ins prove the extension point works. The entry points in
``pyproject.toml`` are the one list of built-in adapters."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from orch.adapters.base import Adapter
from orch.errors import ConfigError

ENTRY_POINT_GROUP = "orch.adapters"

@cache
def _entry_points() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def adapter_names() -> list[str]:
    """Every registered adapter name, sorted."""
    return sorted(_entry_points())


def get_adapter(name: str) -> Adapter:
    """A fresh instance of the adapter registered as ``name``."""
    target = _entry_points().get(name)
    if target is None:
        raise ConfigError(
            f"unknown agent adapter {name!r}",
            hint=f"known adapters: {', '.join(adapter_names())}",
        )
    module_name, _, attr = target.partition(":")
    import importlib

    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"adapter {name!r} ({target}) cannot be loaded: {exc}") from exc
    adapter = factory()
    if not isinstance(adapter, Adapter):
        raise ConfigError(f"adapter {name!r} ({target}) does not implement run() and available()")
    return adapter
