"""Model-drafted plans against a real HTTP server on 127.0.0.1 speaking the Messages API."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import OrchRunner
from fakes.anthropic_server import Failure, FakeAnthropic, text
from orch.planning.checking import check_text
from orch.planning.drafter import draft_with_model

VALID = """\
# CSV export for reports

## Goal

Let users download any report as CSV. Out of scope: Excel.

## Assumptions

- Reports already render as tables.

## Open questions

- Which delimiter do European users expect?

## Risks

- Large reports: stream rows instead of building the file in memory.

## Phase 1: Exporter

**Gate**: `pytest -q`

- [ ] T001 Write the CSV exporter with unit tests
  - verify: `pytest -q tests/test_csv_export.py`
  - files: src/reports/csv_export.py, tests/test_csv_export.py
  - estimate: 45m

## Phase 2: Endpoint

**Gate**: `pytest -q`

- [ ] T002 Add the download endpoint with tests
  - verify: `pytest -q tests/test_download.py`
  - files: src/reports/api.py, tests/test_download.py
"""

CYCLE = """\
# CSV export for reports

## Phase 1: Exporter

**Gate**: `pytest -q`

- [ ] T001 Write the CSV exporter with tests (depends on T002)
  - files: src/reports/csv_export.py, tests/test_csv_export.py
- [ ] T002 Wire the exporter into the reports page (depends on T001)
  - files: src/reports/api.py
"""


@pytest.fixture
def server(anthropic_server: FakeAnthropic) -> FakeAnthropic:
    return anthropic_server


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "tests").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "reports"\n')
    (root / "README.md").write_text("# reports\n\nRenders reports.\n")
    (root / "CLAUDE.md").write_text("Always write tests first.\n")
    return root


def model_env(server: FakeAnthropic) -> dict[str, str]:
    return {"ANTHROPIC_BASE_URL": server.url, "ANTHROPIC_API_KEY": "sk-test-dummy"}


def last_user_text(request: dict[str, object]) -> str:
    messages = request["messages"]
    assert isinstance(messages, list)
    content = messages[-1]["content"]
    return content if isinstance(content, str) else " ".join(b["text"] for b in content)


def test_a_cycle_is_sent_back_and_the_repaired_plan_is_written(
    orch: OrchRunner, server: FakeAnthropic, project: Path
) -> None:
    server.add(text("Here is the plan:\n\n```markdown\n" + CYCLE + "```\n"), text(VALID))
    result = orch("plan", "Add CSV export to reports", "--no-ask", cwd=project,
                  env=model_env(server))
    assert result.returncode == 0, result.stderr
    assert len(server.requests) == 2
    target = project / ".specify" / "plans" / "add-csv-export-to-reports.md"
    assert target.read_text() == VALID
    assert orch("validate", "--strict", str(target), cwd=project).returncode == 0
    assert "1 repair round" in result.stdout

    first, second = server.requests
    system = first["system"]
    assert isinstance(system, list) and "## Phase 1:" in system[0]["text"]
    assert system[0]["cache_control"] == {"type": "ephemeral"}
    prompt = last_user_text(first)
    assert "Add CSV export to reports" in prompt
    assert "pytest -q" in prompt and "Always write tests first." in prompt
    errors = check_text(CYCLE, ".specify/plans/add-csv-export-to-reports.md").errors
    assert errors and any("cycle" in error.message.lower() for error in errors)
    repair = last_user_text(second)
    for error in errors:
        assert f":{error.line}: error: {error.message}" in repair
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "user"]


def test_a_model_that_keeps_failing_leaves_nothing_at_the_target(
    orch: OrchRunner, server: FakeAnthropic, project: Path
) -> None:
    server.default = text(CYCLE)
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    result = orch("plan", "Add CSV export", "-o", "plan.md", "--no-ask", cwd=project,
                  env=model_env(server))
    assert result.returncode == 1
    assert len(server.requests) == 3
    assert not (project / "plan.md").exists()
    drafts = project / ".specify" / "orch" / "drafts"
    assert (drafts / "plan.draft.md").read_text() == CYCLE
    errors = (drafts / "plan.errors.txt").read_text()
    assert "plan.md:" in errors and "cycle" in errors.lower()
    assert ".specify/orch/drafts/plan.draft.md" in result.stderr
    assert ".specify/orch/drafts/plan.errors.txt" in result.stderr
    # Nothing new that git sees: the next `orch run` does not find a dirty tree.
    assert not (project / "plan.draft.md").exists()
    status = subprocess.run(["git", "status", "--porcelain"], cwd=project,
                            capture_output=True, text=True, check=True).stdout
    assert "draft" not in status and "errors" not in status, status


def test_an_api_error_is_one_line_with_a_hint(
    orch: OrchRunner, server: FakeAnthropic, project: Path
) -> None:
    server.default = Failure(400, "invalid_request_error", "max_tokens: too large")
    result = orch("plan", "Add CSV export", "-o", "plan.md", "--no-ask", cwd=project,
                  env=model_env(server))
    assert result.returncode == 1
    assert "error: the model API answered 400: max_tokens: too large" in result.stderr
    assert "--offline" in result.stderr and "Traceback" not in result.stderr
    assert not (project / "plan.md").exists()


class ScriptedModel:
    """A fake ModelClient: canned replies, every call recorded."""

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.calls: list[list[dict[str, str]]] = []

    def complete(self, system: str, messages: list[dict[str, str]]) -> str:
        self.calls.append(messages)
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]


def test_draft_loop_stops_at_the_first_valid_reply() -> None:
    model = ScriptedModel(VALID)
    outcome = draft_with_model("goal", "context", model, source="p.md")
    assert outcome.ok and outcome.requests == 1 and outcome.text == VALID


def test_draft_loop_makes_at_most_two_repair_rounds() -> None:
    model = ScriptedModel("no plan at all")
    outcome = draft_with_model("goal", "context", model, source="p.md")
    assert not outcome.ok and outcome.requests == 3
    assert "holds no tasks" in outcome.errors[-1].message
    assert len(model.calls[-1]) == 5


def test_a_check_that_cannot_fail_is_sent_back_for_repair(
    orch: OrchRunner, server: FakeAnthropic, project: Path
) -> None:
    lying = VALID.replace("`pytest -q tests/test_download.py`",
                          "`pytest -q tests/test_download.py || true`")
    server.add(text(lying), text(VALID))
    result = orch("plan", "Add CSV export", "-o", "plan.md", "--no-ask", cwd=project,
                  env=model_env(server))
    assert result.returncode == 0, result.stderr
    assert len(server.requests) == 2 and (project / "plan.md").read_text() == VALID
    repair = last_user_text(server.requests[1])
    assert "error: T002 verify `pytest -q tests/test_download.py || true` cannot fail" in repair
