"""Plain and JSON-lines reporters: exact output for realistic event sequences."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import commit_all, make_plan, shell_task
from orch.domain.events import Failure
from orch.domain.status import TaskStatus
from orch.reporting.jsonl import JsonLinesReporter
from orch.reporting.plain import PlainReporter, tail_lines
from test_reporting import Sim, failing_run, happy_run, render_plain

HAPPY = """\
Run 20260102-030405-abcd started: plan.md (4 tasks)
Phase 1/2: Setup
Task [1/4] T001 Create project skeleton (shell)
  done T001 in 0.2s (verified)
Task [2/4] T002 Add config (shell)
  done T002 in 0.4s, $0.0123 (verified)
  gate 1: pytest -q
  phase 1 done in 0.7s (gate: passed)
Checkpoint phase-1: 1a2b3c4
Phase 2/2: Core
Task [3/4] T003 Write the parser (shell)
  done T003 in 1m05s (verified)
Task [4/4] T004 Wire the CLI (shell)
  done T004 in 0.2s (verified)
  gate 2: pytest -q
  phase 2 done in 1m05s (gate: passed)
Checkpoint phase-2: 9f8e7d6
Run completed: 4 done (4 verified, 0 unverified), 0 failed, 0 skipped in 1m06s

Summary
  Tasks: 4 done (4 verified, 0 unverified), 0 failed, 0 skipped of 4 · time 1m06s · cost $0.0123 \
· tokens 1,000 in / 200 out
  Phase  Title  Done  Time   Gate
  1      Setup  2/2   0.7s   passed
  2      Core   2/2   1m05s  passed
  Task  Status  Actual  Estimate
  T003  done    1m05s   30.0s
"""

FAILING_TAIL = """\
Task [3/4] T003 Write the parser (backend via fake)
  FAILED T003 in 0.1s: verify failed: pytest -q (exit 1)
    E   assert 1 == 2

    FAILED tests/test_x.py::test_y
    1 failed in 0.01s
  retrying T003 (attempt 2) in 1.0s: verify failed: pytest -q (exit 1)
Task [3/4] T003 Write the parser (backend via fake, attempt 2)
  FAILED T003 in 0.2s: verify failed: pytest -q (exit 1)
    E   assert 1 == 2

    FAILED tests/test_x.py::test_y
    1 failed in 0.01s
Run failed: 2 done (2 verified, 0 unverified), 1 failed, 0 skipped, 1 pending in 0.7s
  task T003 failed

Summary
  Tasks: 2 done (2 verified, 0 unverified), 1 failed, 0 skipped, 1 pending of 4 · time 0.7s \
· cost $0.0000
  Phase  Title  Done  Time  Gate
  1      Setup  2/2   0.5s  passed
  2      Core   0/2   0.2s  -
Next: fix the cause of T003 failing, then run `orch resume --retry-failed` \
(or `orch resume --skip T003`)
"""


def test_completed_run_exact_text() -> None:
    assert render_plain(happy_run, estimates={"T003": 30.0}) == HAPPY


def test_failure_with_tail_and_retry_exact_text() -> None:
    out = render_plain(failing_run)
    assert out.endswith(FAILING_TAIL)
    assert "\x1b" not in out
    assert all(line == line.rstrip() for line in out.splitlines())


def test_interrupted_resume() -> None:
    out = io.StringIO()
    sim = Sim([PlainReporter(out)])
    for task_id in ("T001", "T002"):
        sim.state.tasks[task_id].status = TaskStatus.DONE
    sim.ev("run_started", plan="plan.md", tasks=2, resumed=True)
    sim.ev("phase_started", phase="2", title="Core", index=2, count=2)
    sim.ev("task_started", task="T003", attempt=2, agent="shell", adapter="shell",
           title="Write the parser", index=3, count=4, interrupted_before=True)
    sim.ev("run_state", after=2.5, state="interrupted", error="interrupted by SIGINT")
    sim.close()
    assert out.getvalue() == """\
Run 20260102-030405-abcd resumed: plan.md (2 tasks)
Phase 2/2: Core
Task [3/4] T003 Write the parser (shell, attempt 2, re-run after interrupt)
Run interrupted: 2 done (0 verified, 2 unverified), 0 failed, 0 skipped, 1 running, \
1 pending in 2.5s
  interrupted by SIGINT

Summary
  Tasks: 2 done (0 verified, 2 unverified), 0 failed, 0 skipped, 1 running, 1 pending of 4 \
· time 2.5s · cost $0.0000
  Phase  Title  Done  Time  Gate
  1      Setup  2/2   -     -
  2      Core   0/2   2.5s  -
