"""Phase reviewers under the run's one meter, and a reviewer's failure is never an approval
(docs/decisions.md, docs/agents.md "Budgets")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import OrchRunner, commit_all
from fakes.anthropic_server import FakeAnthropic, Stall, tool
from test_meter import fake_claude_env

API_KEY = "sk-ant-api03-meter-test-key-0123456789"
HAIKU = "claude-haiku-4-5"  # $1 in, $5 out a million tokens
CALL_USD = (1000 * 1.0 + 300 * 5.0) / 1_000_000  # one scripted review reply below

PLAN = """# Reviewed

## Phase 1: Build
**Review**: reviewer

- [ ] a.txt has a line per round
- [ ] T001 Append a line
  ```sh
  echo a >> a.txt
  ```
"""


def _env(server: FakeAnthropic) -> dict[str, str]:
    return {"ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": server.url,
            "ORCH_RETRY_BASE_DELAY": "0.01", "ORCH_RETRY_MAX_ATTEMPTS": "2"}


def _project(repo: Path, config: str, plan: str = PLAN) -> Path:
    (repo / "plan.md").write_text(plan)
    (repo / ".specify" / "orch").mkdir(parents=True)
    (repo / ".specify" / "orch" / "config.yaml").write_text(config)
    (repo / ".gitignore").write_text("a.txt\n")
    commit_all(repo)
    return repo


def _run_dir(project: Path) -> Path:
    return sorted((project / ".specify" / "orch" / "runs").iterdir())[-1]


def _json(orch: OrchRunner, project: Path, *args: str) -> dict[str, Any]:
    out = orch(*args, "--json", cwd=project)
    assert out.returncode == 0, out.stderr
    data: dict[str, Any] = json.loads(out.stdout)
    return data


def test_reviewer_spend_is_metered_under_the_run_cap(
        anthropic_server: FakeAnthropic, git_repo: Path, orch: OrchRunner) -> None:
    config = (f"agents:\n  reviewer:\n    adapter: anthropic\n    model: {HAIKU}\n"
              "max_revisions: 3\n")
    project = _project(git_repo, config)
    anthropic_server.default = tool("submit_decision", {"decision": "REVISE", "reason": "again"},
                                    input_tokens=1000, output_tokens=300)
    out = orch("run", "plan.md", "--yes", "--max-cost", "0.01", cwd=project,
               env=_env(anthropic_server))
    assert out.returncode == 3, out.stdout + out.stderr
    assert "review's model call could pass the run's cost cap" in out.stderr
    calls = len(anthropic_server.requests)
    # Stopped before the fourth round's ESCALATE, and never past the cap by a call or more.
    assert 1 <= calls < 4
    spent = round(calls * CALL_USD, 6)
    assert spent <= 0.01 + CALL_USD
    # Each call asked for no more output than its reservation pays for.
    for request in anthropic_server.requests:
        assert request["max_tokens"] <= 4096
    status = _json(orch, project, "status")
    assert status["state"] == "budget_exceeded"
    assert status["cost_usd"] == spent and status["phases"][0]["review_cost_usd"] == spent
    assert f"cost ${spent:.4f}" in out.stdout
    report = _json(orch, project, "report")["runs"][0]
    assert report["cost_usd"] == spent and report["review_cost_usd"] == spent
    assert sum(point["cost_usd"] for point in report["decisions"]) == spent
    phase_report = json.loads((_run_dir(project) / "reports" / "phase-1.json").read_text())
    assert phase_report["review_cost_usd"] == spent and phase_report["cost_usd"] == spent
    assert f"(review ${spent:.4f})" in (_run_dir(project) / "reports" / "phase-1.md").read_text()
    # A higher cap continues where the cap stopped it: the phase is reviewed again.
    anthropic_server.default = tool("submit_decision", {"decision": "APPROVE"},
                                    input_tokens=1000, output_tokens=300)
    again = orch("resume", "--max-cost", "1", cwd=project, env=_env(anthropic_server))
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(anthropic_server.requests) == calls + 1
    assert _json(orch, project, "status")["cost_usd"] == round((calls + 1) * CALL_USD, 6)


def test_reviewer_spend_counts_without_a_cap(
        anthropic_server: FakeAnthropic, git_repo: Path, orch: OrchRunner) -> None:
    config = f"agents:\n  reviewer:\n    adapter: anthropic\n    model: {HAIKU}\n"
    project = _project(git_repo, config)
    anthropic_server.add(tool("submit_decision", {"decision": "APPROVE"},
                              input_tokens=1000, output_tokens=300))
    out = orch("run", "plan.md", "--yes", cwd=project, env=_env(anthropic_server))
    assert out.returncode == 0, out.stdout + out.stderr
    assert _json(orch, project, "status")["cost_usd"] == round(CALL_USD, 6)
    assert anthropic_server.requests[0]["max_tokens"] == 4096


def _shell_reviewer(repo: Path, script: str, plan: str = PLAN) -> Path:
    (repo / "review.sh").write_text(script)
    config = "agents:\n  reviewer:\n    adapter: shell\n    prompt: bash review.sh\n"
    return _project(repo, config, plan)


APPROVE_BLOCK = "printf '```json\\n{\"decision\": \"APPROVE\"}\\n```\\n'\n"


def test_reviewer_that_prints_approve_and_exits_1_escalates(git_repo: Path,
                                                           orch: OrchRunner) -> None:
    project = _shell_reviewer(git_repo, APPROVE_BLOCK + "exit 1\n")
    out = orch("run", "plan.md", "--yes", cwd=project)
    assert out.returncode == 4, out.stdout + out.stderr
    assert "the reviewer ended failed: exit 1" in out.stderr
    report = json.loads((_run_dir(project) / "reports" / "phase-1.json").read_text())
    assert report["decision"] == "ESCALATE"


def test_reviewer_that_prints_approve_then_times_out_escalates(git_repo: Path,
                                                              orch: OrchRunner) -> None:
    project = _shell_reviewer(git_repo, APPROVE_BLOCK + "sleep 60\n")
    out = orch("run", "plan.md", "--yes", "--task-timeout", "1s", cwd=project)
    assert out.returncode == 4, out.stdout + out.stderr
    assert "the reviewer timed out" in out.stderr


def test_shell_reviewer_printing_only_the_json_object_is_read(git_repo: Path,
                                                             orch: OrchRunner) -> None:
    project = _shell_reviewer(git_repo, "echo '{\"decision\": \"APPROVE\"}'\n")
    out = orch("run", "plan.md", "--yes", cwd=project)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "phase 1 decided APPROVE by reviewer:reviewer" in out.stdout


def test_revise_naming_unknown_tasks_escalates_and_names_them(git_repo: Path,
                                                              orch: OrchRunner) -> None:
    project = _shell_reviewer(
        git_repo, "echo '{\"decision\": \"REVISE\", \"tasks\": [\"T999\", \"../../etc\"]}'\n")
    out = orch("run", "plan.md", "--yes", cwd=project)
    assert out.returncode == 4, out.stdout + out.stderr
    assert "'T999'" in out.stderr and "'../../etc'" in out.stderr
    assert (project / "a.txt").read_text() == "a\n"  # the phase was not run again
    tasks = {t["id"]: t for t in _json(orch, project, "status")["tasks"]}
    assert tasks["T001"]["attempts"] == 1


def test_decision_with_duplicate_keys_is_refused(git_repo: Path, orch: OrchRunner) -> None:
    project = _shell_reviewer(
        git_repo, "echo '{\"decision\": \"REVISE\", \"decision\": \"APPROVE\"}'\n")
    out = orch("run", "plan.md", "--yes", cwd=project)
    assert out.returncode == 4, out.stdout + out.stderr
    assert "'decision' appears twice" in out.stderr


HUMAN = """# Human

