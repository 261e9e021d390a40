"""Git lock files a killed orch left behind, and the hint for one that stays (docs/parallel.md).

git takes a lock by creating ``<file>.lock`` and renames it into place when done; a git killed
in between (a SIGKILL of orch's process group) leaves the lock, and every later git command that
needs it fails with "Unable to create '….lock': File exists" (the error then carries
:func:`orch.vcs.repo.lock_hint`). orch removes such a lock only when
it is proven stale: the orch that held the project lock died without releasing it, the lock
file appeared while that orch held the project lock, and no process of that orch's process
group is alive (or, where that cannot be told, the lock has not changed for a while), and no
live process has the lock file open (the user's own git, started after the kill, writing it).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from orch.vcs.repo import find_repo

SHARED_LOCKS = ("packed-refs.lock", "index.lock", "HEAD.lock", "ORIG_HEAD.lock", "config.lock")
QUIET_S = 10.0
"""A lock unchanged this long, whose orch is dead, is stale even when liveness is unknown."""

def remove_stale_locks(project_dir: Path, since: float,
                       dead: Callable[[], bool]) -> list[Path]:
    """Delete the repository's lock files made at or after ``since`` (epoch seconds, when the
    killed orch took the project lock) that are stale: ``dead()`` says no process of that orch
    is alive, or the lock is older than :data:`QUIET_S`. The paths deleted."""
    repo = find_repo(project_dir)
    if repo is None:
        return []
    common = Path(repo.repo.common_dir)
    candidates = {*(d / name for d in {repo.git_dir, common} for name in SHARED_LOCKS),
                  *(common / "refs").rglob("*.lock")}
    gone = []
    held = _held_open(p for p in candidates if p.exists())
    for lock in sorted(candidates - held):
        try:
            mtime = lock.stat().st_mtime
        except OSError:
            continue
        if mtime < since - 1 or not (time.time() - mtime >= QUIET_S or dead()):
            continue
        lock.unlink(missing_ok=True)
        gone.append(lock)
    return gone


def _held_open(locks: Iterable[Path]) -> set[Path]:
    """The lock files some live process has open (Linux ``/proc``; none where it is absent).

    git keeps a lock file open while it writes it, so an open one belongs to a running git."""
    wanted = {os.path.realpath(lock): lock for lock in locks}
    if not wanted or not os.path.isdir("/proc/self/fd"):
        return set()
    held = set()
    for pid in (name for name in os.listdir("/proc") if name.isdigit()):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target in wanted:
                held.add(wanted[target])
    return held
