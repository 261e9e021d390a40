"""Phase decisions end to end (docs/decisions.md): a reviewer on the fake Messages API decides."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import OrchRunner, commit_all, git
from fakes.anthropic_server import FakeAnthropic, text, tool

API_KEY = "sk-ant-api03-decisions-test-key-0123456789"
CONFIG = "agents:\n  reviewer:\n    adapter: anthropic\n"
REPORT_SCHEMA_KEYS = {"run", "phase", "decision", "decided_by", "criteria", "tests", "targets",
                      "gates", "cost_usd", "issues", "recommendations", "conditions",
                      "next_phase_context"}


def _env(server: FakeAnthropic) -> dict[str, str]:
    return {"ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": server.url,
            "ORCH_RETRY_BASE_DELAY": "0.01", "ORCH_RETRY_MAX_ATTEMPTS": "2"}


def _project(repo: Path, plan: str, config: str = CONFIG) -> Path:
    (repo / "plan.md").write_text(plan)
    (repo / ".specify" / "orch").mkdir(parents=True)
    (repo / ".specify" / "orch" / "config.yaml").write_text(config)
    commit_all(repo)
    return repo


def _decision(verdict: str, **extra: Any) -> Any:
    return tool("submit_decision", {"decision": verdict, **extra})


def _run_dir(project: Path) -> Path:
    runs = sorted((project / ".specify" / "orch" / "runs").iterdir())
    return runs[-1]


def _status(orch: OrchRunner, project: Path) -> dict[str, Any]:
    result = orch("status", "--json", cwd=project)
    data: dict[str, Any] = json.loads(result.stdout)
    return data


PLAN_ONE = """# Decided

## Phase 1: Build
**Review**: reviewer

- [ ] the greeting file exists
- [ ] T001 Write the greeting
  - agent: anthropic
  - verify: `test -f README.md`
- [ ] T002 Touch b.txt
  ```sh
  echo b > b.txt
  ```
"""


def test_revise_reruns_named_task_with_findings_then_approve(
        anthropic_server: FakeAnthropic, git_repo: Path, orch: OrchRunner) -> None:
    project = _project(git_repo, PLAN_ONE)
    anthropic_server.add(
        text("Wrote it."),
        _decision("REVISE", tasks=["T001"], issues=[
            {"severity": "high", "description": "hello.txt lacks a trailing newline"}]),
        text("Fixed it."),
        _decision("APPROVE", criteria=[{"criterion": "the greeting file exists", "met": True,
                                        "evidence": "hello.txt is in the diff"}]),
    )
    out = orch("run", "plan.md", "--yes", cwd=project, env=_env(anthropic_server))
    assert out.returncode == 0, out.stdout + out.stderr
    requests = anthropic_server.requests
    assert len(requests) == 4
    assert requests[1]["tool_choice"] == {"type": "tool", "name": "submit_decision"}
    assert "hello.txt lacks a trailing newline" in json.dumps(requests[2])
    assert "hello.txt lacks a trailing newline" not in json.dumps(requests[0])
    data = _status(orch, project)
    tasks = {t["id"]: t for t in data["tasks"]}
    assert tasks["T001"]["attempts"] == 2 and tasks["T002"]["attempts"] == 1
    message = git(project, "log", "-1", "--format=%B")
    assert "Orch-Decision: APPROVE" in message
    report = json.loads((_run_dir(project) / "reports" / "phase-1.json").read_text())
    assert set(report) >= REPORT_SCHEMA_KEYS
    assert report["decision"] == "APPROVE" and report["revision"] == 1
    md = (_run_dir(project) / "reports" / "phase-1.md").read_text()
    assert "[x] the greeting file exists — hello.txt is in the diff" in md
    events = (_run_dir(project) / "events.jsonl").read_text()
    assert '"phase_decision"' in events and '"decided_by": "reviewer:reviewer"' in events.replace(
        '":"', '": "')


def test_revise_past_max_revisions_escalates(
        anthropic_server: FakeAnthropic, git_repo: Path, orch: OrchRunner) -> None:
    project = _project(git_repo, PLAN_ONE, CONFIG + "max_revisions: 1\n")
    anthropic_server.add(text("one"), _decision("REVISE"), text("two"),
                         _decision("REVISE", reason="still wrong"))
    out = orch("run", "plan.md", "--yes", cwd=project, env=_env(anthropic_server))
    assert out.returncode == 4, out.stdout + out.stderr
    assert "awaits a decision" in out.stderr and "orch approve 1" in out.stderr
    assert _status(orch, project)["state"] == "awaiting_decision"
    report = json.loads((_run_dir(project) / "reports" / "phase-1.json").read_text())
    assert report["decision"] == "ESCALATE"
    assert "after 1 revision rounds" in report["reason"]


@pytest.mark.parametrize("reply", [
    text("I approve, looks great."),
    tool("submit_decision", {"decision": "YES"}),
], ids=["no-tool-call", "bad-shape"])
def test_unreadable_review_escalates(anthropic_server: FakeAnthropic, git_repo: Path,
                                     orch: OrchRunner, reply: Any) -> None:
    project = _project(git_repo, PLAN_ONE)
    anthropic_server.add(text("done"), reply)
    out = orch("run", "plan.md", "--yes", cwd=project, env=_env(anthropic_server))
    assert out.returncode == 4, out.stdout + out.stderr
    assert "unreadable review" in out.stderr
    assert not any(cp["kind"] == "phase" for cp in _status(orch, project).get("checkpoints", []))


PLAN_TARGET = """# Target