## Phase 1: Ship
**Approve**: human

- [ ] T001 Append a line
  ```sh
  echo a >> a.txt
  ```
- [ ] T002 Touch b
  ```sh
  echo b > b.txt
  ```
"""


def test_revise_with_a_task_named_twice_names_it_once(git_repo: Path, orch: OrchRunner) -> None:
    project = _project(git_repo, "", HUMAN)
    assert orch("run", "plan.md", "--yes", cwd=project).returncode == 4
    out = orch("revise", "1", "--feedback", "again", "--tasks", "T001,T001", cwd=project)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("T001") == 1, out.stdout
    events = (_run_dir(project) / "events.jsonl").read_text().splitlines()
    resets = [json.loads(e) for e in events if '"task_reset"' in e]
    assert [e["task"] for e in resets if e["data"].get("reason") == "revise"] == ["T001"]


def test_an_unpriced_reviewer_model_is_warned_before_the_run(git_repo: Path,
                                                            orch: OrchRunner) -> None:
    config = "agents:\n  reviewer:\n    adapter: codex\n    model: gpt-9-turbo\n"
    project = _project(git_repo, config)
    out = orch("run", "plan.md", "--yes", "--max-cost", "5", cwd=project,
               env={"PATH": "/usr/bin:/bin"})  # no codex here: the review itself escalates
    assert "warning: role 'reviewer': codex model 'gpt-9-turbo' has no known price" in out.stderr
    assert "cost cap cannot be enforced" in out.stderr
    assert out.returncode == 4, out.stdout + out.stderr


def test_a_cli_reviewer_gets_what_is_left_of_the_cap_and_its_cost_counts(
        git_repo: Path, tmp_path: Path, orch: OrchRunner) -> None:
    record = tmp_path / "record.json"
    config = "agents:\n  reviewer:\n    adapter: claude-code\n"
    project = _project(git_repo, config)
    env = fake_claude_env(tmp_path, FAKE_CLI_RESULT='{"decision": "APPROVE"}')
    out = orch("run", "plan.md", "--yes", "--max-cost", "0.5", cwd=project, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    argv = json.loads(record.read_text())["argv"]
    assert argv[argv.index("--max-budget-usd") + 1] == "0.5000"
    assert _json(orch, project, "status")["cost_usd"] == 0.0421  # what the fake CLI reports
    phase_report = json.loads((_run_dir(project) / "reports" / "phase-1.json").read_text())
    assert phase_report["review_cost_usd"] == 0.0421


def test_an_api_reviewer_that_hangs_past_the_timeout_escalates(
        anthropic_server: FakeAnthropic, git_repo: Path, orch: OrchRunner) -> None:
    project = _project(git_repo, f"agents:\n  reviewer:\n    adapter: anthropic\n"
                                 f"    model: {HAIKU}\n")
    anthropic_server.default = Stall(60, then=tool("submit_decision", {"decision": "APPROVE"}))
    out = orch("run", "plan.md", "--yes", "--task-timeout", "2s", cwd=project,
               env=_env(anthropic_server))
    assert out.returncode == 4, out.stdout + out.stderr
    assert "the reviewer timed out after 2s" in out.stderr
