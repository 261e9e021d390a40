"""Durations as people write them in plans and config: ``90s``, ``10m``, ``1h30m``, ``2.5h``."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|m|min|mins|h|hr|hrs|d)?", re.IGNORECASE)
_SCALE = {
    "ms": 0.001,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "d": 86400,
}


def parse_duration(text: str) -> float:
    """Seconds in ``text``; a bare number is seconds. ``ValueError`` says what is accepted."""
    cleaned = text.strip().replace(" ", "")
    if not cleaned:
        raise ValueError("empty duration")
    total = 0.0
    position = 0
    for match in _PART.finditer(cleaned):
        if match.start() != position or not match.group(0):
            break
        unit = (match.group(2) or "s").lower()
        total += float(match.group(1)) * _SCALE[unit]
        position = match.end()
    if position != len(cleaned):
        raise ValueError(f"not a duration: {text!r} (use e.g. 90s, 10m, 1h30m)")
    return total


def format_duration(seconds: float) -> str:
    """``75.2`` -> ``1m15s``; under a minute keeps one decimal."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
