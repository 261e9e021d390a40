"""Find and stop a test's own processes by process group, never by command line.

``PGID_TO`` is a shell line a task script runs to write its process group id to a file.

Matching processes by command line would hit any process on the machine that looks alike,
including other programs' and other test runs'. A test instead learns the process group of
what it started (a task script can write ``ps -o pgid= $$`` to a file) and asks about that
group only. Zombies do not count as alive: in a container whose init does not reap, a dead
child may linger as one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

PGID_TO = "cut -d' ' -f5 /proc/$$/stat >"
"""``f"{PGID_TO} pgid"`` in a task script: write the script's process group id to ``pgid``."""


def live_members(pgid: int) -> list[int]:
    """Pids of the processes in group ``pgid`` that are alive (not zombies), from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # it ended while we looked
        fields = stat[stat.rindex(")") + 2:].split()
        state, group = fields[0], int(fields[2])
        if group == pgid and state not in ("Z", "X"):
            members.append(int(entry.name))
    return members


def wait_gone(pgid: int, timeout: float = 10.0) -> list[int]:
    """Wait until group ``pgid`` has no live member; the members still alive at the end."""
    deadline = time.monotonic() + timeout
    while (alive := live_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


def kill_group(pgid: int) -> None:
    """SIGKILL the whole group ``pgid`` (nothing happens when it is gone already)."""
    assert pgid > 1 and pgid != os.getpgrp(), f"refusing to kill process group {pgid}"
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def read_pgid(path: Path, timeout: float = 30.0) -> int:
    """The process group id a task script wrote to ``path`` (waits for the file)."""
    deadline = time.monotonic() + timeout
    while not (path.exists() and path.read_text().strip()):
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)
    return int(path.read_text().strip())
