"""The deterministic fake adapter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakes.contexts import make_context
from orch.adapters.base import AgentStatus
from orch.adapters.fake import FakeAdapter


def test_scripted_statuses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCH_FAKE_RESULTS", json.dumps({"T001": ["failed", "completed"]}))
    project = tmp_path / "p"
    project.mkdir()
    assert FakeAdapter().run(make_context(project)).status is AgentStatus.FAILED
    assert FakeAdapter().run(make_context(project, attempt=2)).status is AgentStatus.COMPLETED
    assert FakeAdapter().run(make_context(project, task_id="T9")).status is AgentStatus.COMPLETED
