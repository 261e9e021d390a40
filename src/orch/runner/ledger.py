"""The run's one cost budget, shared by every worker lane (``--jobs``, docs/parallel.md).

Each model call first *reserves* its worst-case price; the call then *settles*: the
reservation is released and what it really cost is counted for its task until the controller
has journalled that task's attempt (from then on the journal's total counts it). A call is
refused when the cap minus the journalled spending, the lanes' unjournalled spending and the
other lanes' open reservations cannot pay even its smallest useful reply, so lanes running at
once never spend past the cap together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class SpendLedger:
    """Reservations against the run's cost cap; thread-safe (workers reserve, settle)."""

    def __init__(self, cap_usd: float | None, journalled: Callable[[], float]) -> None:
        self.cap_usd = cap_usd
        self._journalled = journalled
        self._lock = threading.Lock()
        self._reserved = 0.0
        self._unjournalled: dict[str, float] = {}

    def reserve(self, task_id: str, minimum: float, wanted: float) -> float | None:
        """Reserve up to ``wanted`` dollars (at least ``minimum``): the amount, or ``None``."""
        with self._lock:
            if self.cap_usd is None:
                return wanted
            free = (self.cap_usd - self._journalled() - sum(self._unjournalled.values())
                    - self._reserved)
            if free < minimum:
                return None
            amount = min(wanted, free)
            self._reserved += amount
            return amount

    def settle(self, task_id: str, reserved: float, spent: float) -> None:
        """A call ended: release its reservation and count what it cost."""
        with self._lock:
            if self.cap_usd is not None:
                self._reserved = max(0.0, self._reserved - reserved)
            self._unjournalled[task_id] = self._unjournalled.get(task_id, 0.0) + spent

    def journalled(self, task_id: str) -> None:
        """The controller recorded the task's attempt: its spending is in the journal now."""
        with self._lock:
            self._unjournalled.pop(task_id, None)
