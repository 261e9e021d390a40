"""Process groups in the journal: record each one a task starts, and stop those a killed run
left behind before a resume starts anything (docs/state.md, "Processes"); git lock files a
killed orch left are removed too (docs/parallel.md, "Crash safety")."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from orch import proc
from orch.domain.status import ACTIVE_TASK_STATUSES
from orch.procgroups import GroupRecord, group_exists, stop_recorded_group
from orch.store.lock import ProjectLock
from orch.store.runs import RunRecorder


@contextmanager
def record_groups(recorder: RunRecorder) -> Iterator[None]:
    """Journal ``process_started`` and ``process_ended`` for every process group started while
    the block runs. No fsync is needed: the line is flushed to the OS at once, which survives a
    SIGKILL of orch, and a power loss leaves no process to stop."""
    lock = threading.Lock()

    def started(record: GroupRecord) -> None:
        active = (t.id for t in recorder.state.tasks.values() if t.status in ACTIVE_TASK_STATUSES)
        task = next(active, None)
        with lock:
            recorder.record(
                "process_started",
                task=task,
                data={"pgid": record.pgid, "start": record.start},
                sync=False,
            )

    def ended(pgid: int) -> None:
        with lock:
            recorder.record("process_ended", data={"pgid": pgid}, sync=False)

    with proc.track_groups(started, ended):
        yield


def stop_orphans(recorder: RunRecorder, warn: Callable[[str], None]) -> None:
    """Stop every process group the run recorded as started and never saw end (orch was
    killed with SIGKILL), then journal that they are gone. Call before any task starts."""
    for group in list(recorder.state.process_groups):
        message = stop_recorded_group(GroupRecord(pgid=group.pgid, start=group.start))
        if message:
            warn(f"{message}" + (f" (task {group.task})" if group.task else ""))
        recorder.record("process_ended", data={"pgid": group.pgid, "reason": "resume"})


def clear_git_locks(lock: ProjectLock, project_dir: Path, warn: Callable[[str], None]) -> None:
    """Remove the git lock files an orch killed while holding the project lock left behind.

    Only when ``lock`` took over from a dead holder; a lock file is removed only if it was made
    while that orch held the project lock and nothing of its process group is still running
    (its git children would be there), see :func:`orch.vcs.gitlocks.remove_stale_locks`."""
    if lock.taken_over is None:
        return
    from orch.vcs.gitlocks import remove_stale_locks  # GitPython: only after a killed run

    holder, since = lock.taken_over
    pgid = holder.get("pgid")

    def dead() -> bool:
        return isinstance(pgid, int) and pgid != os.getpgrp() and not group_exists(pgid)

    for path in remove_stale_locks(project_dir, since, dead):
        warn(f"removed {path}, a git lock file the killed orch left behind")
