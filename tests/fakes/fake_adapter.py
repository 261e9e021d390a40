"""A deterministic fake agent for tests: it changes nothing.

Test-only: it registers through the same ``orch.adapters`` entry-point group as every adapter,
from ``tests/fakes/orch_test_fakes-0.dist-info``, which Python finds only while ``tests/fakes``
is on ``sys.path`` (conftest puts it there, and on ``PYTHONPATH`` for ``orch`` subprocesses).

``ORCH_FAKE_RESULTS`` may map task ids to a list of statuses returned on successive attempts,
e.g. ``{"T002": ["failed", "completed"]}``; unlisted tasks complete.
"""

from __future__ import annotations

import json
import os

from orch.adapters.base import AgentContext, AgentResult, AgentStatus


class FakeAdapter:
    """Returns canned results; records nothing but a line in the task log."""

    name = "fake"
    calls_model = False
    needs_terminal = False

    def available(self) -> str | None:
        return None

    def run(self, context: AgentContext) -> AgentResult:
        script = json.loads(os.environ.get("ORCH_FAKE_RESULTS", "{}") or "{}")
        statuses = script.get(context.task.id, [])
        index = min(context.attempt - 1, len(statuses) - 1)
        status = AgentStatus(statuses[index]) if statuses else AgentStatus.COMPLETED
        with open(context.log_path, "a", encoding="utf-8") as log:
            log.write(f"fake agent: task {context.task.id} attempt {context.attempt}: {status}\n")
        return AgentResult(
            status=status,
            summary=f"fake agent {status.value} {context.task.id}",
            error=None if status is AgentStatus.COMPLETED else f"fake agent {status.value}",
            log_path=str(context.log_path),
        )
