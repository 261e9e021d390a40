"""Status names come from domain/status.py; the few spelled again for a schema cannot drift."""

from __future__ import annotations

from typing import get_args

from orch.cli.running import EXIT_BY_STATUS
from orch.domain.status import RunStatus, TaskStatus
from orch.mcp.server import Status


def test_the_mcp_status_schema_lists_every_task_status() -> None:
    # A Literal keeps the tool schema an inline enum of plain strings for MCP clients.
    assert list(get_args(Status)) == [status.value for status in TaskStatus]


def test_every_end_of_a_run_has_its_exit_code() -> None:
    assert set(EXIT_BY_STATUS) == set(RunStatus) - {RunStatus.RUNNING}
