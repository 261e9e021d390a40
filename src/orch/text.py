"""Small wording helpers shared by the command line and the reporters."""

from __future__ import annotations

import re


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 task``, ``2 tasks``, ``0 gates`` (``many`` for irregular plurals)."""
    return f"{count} {word if count == 1 else many or word + 's'}"


_ESCAPES = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC (window title, hyperlink) up to BEL or ST
    r"|\x1b[P^_X][^\x1b]*(?:\x1b\\)?"  # DCS, PM, APC, SOS strings
    r"|\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, erase
    r"|\x1b[ -/]*[0-~]?"  # any other escape
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """``text`` with every terminal escape sequence removed and other control characters
    (but newlines and tabs) shown as spaces: a task title from a plan may not retitle the
    window, recolour the screen or move the cursor."""
    return _CONTROLS.sub(" ", _ESCAPES.sub("", text))
