"""SIGINT/SIGTERM during a run: stop the running task's process group, let the loop record
the interruption and exit 130. The handler only sets a flag and signals children, so a journal
write in progress always completes."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from orch import proc


@contextmanager
def interrupt_handlers() -> Iterator[None]:
    """Install the handlers for the duration of a run; a second Ctrl-C still stops children."""
    proc.reset_interrupt()

    def handle(signum: int, frame: FrameType | None) -> None:
        proc.interrupt_all()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
