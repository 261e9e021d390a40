"""The project lock ``.specify/orch/lock``, held by ``run``, ``resume`` and ``rollback``.

An OS file lock (``filelock``) is the mutual exclusion; the holder's pid, its start time and
command are written into the file so a refused process can name it. The OS releases the lock
when its holder dies, so a lock file naming a dead pid is stale: it is taken over with a warning.
A pid is reused once its process is gone: a live process whose start time differs from the
recorded one is not the holder, and the holder counts as dead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from orch.errors import LockHeldError
from orch.procgroups import pid_alive, start_time


class ProjectLock:
    """Exclusive, non-blocking lock on one project's orch state."""

    def __init__(
        self, path: Path, command: str, *, warn: Callable[[str], None] | None = None
    ) -> None:
        self.path = path
        self.command = command
        self._warn = warn
        self._lock = FileLock(str(path), timeout=0)
        self.taken_over: tuple[dict[str, object], float] | None = None
        """The dead holder whose lock this one took over, and when it had taken it."""

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        previous = read_holder(self.path)
        try:
            since = self.path.stat().st_mtime
        except OSError:
            since = 0.0
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            holder = read_holder(self.path)
            pid = holder.get("pid") if holder else None
            what = f"pid {pid}" if pid else "another process"
            command = f" (`orch {holder['command']}`)" if holder and holder.get("command") else ""
            raise LockHeldError(
                f"another orch process holds the project lock: {what}{command}",
                pid=pid if isinstance(pid, int) else None,
                hint="wait for it to finish, or stop it; the run it started can be resumed",
            ) from None
        stale = previous or {}
        stale_pid = stale.get("pid")
        if isinstance(stale_pid, int) and stale_pid != os.getpid() and not holder_alive(stale):
            self.taken_over = (stale, since)
        if self.taken_over is not None and self._warn is not None:
            self._warn(
                f"took over a stale lock left by pid {stale_pid} "
                f"(`orch {stale.get('command', '?')}`), which is no longer running"
            )
        with open(self.path, "r+", encoding="utf-8") as handle:
            handle.truncate(0)
            handle.write(json.dumps({"pid": os.getpid(), "start": start_time(os.getpid()),
                                     "pgid": os.getpgrp(),
                                     "command": self.command}))
            handle.flush()

    def release(self) -> None:
        if self._lock.is_locked:
            try:
                with open(self.path, "r+", encoding="utf-8") as handle:
                    handle.truncate(0)
            except OSError:
                pass
            self._lock.release()

    def __enter__(self) -> ProjectLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def read_holder(path: Path) -> dict[str, object] | None:
    """The pid/command written by the current or last holder, if any."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def run_in_progress(path: Path) -> bool:
    """Whether a live process holds the lock for ``run`` or ``resume``. A run whose recorded
    state is ``running`` while this is false was interrupted (killed, power loss)."""
    holder = read_holder(path) or {}
    return holder.get("command") in ("run", "resume") and held_by_live_process(path)


def held_by_live_process(path: Path) -> bool:
    """Whether a running process holds the lock, judged from the file alone: the check never
    takes the lock, so it cannot get in the way of a run starting."""
    holder = read_holder(path)
    return holder is not None and holder_alive(holder)


def holder_alive(holder: dict[str, object]) -> bool:
    """Whether the process a lock record names is still running: its pid is alive and, where
    both are known, started when the record says (else the pid was reused by another process)."""
    pid, start = holder.get("pid"), holder.get("start")
    if not isinstance(pid, int) or not pid_alive(pid):
        return False
    now = start_time(pid) if isinstance(start, int) else None
    return now is None or now == start
