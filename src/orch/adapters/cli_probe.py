"""Asking an installed CLI about itself: its version and the flags its ``--help`` lists.

Used to pick between flag spellings a CLI has changed (gemini's ``--skip-trust``) and by
``orch agents --check`` to report, before a run, a flag orch passes that the installed version
no longer accepts.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

PROBE_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Probe:
    """What one CLI said about itself."""

    executable: str
    version: str | None
    missing_flags: tuple[str, ...]
    error: str | None = None


def _output(argv: Sequence[str]) -> tuple[str, str] | None:
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, errors="replace",
                              timeout=PROBE_TIMEOUT_S, stdin=subprocess.DEVNULL,
                              start_new_session=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout, done.stderr


@cache
def _cached_output(argv: tuple[str, ...], stamp: float) -> tuple[str, str] | None:
    return _output(argv)


def _streams(executable: str, *args: str) -> tuple[str, str] | None:
    path = shutil.which(executable)
    if path is None:
        return None
    try:
        stamp = os.stat(path).st_mtime
    except OSError:
        return None
    return _cached_output((path, *args), stamp)


def cli_output(executable: str, *args: str) -> str | None:
    """``executable ARGS``'s combined output (cached while the binary is unchanged);
    ``None`` when it cannot run."""
    streams = _streams(executable, *args)
    return None if streams is None else streams[0] + streams[1]


def version_line(stdout: str, stderr: str) -> str | None:
    """The version a CLI printed: its last stdout line (a warning on stderr, such as Codex's
    "WARNING: proceeding, even though…", is not the version), else its last stderr line."""
    for text in (stdout, stderr):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines:
            return lines[-1]
    return None


def has_flag(help_text: str, flag: str) -> bool:
    """Whether ``help_text`` lists ``flag`` (as a whole option name)."""
    return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", help_text) is not None


def probe(executable: str, version_args: Sequence[str], help_args: Sequence[str],
          flags: Sequence[str]) -> Probe:
    """Run the version command and check ``flags`` against the help text."""
    version = _streams(executable, *version_args)
    help_text = cli_output(executable, *help_args)
    if version is None or help_text is None:
        return Probe(executable, None, (), error=f"`{executable}` did not run")
    missing = tuple(flag for flag in flags if not has_flag(help_text, flag))
    return Probe(executable, version_line(*version), missing)
