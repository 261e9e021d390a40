"""The run's one cost budget: now :class:`orch.meter.Meter`, the meter every model call of a
run goes through (task agents, phase reviewers). Kept as a name for the engine's imports."""

from __future__ import annotations

from orch.meter import Meter as SpendLedger

__all__ = ["SpendLedger"]