Next: continue with `orch resume`
"""


def test_budget_exceeded() -> None:
    out = io.StringIO()
    sim = Sim([PlainReporter(out)])
    sim.ev("run_started", plan="plan.md", tasks=4, resumed=False)
    sim.ev("task_started", task="T001", attempt=1, agent="coder", adapter="anthropic",
           title="Create project skeleton", index=1, count=4)
    sim.ev("task_finished", task="T001", after=3, status="budget_exceeded", cost_usd=1.5,
           input_tokens=50_000, output_tokens=4_000, duration_s=3.0,
           error="cost $1.50 over the $1.00 limit")
    sim.ev("run_state", state="budget_exceeded", error="max cost $1.00 reached")
    sim.close()
    lines = out.getvalue().splitlines()
    assert lines[1:5] == [
        "Task [1/4] T001 Create project skeleton (coder via anthropic)",
        "  BUDGET EXCEEDED T001 in 3.0s, $1.50: cost $1.50 over the $1.00 limit",
        "Run stopped (budget exceeded): 0 done, 0 failed, 1 budget exceeded, 0 skipped,"
        " 3 pending in 3.0s",
        "  max cost $1.00 reached",
    ]
    assert "tokens 50,000 in / 4,000 out" in lines[7]
    assert lines[-1] == (
        "Next: raise the cost limit and continue: `orch resume --max-cost USD`"
    )


def test_gate_failure_blocked_skipped_reset_notes_and_unknown_events() -> None:
    out = io.StringIO()
    sim = Sim([PlainReporter(out)])
    sim.ev("note", message="using plan.md", level="info")
    sim.ev("note", message="git identity missing", level="warning")
    sim.ev("task_reset", task="T001", status="pending", reason="--retry-failed")
    sim.ev("task_finished", task="T001", status="skipped", duration_s=0)
    sim.ev("task_started", task="T002", attempt=1, agent="coder", adapter="fake",
           title="Add config", index=2, count=4)
    sim.ev("task_finished", task="T002", status="blocked", error="agent is blocked",
           duration_s=0.0)
    sim.ev("some_future_event", task="T002", anything=[1, 2])
    sim.ev("phase_gate", phase="1", commands=["make lint"])
    sim.ev("phase_finished", phase="1", ok=False, duration_s=0.3, error="gate failed (exit 2)",
           failed_command="make lint", output_tail="lint: bad\n")
    sim.ev("checkpoint_created", fields={"name": "task-T001", "phase": "1", "commit": "abc"})
    assert out.getvalue() == """\
note: using plan.md
warning: git identity missing
  reset T001 to pending: --retry-failed
  skipped T001
Task [2/4] T002 Add config (coder via fake)
  BLOCKED T002 in 0.0s: agent is blocked
  gate 1: make lint
  GATE FAILED phase 1 in 0.3s: gate failed (exit 2)
    command: make lint
    lint: bad
Checkpoint task-T001: abc
"""


def test_tail_lines_cleans_and_limits() -> None:
    tail = "\r\n".join(f"\x1b[1mline {n}\x1b[0m\x07" for n in range(60))
    lines = tail_lines(Failure(output_tail=tail))
    assert len(lines) == 40 and lines[0] == "line 20" and lines[-1] == "line 59"
    assert tail_lines(Failure()) == [] and tail_lines(Failure(output_tail="\n\n")) == []


class _PipeClosingAfter(io.StringIO):
    """A stream whose reader goes away after ``lines`` writes."""

    def __init__(self, lines: int) -> None:
        super().__init__()
        self.lines = lines
        self.attempts = 0

    def write(self, text: str) -> int:
        self.attempts += 1
        if self.attempts > self.lines:
            raise BrokenPipeError
        return super().write(text)


@pytest.mark.parametrize("reporter", [PlainReporter, JsonLinesReporter])
def test_reporter_stops_writing_once_the_reader_is_gone(reporter: type[Any]) -> None:
    stream = _PipeClosingAfter(2)
    happy_run(Sim([reporter(stream)]))  # and no exception
    assert stream.attempts == 3  # two lines written, one failed, none tried after it
    assert len(stream.getvalue().splitlines()) == 2


@pytest.mark.parametrize("json_mode", [False, True])
def test_broken_pipe_does_not_stop_the_run(git_repo: Path, json_mode: bool) -> None:
    plan = make_plan([("One", [shell_task("T001", "a", "echo a > a.txt")]),
                      ("Two", [shell_task("T002", "b", "echo b > b.txt")])])
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    read_end, write_end = os.pipe()
    os.close(read_end)  # `orch run | true`: the reader is gone before the first line
    try:
        result = subprocess.run(
            [sys.executable, "-m", "orch", "run", "plan.md", *(["--json"] if json_mode else [])],
            cwd=git_repo, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    status = subprocess.run([sys.executable, "-m", "orch", "status", "--json"], cwd=git_repo,
                            capture_output=True, text=True, check=True)
    doc = json.loads(status.stdout)
    assert doc["state"] == "completed"
    assert [t["status"] for t in doc["tasks"]] == ["done", "done"]
    assert [cp["name"] for cp in doc["checkpoints"]] == ["phase-1", "phase-2"]
    assert (git_repo / "b.txt").read_text() == "b\n"


def test_json_lines_one_event_per_line_nothing_else() -> None:
    out = io.StringIO()
    sim = Sim([JsonLinesReporter(out)])
    failing_run(sim)
    lines = out.getvalue().splitlines()
    assert len(lines) == sim.seq
    events = [json.loads(line) for line in lines]
    assert [e["seq"] for e in events] == list(range(1, sim.seq + 1))
    assert events[0]["type"] == "run_started" and events[-1]["type"] == "run_state"
    finished = [e for e in events if e["type"] == "task_finished" and e["task"] == "T003"]
    assert finished[0]["data"]["failed_command"] == "pytest -q"