## Phase 1: Speed
**Target**: p95_ms < 50: `echo p95 is 80`
**Review**: reviewer

- [ ] T001 Touch a
  ```sh
  echo a > a.txt
  ```
"""


def test_failing_target_blocks_approve(anthropic_server: FakeAnthropic, git_repo: Path,
                                       orch: OrchRunner) -> None:
    project = _project(git_repo, PLAN_TARGET, CONFIG + "max_revisions: 0\n")
    anthropic_server.add(_decision("APPROVE"))
    out = orch("run", "plan.md", "--yes", cwd=project, env=_env(anthropic_server))
    assert out.returncode == 4, out.stdout + out.stderr
    report = json.loads((_run_dir(project) / "reports" / "phase-1.json").read_text())
    assert report["targets"][0]["value"] == 80 and report["targets"][0]["met"] is False
    assert report["decision"] == "ESCALATE" and "target failed" in report["reason"]
    review = json.dumps(anthropic_server.requests[0])
    assert "p95_ms" in review


PLAN_TWO = """# Two

## Phase 1: Core
**Review**: reviewer

- [ ] T001 Touch a
  ```sh
  echo a > a.txt
  ```

## Phase 2: Next

- [ ] T002 Use the core
  - agent: anthropic
  - verify: `test -f a.txt`
"""


def test_conditional_hands_conditions_to_next_phase(
        anthropic_server: FakeAnthropic, git_repo: Path, orch: OrchRunner) -> None:
    project = _project(git_repo, PLAN_TWO)
    anthropic_server.add(_decision("CONDITIONAL", conditions=["keep the a.txt format stable"]),
                         text("used it"))
    out = orch("run", "plan.md", "--yes", cwd=project, env=_env(anthropic_server))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "keep the a.txt format stable" in json.dumps(anthropic_server.requests[1])
    assert "Orch-Decision: CONDITIONAL" in git(project, "log", "--format=%B")


PLAN_HUMAN = """# Human

## Phase 1: Ship
**Approve**: human

- [ ] T001 Touch a
  ```sh
  echo a > a.txt
  ```
- [ ] T002 Write b
  - agent: anthropic
  - verify: `test -f a.txt`
