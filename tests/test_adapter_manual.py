"""The manual adapter: a person does the task; non-interactive runs fail fast."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from fakes.contexts import make_context
from orch.adapters.base import AgentStatus
from orch.adapters.manual import ManualAdapter


def test_done_completes_and_reports_changed_files(git_repo: Path) -> None:
    answers = io.StringIO("what?\ndone wrote it by hand\n")
    shown = io.StringIO()
    (git_repo / "by_hand.txt").write_text("x\n")
    result = ManualAdapter(answers, shown).run(make_context(git_repo, adapter="manual"))
    assert result.status is AgentStatus.COMPLETED
    assert result.summary == "wrote it by hand"
    assert "T001" in shown.getvalue() and "Create hello.txt" in shown.getvalue()
    assert "Type `done`" in shown.getvalue()


def test_fail_and_closed_terminal(git_repo: Path) -> None:
    result = ManualAdapter(io.StringIO("fail too hard\n")).run(make_context(git_repo))
    assert result.status is AgentStatus.FAILED and "too hard" in (result.error or "")
    result = ManualAdapter(io.StringIO("")).run(make_context(git_repo))
    assert result.status is AgentStatus.FAILED and "closed" in (result.error or "")


def test_assume_yes_fails_fast(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCH_ASSUME_YES", "1")
    adapter = ManualAdapter(io.StringIO("done\n"))
    assert "non-interactive" in (adapter.available() or "")
    result = adapter.run(make_context(git_repo))
    assert result.status is AgentStatus.FAILED and "person" in (result.error or "")
