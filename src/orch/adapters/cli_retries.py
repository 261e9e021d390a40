"""Bounding the API retries a CLI agent makes on its own.

Codex, Gemini CLI and aider retry failed API calls themselves, and orch can pass none of them a
limit. What they print while retrying ("Reconnecting... 2/5", "Retrying with backoff...",
"Retrying in 2.0 seconds...") is watched in the task log as it is written: when a CLI has kept
retrying, with no sign of progress in between, for longer than ``api_retry_seconds`` (config,
default 120; ``ORCH_RETRY_MAX_TOTAL`` overrides it, as for the ``anthropic`` adapter), orch stops
it and the attempt ends ``api_error`` — a transient fault, resumable with ``orch resume
--retry-failed``. A task timeout that ends an attempt while the CLI was retrying says so.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from orch.config import config_or_defaults
from orch.store.layout import Layout

_POLL_S = 0.2


def retry_seconds(project_dir: Path) -> float:
    """How long a CLI may keep retrying: ``ORCH_RETRY_MAX_TOTAL``, else the project config's
    ``api_retry_seconds``, else 120 s."""
    with contextlib.suppress(ValueError):
        raw = os.environ.get("ORCH_RETRY_MAX_TOTAL")
        if raw:
            return float(raw)
    return config_or_defaults(Layout(project_dir).config).api_retry_seconds


@dataclass
class RetryWatch:
    """Polled by :func:`orch.proc.run_argv` (``should_stop``): reads the log as the CLI writes
    it and says to stop once a streak of retry lines has lasted ``limit_s``."""

    log_path: Path
    offset: int
    retry: re.Pattern[str]
    progress: re.Pattern[str]
    limit_s: float
    streak_since: float | None = None
    """When the current streak of retries was first seen; ``None`` when the CLI is not
    retrying (none yet, or progress since)."""
    last_retry: str = ""
    fired: bool = False
    _polled: float = 0.0

    def __call__(self) -> bool:
        now = time.monotonic()
        if self.fired or now - self._polled < _POLL_S:
            return self.fired
        self._polled = now
        for line in self._new_lines():
            if self.retry.search(line):
                self.streak_since = self.streak_since or now
                self.last_retry = line.strip()[:300]
            elif self.progress.search(line):
                self.streak_since = None
        self.fired = self.streak_since is not None and now - self.streak_since >= self.limit_s
        return self.fired

    @property
    def retrying(self) -> bool:
        """Whether the CLI was in a streak of retries when last looked at."""
        self()
        return self.streak_since is not None

    def _new_lines(self) -> list[str]:
        """Complete lines written to the log since the last look."""
        try:
            with self.log_path.open("rb") as log:
                log.seek(self.offset)
                data = log.read()
        except OSError:
            return []
        end = data.rfind(b"\n") + 1
        self.offset += end
        return data[:end].decode("utf-8", "replace").splitlines()

    def stopped_error(self, executable: str) -> str:
        """The error of an attempt orch stopped because the CLI kept retrying."""
        return (f"{executable} kept retrying the API for over {self.limit_s:g}s "
                f"(api_retry_seconds); stopped: {self.last_retry}")

    def timeout_error(self, executable: str, limit: float | None) -> str:
        """The error of an attempt that timed out; it says when the CLI was retrying."""
        base = f"{executable} timed out after {limit:g}s" if limit else f"{executable} timed out"
        if self.retrying:
            return f"{base} while it kept retrying the API (last: {self.last_retry})"
        return base
