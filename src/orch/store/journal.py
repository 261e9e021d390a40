"""The append-only event journal ``events.jsonl``: one JSON object a line, fsync'd per event."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO

from pydantic import ValidationError

from orch.domain.state import Event
from orch.errors import StateError
from orch.secrets import default_redactor
from orch.store.atomic import fsync_dir


class Journal:
    """An open journal file. ``append`` returns only once the event is on disk."""

    def __init__(self, path: Path, *, durable: bool = True) -> None:
        self.path = path
        self.durable = durable
        created = not path.exists()
        self._handle: IO[bytes] = open(path, "ab")  # noqa: SIM115 - held for the run
        self._unsynced = False
        if created and durable:
            fsync_dir(path.parent)

    def append(self, event: Event, *, sync: bool = True) -> None:
        """Write one event line; with ``sync`` it is on disk before this returns."""
        line = event.model_dump_json(exclude_none=True).encode() + b"\n"
        self._handle.write(default_redactor().bytes(line))
        self._handle.flush()
        self._unsynced = True
        if sync:
            self.sync()

    def sync(self) -> None:
        """fsync everything appended so far (a no-op when nothing is pending)."""
        if self._unsynced and self.durable:
            os.fsync(self._handle.fileno())
        self._unsynced = False

    def close(self) -> None:
        self.sync()
        self._handle.close()


def read_journal(path: Path, *, repair: bool = True) -> tuple[list[Event], bool]:
    """Every event in the journal, and whether a torn last line was dropped.

    A torn *last* line is what a kill during ``append`` leaves and is tolerated; a bad line
    anywhere else means the file was damaged by something other than orch and is an error.
    ``repair`` cuts the torn line off, for the next append: only the run's writer may, since
    in an onlooker's eyes the last line may be one the live run is still writing.
    """
    if not path.exists():
        return [], False
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    events: list[Event] = []
    torn = False
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            events.append(Event.model_validate(json.loads(line)))
        except (ValueError, ValidationError) as exc:
            is_last = all(not rest.strip() for rest in lines[index + 1 :])
            if is_last:
                torn = True
                break
            raise StateError(
                f"corrupt journal line {index + 1} ({exc.__class__.__name__}), not the last "
                "one (a torn last line, what a crash leaves, is skipped)",
            ) from exc
    if torn and repair:
        _truncate_torn_tail(path, raw)
    return events, torn


def _truncate_torn_tail(path: Path, raw: bytes) -> None:
    """Cut the torn tail so the next append starts on a fresh line."""
    keep = raw.rfind(b"\n", 0, len(raw.rstrip(b"\n"))) + 1 if b"\n" in raw else 0
    # ``keep`` is the offset just after the last complete line.
    with open(path, "r+b") as handle:
        handle.truncate(keep)
        handle.flush()
        os.fsync(handle.fileno())
