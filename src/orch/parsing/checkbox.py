"""The checkbox of a task item, defined once (docs/plan-format.md).

The parser reads it (:mod:`orch.parsing.taskline`), orch's progress marks flip it
(:mod:`orch.parsing.marks`, :mod:`orch.runner.planmarks`) and the plan digest reads every one
as ``[ ]`` (:func:`unmarked`), all with these patterns, so none of them can drift apart.
"""

from __future__ import annotations

import re

MARKER = r"[ xX~]|[^\[\]\w\s]{1,3}|[Nn]/?[Aa]"
"""Markers always read as a checkbox: ``[ ]``, ``[x]``, ``[X]``, ``[~]``, a symbol (``[✓]``,
``[-]``, ``[⛔]``), ``[N/A]``."""
LOOSE_MARKER = r"[ \t]*[xX~]?[ \t]*|[A-Za-z][A-Za-z/]{1,5}"
"""Checkbox markers read only when a task ID follows: ``[]``, ``[ x]``, ``[WIP]``, ``[DONE]``."""
BOX = re.compile(rf"\[({MARKER})\](?=\s|$|[\u3000-\u303f\uff01-\uff0f\uff1a-\uff20])")
"""A checkbox at the start of an item's text, with a usual marker: followed by a blank, or by
full-width punctuation (``- [x]（…``, ``- [ ]【…``) that needs none."""
LOOSE_BOX = re.compile(rf"\[({LOOSE_MARKER})\][ \t]*")
"""A checkbox at the start of an item's text, with a loose marker (and the blanks after it)."""
ITEM_LEAD = r"[ \t>]*(?:[-*+]|\d{1,9}[.)])[ \t]+"
"""What comes before an item's checkbox on its line: indent, blockquote marks, bullet."""
ITEM_BOX = re.compile(rf"^(?P<lead>{ITEM_LEAD})\[(?P<box>{MARKER}|{LOOSE_MARKER})\]",
                      re.MULTILINE)
"""A list item's checkbox, of either kind, where its line starts."""


def unmarked(raw: bytes) -> bytes:
    """``raw`` with the marker of every item checkbox replaced by a blank (``[ ]``); every other
    byte kept, undecodable ones included."""
    text = raw.decode("utf-8", "surrogateescape")
    return ITEM_BOX.sub(r"\g<lead>[ ]", text).encode("utf-8", "surrogateescape")