"""


def test_human_approval_then_resume(anthropic_server: FakeAnthropic, git_repo: Path,
                                    orch: OrchRunner) -> None:
    project = _project(git_repo, PLAN_HUMAN)
    anthropic_server.add(text("b written"))
    out = orch("run", "plan.md", "--yes", cwd=project, env=_env(anthropic_server))
    assert out.returncode == 4, out.stdout + out.stderr
    again = orch("resume", cwd=project, env=_env(anthropic_server))
    assert again.returncode == 4 and "orch approve 1" in again.stderr
    ok = orch("approve", "1", "--note", "looks right", cwd=project)
    assert ok.returncode == 0, ok.stderr
    done = orch("resume", cwd=project, env=_env(anthropic_server))
    assert done.returncode == 0, done.stdout + done.stderr
    message = git(project, "log", "-1", "--format=%B")
    assert "Orch-Decision: APPROVE" in message and "Orch-Decided-By: human" in message
    assert len(anthropic_server.requests) == 1


def test_human_revise_reruns_named_task_with_feedback(
        anthropic_server: FakeAnthropic, git_repo: Path, orch: OrchRunner) -> None:
    project = _project(git_repo, PLAN_HUMAN)
    anthropic_server.add(text("b written"), text("b rewritten"))
    assert orch("run", "plan.md", "--yes", cwd=project,
                env=_env(anthropic_server)).returncode == 4
    bad = orch("revise", "1", "--feedback", "x", "--tasks", "T9", cwd=project)
    assert bad.returncode == 2 and bad.stderr.startswith("error:")
    out = orch("revise", "1", "--feedback", "b.txt must say hello", "--tasks", "T002",
               cwd=project)
    assert out.returncode == 0, out.stderr
    again = orch("resume", cwd=project, env=_env(anthropic_server))
    assert again.returncode == 4, again.stdout + again.stderr  # the person decides again
    assert len(anthropic_server.requests) == 2
    assert "b.txt must say hello" in json.dumps(anthropic_server.requests[1])
    tasks = {t["id"]: t for t in _status(orch, project)["tasks"]}
    assert tasks["T001"]["attempts"] == 1 and tasks["T002"]["attempts"] == 2


REVIEWER_SH = r"""n=$(cat .rounds 2>/dev/null || echo 0); echo $((n+1)) > .rounds
if [ "$n" = 0 ]; then d='"decision": "REVISE", "tasks": ["T001"], "reason": "redo a"'
else d='"decision": "APPROVE"'; fi
printf 'review round %s\n```json\n{%s}\n```\n' "$n" "$d"
"""


def test_shell_reviewer_revise_round_then_approve(git_repo: Path, orch: OrchRunner) -> None:
    plan = PLAN_TARGET.replace("**Target**: p95_ms < 50: `echo p95 is 80`\n", "")
    (git_repo / "review.sh").write_text(REVIEWER_SH)
    (git_repo / ".gitignore").write_text(".rounds\n")
    config = "agents:\n  reviewer:\n    adapter: shell\n    prompt: bash review.sh\n"
    project = _project(git_repo, plan, config)
    out = orch("run", "plan.md", "--yes", cwd=project)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "phase 1 decided REVISE by reviewer:reviewer: redo a" in out.stdout
    assert "phase 1 decided APPROVE by reviewer:reviewer" in out.stdout
    tasks = {t["id"]: t for t in _status(orch, project)["tasks"]}
    assert tasks["T001"]["attempts"] == 2


def test_approve_refuses_a_phase_that_does_not_wait(
        anthropic_server: FakeAnthropic, git_repo: Path, orch: OrchRunner) -> None:
    project = _project(git_repo, PLAN_TWO)
    anthropic_server.add(_decision("APPROVE"), text("ok"))
    assert orch("run", "plan.md", "--yes", cwd=project,
                env=_env(anthropic_server)).returncode == 0
    out = orch("approve", "1", cwd=project)
    assert out.returncode == 3 and out.stderr.startswith("error: phase 1 of run")
    assert "hint:" in out.stderr
    unknown = orch("revise", "9", "--feedback", "x", cwd=project)
    assert unknown.returncode == 2 and "no phase '9'" in unknown.stderr
