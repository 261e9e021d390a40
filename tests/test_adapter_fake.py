"""The deterministic fake adapter: test-only, registered by the tests' own entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_adapter import FakeAdapter

from conftest import OrchRunner
from fakes.contexts import make_context
from orch.adapters.base import AgentStatus


def test_scripted_statuses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCH_FAKE_RESULTS", json.dumps({"T001": ["failed", "completed"]}))
    project = tmp_path / "p"
    project.mkdir()
    assert FakeAdapter().run(make_context(project)).status is AgentStatus.FAILED
    assert FakeAdapter().run(make_context(project, attempt=2)).status is AgentStatus.COMPLETED
    assert FakeAdapter().run(make_context(project, task_id="T9")).status is AgentStatus.COMPLETED


def test_the_product_lists_no_fake_adapter(tmp_path: Path, orch: OrchRunner) -> None:
    result = orch("agents", cwd=tmp_path, env={"PYTHONPATH": ""})
    assert result.returncode == 0, result.stderr
    assert "shell" in result.stdout and "fake" not in result.stdout
    with_fakes = orch("agents", cwd=tmp_path)  # conftest puts tests/fakes on PYTHONPATH
    assert "fake" in with_fakes.stdout
