"""``orch run --json``: one JSON object per event on stdout, flushed per line, nothing else.

Each line is the journal's event. An event of a task whose attempt runs in a worker lane
(``--jobs`` > 1) also carries ``"lane": N`` after ``data``: from the ``worktree_created`` that
gives the task its lane through its integration, or through the failure or reset that sends it
back to the main tree.
"""

from __future__ import annotations

import sys
from typing import TextIO

from orch.domain.events import TaskStarted, WorktreeRemoved
from orch.domain.state import Event, RunState


class LaneEvent(Event):
    """A journal event with the worker lane of its task."""

    lane: int


class JsonLinesReporter:
    """Writes ``event.model_dump_json()`` per event; prints no summary (the events say it all)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream: TextIO = stream if stream is not None else sys.stdout
        self._broken = False
        self._lanes: dict[str, int] = {}

    def emit(self, event: Event, state: RunState) -> None:
        """Write the event as one line, every event type included, and flush."""
        lane = self._lane(event, state)
        if self._broken:
            return
        line = event if lane is None else LaneEvent(**dict(event), lane=lane)
        try:
            self.stream.write(line.model_dump_json() + "\n")
            self.stream.flush()
        except BrokenPipeError:
            self._broken = True  # the reader went away; the run itself goes on

    def _lane(self, event: Event, state: RunState) -> int | None:
        """The lane of the event's task: the one its attempt started in, else its worktree's
        (a task found in the merge queue on resume). After the worktree is gone the lane stays
        for the event that closes the lane's attempt (its failure, or its reset to pending)."""
        if event.task is None:
            return None
        task = state.tasks.get(event.task)
        payload = event.payload()
        if isinstance(payload, TaskStarted):
            if payload.lane is None:
                self._lanes.pop(event.task, None)
                return None
            self._lanes[event.task] = payload.lane
        if task is not None and task.lane is not None:
            self._lanes[event.task] = task.lane
            return task.lane
        kept = isinstance(payload, WorktreeRemoved) and payload.kept_branch
        return self._lanes.get(event.task) if kept else self._lanes.pop(event.task, None)

    def close(self, state: RunState) -> None:
        """Flush; JSON mode writes nothing at close."""
        if self._broken:
            return
        try:
            self.stream.flush()
        except BrokenPipeError:
            self._broken = True
