"""Reading a run that may be going on in another process: never writes, never locks.

A line half-written by the live run is simply skipped, and so is everything after a damaged
line: what came before is still right.
Used by ``orch status --watch`` and ``orch report``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from pydantic import ValidationError

from orch.domain.state import Event, RunState, apply_event
from orch.domain.status import RunStatus
from orch.store.layout import Layout
from orch.store.runs import read_snapshot


def read_events(layout: Layout, run_id: str) -> list[Event]:
    """The complete events of the journal; a half-written last line is left alone."""
    path = layout.events(run_id)
    if not path.exists():
        return []
    events: list[Event] = []
    for line in path.read_bytes().split(b"\n"):
        if not line.strip():
            continue
        try:
            events.append(Event.model_validate(json.loads(line)))
        except (ValueError, ValidationError):
            break  # torn by a live writer, or damaged: what came before is still right
    return events


def load_state(layout: Layout, run_id: str) -> tuple[RunState, list[Event]]:
    """The run's state (snapshot + newer events) and its events, read-only."""
    state = read_snapshot(layout, run_id)
    events = read_events(layout, run_id)
    for event in events:
        if event.seq > state.last_seq:
            apply_event(state, event)
    return state, events


def watch(layout: Layout, run_id: str, show: Callable[[RunState], None], *,
          interval_s: float = 1.0, sleep: Callable[[float], None] = time.sleep) -> RunState:
    """Call ``show`` whenever the journal grows, until the run is no longer running."""
    last = -1
    while True:
        state, _events = load_state(layout, run_id)
        if state.last_seq != last:
            show(state)
            last = state.last_seq
        if state.state is not RunStatus.RUNNING:
            return state
        sleep(interval_s)
