"""The one reading of a yes/no environment variable (``ORCH_DEBUG=1``, ``ORCH_ASSUME_YES``)."""

from __future__ import annotations

import os
from collections.abc import Mapping

_FALSE = frozenset({"", "0", "false", "no", "off"})


def env_flag(name: str, default: bool = False, env: Mapping[str, str] | None = None) -> bool:
    """Whether ``name`` is set to a true value in ``env`` (default: the process environment);
    unset means ``default``; ``0``/``false``/``no``/``off``/empty mean false."""
    source = os.environ if env is None else env
    value = source.get(name)
    if value is None:
        return default
    return value.strip().lower() not in _FALSE
