"""Process groups in the journal: record each one a task starts, and stop those a killed run
left behind before a resume starts anything (docs/state.md, "Processes")."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from orch import proc
from orch.domain.status import ACTIVE_TASK_STATUSES
from orch.procgroups import GroupRecord, stop_recorded_group
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
