"""Process groups: stopping one (TERM, grace, then KILL) and finding one again after a crash.

Every command orch runs is the leader of its own process group (``start_new_session``), so the
group id is the leader's pid. Linux never hands out a pid again while a process group still uses
it as its id, which is what makes stopping a group by id safe even after its leader has died.
The one unsafe case, a leader pid reused by an unrelated process that then became a group leader
itself, is told apart by the leader's start time (``/proc/<pid>/stat``), recorded at spawn.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

GRACE_S = 2.0
"""Seconds between SIGTERM and SIGKILL."""

_POLL_S = 0.05


@dataclass(frozen=True)
class GroupRecord:
    """A process group orch started: its id and its leader's start time (``None`` where the
    platform does not say)."""

    pgid: int
    start: int | None


def _stat_fields(pid: int | str) -> list[str] | None:
    """``/proc/<pid>/stat`` from field 3 (state) on, or ``None`` (no such process, no /proc)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ")".
    return stat[stat.rfind(")") + 2 :].split()


def start_time(pid: int) -> int | None:
    """When process ``pid`` started, in clock ticks since boot (Linux), else ``None``."""
    fields = _stat_fields(pid)
    try:
        return int(fields[19]) if fields else None
    except (IndexError, ValueError):
        return None


def group_exists(pgid: int) -> bool:
    """Whether a live process is still in group ``pgid``. Zombies do not count: a dead
    process waiting for its parent (or init) to reap it runs nothing."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if not os.path.isdir("/proc/self"):
        return True
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat_fields(entry.name)
            if fields and len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
                return True
    return False


def signal_group(pgid: int, sig: int) -> bool:
    """Send ``sig`` to the group; ``False`` when the group is gone or not ours to signal."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def stop_group(
    pgid: int, *, grace_s: float = GRACE_S, wait_leader: Callable[[float], bool] | None = None
) -> bool:
    """SIGTERM group ``pgid``, wait up to ``grace_s`` for it to empty, then SIGKILL whatever is
    left of it. A child that ignores SIGTERM therefore never survives.

    ``wait_leader(timeout)`` (when orch is the leader's parent) reaps the leader and says whether
    it exited; without it, only the group's membership is polled. Returns whether the group had
    any process to stop.
    """
    if not signal_group(pgid, signal.SIGTERM):
        if wait_leader is not None:
            wait_leader(0.0)
        return False
    deadline = time.monotonic() + grace_s
    if wait_leader is not None:
        wait_leader(grace_s)
    _wait_empty(pgid, deadline)
    if group_exists(pgid):
        signal_group(pgid, signal.SIGKILL)
        # SIGKILL is delivered asynchronously: return once the group is really gone.
        _wait_empty(pgid, time.monotonic() + grace_s)
    if wait_leader is not None:
        wait_leader(-1.0)
    return True


def _wait_empty(pgid: int, deadline: float) -> None:
    while group_exists(pgid) and time.monotonic() < deadline:
        time.sleep(_POLL_S)


def stop_recorded_group(record: GroupRecord, *, grace_s: float = GRACE_S) -> str | None:
    """Stop a group recorded by an earlier orch process (one killed with SIGKILL).

    Returns what happened, for a warning, or ``None`` when nothing of the group is left.
    A live process with the group's id but another start time is not ours: left alone.
    """
    pgid = record.pgid
    if pgid <= 1 or pgid == os.getpgid(0):
        return None
    leader_alive = pid_alive(pgid)
    if leader_alive:
        now = start_time(pgid)
        if record.start is None or now is None:
            return (
                f"process group {pgid} of the interrupted run may still be running; "
                "orch cannot tell it from an unrelated process here, so it was left alone"
            )
        if now != record.start:
            return None
    if not group_exists(pgid):
        return None
    stop_group(pgid, grace_s=grace_s)
    return f"stopped process group {pgid} left running by the interrupted run"


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` is running (one of another user's included). A zombie is not:
    an orch killed with ``kill -9`` stays one until its parent reaps it, and its run is over."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    fields = _stat_fields(pid)
    return not (fields and fields[0] in ("Z", "X"))
