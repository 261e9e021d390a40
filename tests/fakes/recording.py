"""A reporter that keeps every event, so tests can assert the exact event sequence (doit's way)."""

from __future__ import annotations

from orch.domain.state import Event, RunState


class RecordingReporter:
    """Keeps every event and whether the run closed."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.closed = False

    def emit(self, event: Event, state: RunState) -> None:
        self.events.append(event)

    def close(self, state: RunState) -> None:
        self.closed = True

    def types(self) -> list[str]:
        return [event.type for event in self.events]
