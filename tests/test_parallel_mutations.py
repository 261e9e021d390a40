"""`--jobs` lanes keep what the sequential run guarantees: mutations the sequential tests miss.

Each test here was checked by breaking the lane path alone (see the issue 16 closing note):
the retry feedback a lane's next attempt gets, and the cost a lane's attempts add up to.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all, make_plan
from fakes.anthropic_server import FakeAnthropic, text, tool


def test_a_lane_retry_gets_the_failing_output_and_pays_both_attempts(
        git_repo: Path, orch: OrchRunner, anthropic_server: FakeAnthropic) -> None:
    usage = {"input_tokens": 1000, "output_tokens": 50}
    anthropic_server.add(
        tool("write_file", {"path": "hello.txt", "content": "nope\n"}, **usage),
        text("done", **usage),
        tool("write_file", {"path": "hello.txt", "content": "hello\n"}, **usage),
        text("done", **usage),
    )
    check = 'echo CHECK-SAW-$(cat hello.txt); test "$(cat hello.txt)" = hello'
    (git_repo / "plan.md").write_text(make_plan([("A", [
        f"- [ ] T001 [P] Write hello.txt\n  - retries: 1\n  - verify: `{check}`"])]))
    commit_all(git_repo)
    env = {"ANTHROPIC_API_KEY": "sk-ant-api03-lane-retry-0123456789",
           "ANTHROPIC_BASE_URL": anthropic_server.url, "ORCH_RETRY_BASE_DELAY": "0.01"}
    result = orch("run", "plan.md", "--agent", "anthropic", "--jobs", "2", "--yes",
                  cwd=git_repo, env=env)
    assert result.returncode == 0, result.stderr + result.stdout
    [journal] = (git_repo / ".specify" / "orch" / "runs").glob("*/events.jsonl")
    events = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [e["data"].get("lane") for e in events if e["type"] == "task_started"] == [1, 1]
    first, retried = (json.dumps(anthropic_server.requests[i]["messages"][0]) for i in (0, 2))
    assert "CHECK-SAW-nope" not in first
    assert "did not pass verification" in retried and "CHECK-SAW-nope" in retried
    costs = [e["data"]["cost_usd"] for e in events if e["type"] == "task_finished"]
    status = json.loads(orch("status", "--json", cwd=git_repo).stdout)
    [task] = status["tasks"]
    assert len(costs) == 2 and min(costs) > 0
    assert task["cost_usd"] == pytest.approx(sum(costs))
    assert status["cost_usd"] == pytest.approx(sum(costs))
