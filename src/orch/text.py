"""Small wording helpers shared by the command line and the reporters."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 task``, ``2 tasks``, ``0 gates`` (``many`` for irregular plurals)."""
    return f"{count} {word if count == 1 else many or word + 's'}"
