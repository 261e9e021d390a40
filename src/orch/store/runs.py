"""Runs on disk: create, record events durably, snapshot, load (snapshot + journal replay)."""

from __future__ import annotations

import json
import secrets
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from orch.domain.events import checked_data
from orch.domain.state import SCHEMA_VERSION, Event, RunState, apply_event
from orch.domain.status import RunStatus
from orch.errors import StateError, UsageError
from orch.secrets import default_redactor, redact_data
from orch.store.atomic import atomic_write_text
from orch.store.journal import Journal, read_journal
from orch.store.layout import Layout
from orch.store.lock import run_in_progress

SNAPSHOT_EVERY = 1000
"""Events between automatic snapshots; phase ends and run ends snapshot too."""


def utc_now() -> str:
    """An ISO-8601 UTC timestamp with milliseconds, the format of every time orch records."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_run_id() -> str:
    """A sortable, unique run id: ``20261121-223716-3fa2``."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(2)


class RunRecorder:
    """An open run: the only writer of its journal and snapshot while the project lock is held."""

    def __init__(self, layout: Layout, state: RunState, *, durable: bool = True,
                 snapshot_seq: int | None = None) -> None:
        self.layout = layout
        self.state = state
        self.durable = durable
        self._journal = Journal(layout.events(state.run_id), durable=durable)
        self._since_snapshot = 0
        self._snapshot_seq = snapshot_seq
        """The last event ``run.json`` on disk holds, when known (written by this process)."""
        # Worker lanes (``--jobs``) journal their process groups from their own threads.
        self._lock = threading.RLock()

    @property
    def run_id(self) -> str:
        return self.state.run_id

    def record(
        self,
        type_: str,
        *,
        task: str | None = None,
        phase: str | None = None,
        data: dict[str, Any] | None = None,
        sync: bool = True,
    ) -> Event:
        """Append one event and fold it into the state.

        With ``sync`` (the default) the event is on disk before this returns. The runner passes
        ``sync=False`` and calls :meth:`barrier` before every action with an effect outside the
        journal, which keeps "durable before the next action" with one fsync per task.
        """
        with self._lock:
            return self._record(type_, task, phase, data, sync)

    def _record(self, type_: str, task: str | None, phase: str | None,
                data: dict[str, Any] | None, sync: bool) -> Event:
        event = Event(
            seq=self.state.last_seq + 1,
            ts=utc_now(),
            type=type_,
            run=self.state.run_id,
            task=task,
            phase=phase,
            # Checked against its payload model, then redacted: also what reporters print.
            data=checked_data(type_, redact_data(data or {}, default_redactor())),
        )
        self._journal.append(event, sync=sync)
        apply_event(self.state, event)
        self._since_snapshot += 1
        if self._since_snapshot >= SNAPSHOT_EVERY:
            self.snapshot()
        return event

    def barrier(self) -> None:
        """Make every event recorded so far durable (call before acting on the world)."""
        with self._lock:
            self._journal.sync()

    def snapshot(self) -> None:
        """Write ``run.json`` atomically from the folded state (after syncing the journal).

        Skipped when ``run.json`` already holds every event recorded: every change to a run's
        state is an event, so it would be written again byte for byte."""
        with self._lock:
            self._journal.sync()
            if self._snapshot_seq == self.state.last_seq:
                return
            write_snapshot(self.layout, self.state, durable=self.durable)
            self._since_snapshot = 0
            self._snapshot_seq = self.state.last_seq

    def close(self) -> None:
        self.snapshot()
        self._journal.close()


def write_snapshot(layout: Layout, state: RunState, *, durable: bool = True) -> None:
    text = default_redactor()(state.model_dump_json(indent=1))
    atomic_write_text(layout.run_json(state.run_id), text, durable=durable)


def create_run(layout: Layout, state: RunState, *, durable: bool = True) -> RunRecorder:
    """Make the run folder, write the first snapshot, point ``current`` at it."""
    layout.ensure_ignored()
    run_dir = layout.run_dir(state.run_id)
    run_dir.mkdir(parents=True, exist_ok=False)
    layout.logs_dir(state.run_id).mkdir()
    write_snapshot(layout, state, durable=durable)
    atomic_write_text(layout.current, state.run_id + "\n", durable=durable)
    return RunRecorder(layout, state, durable=durable, snapshot_seq=state.last_seq)


