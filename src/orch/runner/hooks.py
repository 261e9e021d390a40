"""Hook points the runner calls at task and phase ends; ``orch.vcs`` provides the git ones."""

from __future__ import annotations

from typing import Protocol

from orch.domain.state import Checkpoint, PhaseState, RunState, TaskState


class CheckpointHook(Protocol):
    """Makes a checkpoint after a phase (and, with ``--commit task``, after each task).

    Both methods must be idempotent: after a crash between a phase's end and its commit the
    runner calls ``on_phase_end`` again on resume, and it must not commit twice.
    """

    def on_phase_end(self, run: RunState, phase: PhaseState) -> Checkpoint | None:
        """Checkpoint the finished, gated phase; ``None`` when checkpoints are off."""
        ...

    def on_task_end(self, run: RunState, task: TaskState) -> Checkpoint | None:
        """Checkpoint one finished task (``--commit task``); ``None`` otherwise."""
        ...


class NoCheckpoints:
    """The hook used without git or with ``--commit none``."""

    def on_phase_end(self, run: RunState, phase: PhaseState) -> Checkpoint | None:
        return None

    def on_task_end(self, run: RunState, task: TaskState) -> Checkpoint | None:
        return None
