"""``orch run --json``: one JSON object per event on stdout, flushed per line, nothing else."""

from __future__ import annotations

import sys
from typing import TextIO

from orch.domain.state import Event, RunState


class JsonLinesReporter:
    """Writes ``event.model_dump_json()`` per event; prints no summary (the events say it all)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream: TextIO = stream if stream is not None else sys.stdout
        self._broken = False

    def emit(self, event: Event, state: RunState) -> None:
        """Write the event as one line, every event type included, and flush."""
        if self._broken:
            return
        try:
            self.stream.write(event.model_dump_json() + "\n")
            self.stream.flush()
        except BrokenPipeError:
            self._broken = True  # the reader went away; the run itself goes on

    def close(self, state: RunState) -> None:
        """Flush; JSON mode writes nothing at close."""
        if self._broken:
            return
        try:
            self.stream.flush()
        except BrokenPipeError:
            self._broken = True
