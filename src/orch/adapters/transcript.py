"""The task log an adapter writes: prompt, model turns, tool calls and results, all redacted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from orch.secrets import Redactor

MAX_LOGGED_CHARS = 8_000


class Transcript:
    """Appends redacted sections to a task log; never raises for an unwritable log."""

    def __init__(self, path: Path, redactor: Redactor | None = None) -> None:
        self.path = path
        self.redact = redactor or Redactor()

    def write(self, text: str) -> None:
        """Append ``text`` (redacted) as is."""
        try:
            with open(self.path, "a", encoding="utf-8") as log:
                log.write(self.redact(text))
        except OSError:
            pass

    def section(self, title: str, body: str = "", limit: int = MAX_LOGGED_CHARS) -> None:
        """Append ``--- title ---`` and ``body`` cut to ``limit`` characters."""
        if len(body) > limit:
            body = body[:limit] + f"\n[… {len(body) - limit} more characters not logged]"
        end = "" if body.endswith("\n") or not body else "\n"
        self.write(f"--- {title} ---\n{body}{end}")

    def json(self, title: str, value: Any, limit: int = MAX_LOGGED_CHARS) -> None:
        """Append ``value`` as indented JSON under ``title``."""
        self.section(title, json.dumps(value, indent=2, ensure_ascii=False, default=str), limit)

    def size(self) -> int:
        """The log's current size in bytes (0 when it does not exist yet)."""
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def read_from(self, offset: int) -> str:
        """What was appended to the log after byte ``offset``."""
        try:
            with open(self.path, "rb") as log:
                log.seek(offset)
                return log.read().decode("utf-8", "replace")
        except OSError:
            return ""