def open_run(layout: Layout, run_id: str, *, durable: bool = True) -> RunRecorder:
    """Load a run for writing (resume, rollback). The caller holds the project lock."""
    return RunRecorder(layout, load_run(layout, run_id, repair=True), durable=durable)


def load_run(layout: Layout, run_id: str, *, repair: bool = False) -> RunState:
    """The run's state: the snapshot plus every journaled event newer than it.

    A torn last journal line (a kill during an append) is skipped; with ``repair`` (only the
    lock holder, about to append) it is also cut off. Damage elsewhere is a StateError that
    names the file and says what the user can do."""
    state = read_snapshot(layout, run_id)
    events_path = layout.events(run_id)
    try:
        events, _torn = read_journal(events_path, repair=repair)
        for event in events:
            if event.seq > state.last_seq:
                apply_event(state, event)
    except StateError as exc:
        raise StateError(f"{_shown(layout, events_path)}: {exc.message}",
                         hint=JOURNAL_DAMAGED_HINT) from None
    return state


JOURNAL_DAMAGED_HINT = (
    "the lines before it are intact, but orch will not guess the rest: restore the file from a "
    "backup, or start a new run with `orch run` (`orch runs` lists this project's runs)"
)
SNAPSHOT_DAMAGED_HINT = (
    "orch replaces run.json atomically, so another program changed it; the run's events.jsonl "
    "beside it still holds what happened: restore run.json from a backup, or start a new run "
    "with `orch run` (`orch runs` lists this project's runs)"
)


def as_shown(layout: Layout, state: RunState) -> RunState:
    """The run as ``status``, ``runs`` and the queue tools show it: recorded ``running`` while
    no ``run`` or ``resume`` process holds the lock means the run was interrupted
    (docs/state.md)."""
    if state.state is RunStatus.RUNNING and not run_in_progress(layout.lock):
        return state.model_copy(update={"state": RunStatus.INTERRUPTED})
    return state


def read_snapshot(layout: Layout, run_id: str) -> RunState:
    """The run's ``run.json`` alone (no journal replay); a missing or damaged one is a
    StateError naming the file, with a hint."""
    path = layout.run_json(run_id)
    if not path.exists():
        raise StateError(
            f"no run {run_id!r} under {layout.runs_dir}",
            hint="`orch runs` lists the runs of this project",
        )
    shown = _shown(layout, path)
    try:
        text = path.read_text(encoding="utf-8")
        raw = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        why = "is empty" if not path.stat().st_size else f"is damaged: not valid JSON ({exc})"
        raise StateError(f"{shown} {why}", hint=SNAPSHOT_DAMAGED_HINT) from None
    if not isinstance(raw, dict) or "schema_version" not in raw:
        raise StateError(f"{shown} is damaged: not an orch run snapshot",
                         hint=SNAPSHOT_DAMAGED_HINT)
    version = raw["schema_version"]
    if version != SCHEMA_VERSION:
        raise StateError(
            f"{shown}: state schema version {version!r}, this orch reads {SCHEMA_VERSION}",
            hint="use the orch version that made this run, or start a new run",
        )
    try:
        return RunState.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise StateError(f"{shown} is damaged: {exc.error_count()} invalid field(s), first "
                         f"{where}: {first['msg']}", hint=SNAPSHOT_DAMAGED_HINT) from None


def _shown(layout: Layout, path: Path) -> str:
    """``path`` as the user knows it: relative to the project."""
    try:
        return str(path.relative_to(layout.project_dir))
    except ValueError:
        return str(path)


def current_run_id(layout: Layout) -> str | None:
    """The id in ``.specify/orch/current``, if there is one."""
    try:
        run_id = layout.current.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return run_id or None


def resolve_run_id(layout: Layout, run_id: str | None) -> str:
    """``run_id`` if given (a unique prefix is enough), else the current run."""
    if run_id is None:
        current = current_run_id(layout)
        if current is None:
            raise StateError("no orch run in this project yet", hint="start one with `orch run`")
        return current
    if layout.run_json(run_id).exists():
        return run_id
    matches = [r for r in list_run_ids(layout) if r.startswith(run_id)]
    if len(matches) == 1:
        return matches[0]
    raise UsageError(
        f"no run matches {run_id!r}" if not matches else f"{run_id!r} matches several runs",
        hint="`orch runs` lists the runs of this project",
    )


def list_run_ids(layout: Layout) -> list[str]:
    """Every run id, oldest first."""
    if not layout.runs_dir.is_dir():
        return []
    return sorted(p.name for p in layout.runs_dir.iterdir() if (p / "run.json").exists())
