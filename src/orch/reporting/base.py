"""The reporter protocol: the runner emits every journaled event here after recording it."""

from __future__ import annotations

from typing import Protocol

from orch.domain.state import Event, RunState


class Reporter(Protocol):
    """Receives events in order. ``state`` is the run state with the event already applied."""

    def emit(self, event: Event, state: RunState) -> None: ...

    def close(self, state: RunState) -> None:
        """The run loop ended (completed, halted or interrupted): flush and summarise."""
        ...
