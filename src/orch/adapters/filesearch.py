"""Reading project files for the agent's tools: streamed, bounded, and time-limited.

``read_head`` returns the start of a text file without loading the rest, so a 1 GiB file costs
what its first 100 000 characters cost. ``search_lines`` runs a model-supplied regular
expression over files line by line (an over-long line is read in slices), with a time limit on
every single match call: Python's ``re`` cannot be stopped once it backtracks catastrophically
(``(a|aa)+$``), and while it runs it holds the interpreter, so neither a timer thread nor a
signal handler gets a turn. The ``regex`` package checks a deadline inside its matcher and
raises ``TimeoutError``, which keeps a search, a task timeout and Ctrl-C prompt.
"""

from __future__ import annotations

import io
import os
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when a search runs: the run path needs only read_head
    import regex

BINARY_PROBE_BYTES = 8192
LINE_SLICE_BYTES = 64 * 1024
"""A line longer than this is searched in slices of this size (line numbers stay right)."""
MATCH_CALL_LIMIT_S = 0.2
"""The longest one regex call may take; also how late a Ctrl-C or a task timeout can be seen."""
SEARCH_LIMIT_S = 20.0
"""The longest one `search` tool call may take in all; it then returns what it found so far."""
MAX_LINE_SHOWN = 300


class SearchFailure(Exception):
    """The search cannot go on (bad pattern, runaway pattern, interrupted): a tool error."""


def compile_pattern(pattern: str) -> regex.Pattern[str]:
    """``pattern`` compiled with Python ``re`` syntax (the ``regex`` module's version 0)."""
    import regex

    try:
        return regex.compile(pattern)
    except (regex.error, ValueError, OverflowError) as exc:
        raise SearchFailure(f"invalid regular expression: {exc}") from None


def is_regular_file(path: Path) -> bool:
    """A regular file (after symlinks): never a FIFO, socket or device, which could block."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def read_head(path: Path, max_chars: int) -> tuple[str, bool]:
    """The first ``max_chars`` characters of a UTF-8 text file and whether there is more.

    Raises :class:`SearchFailure` for a binary file (a NUL byte in its first 8 KiB)."""
    with open(path, "rb") as handle:
        if b"\0" in handle.read(BINARY_PROBE_BYTES):
            raise SearchFailure(f"{path.name} is a binary file")
        handle.seek(0)
        reader = io.TextIOWrapper(handle, encoding="utf-8", errors="replace", newline="")
        text = reader.read(max_chars + 1)
        reader.detach()
    return text[:max_chars], len(text) > max_chars


@dataclass
class SearchClock:
    """When a search must stop: its own limit, the task's time, or an interruption."""

    deadline: float
    cancelled: Callable[[], bool]

    @classmethod
    def start(cls, seconds_left: float | None, cancelled: Callable[[], bool],
              limit_s: float = SEARCH_LIMIT_S) -> SearchClock:
        budget = limit_s if seconds_left is None else max(0.0, min(limit_s, seconds_left))
        return cls(time.monotonic() + budget, cancelled)

    def left(self) -> float:
        """Seconds left; raises :class:`SearchFailure` when interrupted."""
        if self.cancelled():
            raise SearchFailure("search interrupted")
        return self.deadline - time.monotonic()


class OutOfTime(Exception):
    """The search's time ran out; the matches found so far still count."""


def search_lines(path: Path, pattern: regex.Pattern[str],
                 clock: SearchClock) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` for each line of ``path`` that matches ``pattern``.

    Stops quietly at the first NUL byte (the rest is binary). Raises :class:`OutOfTime` when
    the clock runs out and :class:`SearchFailure` when one match call takes too long."""
    number = 1
    with open(path, "rb") as handle:
        while chunk := handle.readline(LINE_SLICE_BYTES):
            if b"\0" in chunk:
                return
            line = chunk.decode("utf-8", "replace").rstrip("\r\n")
            if _matches(pattern, line, clock):
                yield number, line[:MAX_LINE_SHOWN]
            if chunk.endswith(b"\n"):
                number += 1


def _matches(pattern: regex.Pattern[str], line: str, clock: SearchClock) -> bool:
    left = clock.left()
    if left <= 0:
        raise OutOfTime()
    limit = min(MATCH_CALL_LIMIT_S, left)
    try:
        return pattern.search(line, timeout=limit) is not None
    except TimeoutError:
        if limit < MATCH_CALL_LIMIT_S:
            raise OutOfTime() from None
        raise SearchFailure(
            f"the regular expression took over {MATCH_CALL_LIMIT_S:g}s on a single line "
            "(catastrophic backtracking?); simplify it, e.g. avoid nested quantifiers like "
            "(a+)+") from None
