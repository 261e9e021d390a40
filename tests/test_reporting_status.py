"""``status.md`` (content and write throttling) and the ``orch status`` human view."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from orch.domain.state import RunState
from orch.reporting.status_md import StatusMdWriter, render_status_md
from orch.reporting.status_view import render_status, short_time
from test_reporting import Sim, failing_run, happy_run

FAILED_STATUS_MD = """\
# orch run 20260102-030405-abcd

- Plan: `plan.md`
- State: **failed**
- Updated: 2026-01-02T03:04:05.700Z
- Tasks: 2 done (2 verified, 0 unverified), 1 failed, 0 skipped, 1 pending of 4
- Cost: $0.0000
- Error: task T003 failed
- Next: fix the cause of T003 failing, then run `orch resume --retry-failed` \
(or `orch resume --skip T003`)

## Phase 1: Setup (gate: passed)

2/2 done, 0.5s

| | Task | Title | Status | Attempts | Time | Cost |
|---|---|---|---|---|---|---|
| [x] | `T001` | Create project skeleton | done (verified) | 1 | 0.2s |  |
| [x] | `T002` | Add config | done (verified) | 1 | 0.2s |  |

## Phase 2: Core

0/2 done, 0.2s

| | Task | Title | Status | Attempts | Time | Cost |
|---|---|---|---|---|---|---|
| [!] | `T003` | Write the parser | failed | 2 | 0.2s |  |
| [ ] | `T004` | Wire the CLI | pending | 0 | - |  |

## Errors

- `T003` (failed): verify failed: pytest -q (exit 1)

## Checkpoints

- phase-1 → `1a2b3c4` (phase 1, 2026-01-02T03:04:05.500Z)
"""


def test_status_md_after_a_failure() -> None:
    sim = Sim([])
    failing_run(sim)
    assert render_status_md(sim.state) == FAILED_STATUS_MD


def test_status_md_while_running_shows_current_task_cost_and_escapes_cells() -> None:
    sim = Sim([], plan=[("1", "Setup", [("T1", "Parse a|b"), ("T2", "Two")])])
    sim.state.tasks["T9"] = sim.state.tasks["T2"].model_copy(update={"id": "T9", "phase": "?"})
    sim.ev("task_started", task="T1", attempt=1, agent="shell", title="Parse a|b")
    sim.ev("task_finished", task="T1", status="done", cost_usd=0.5, input_tokens=10,
           output_tokens=2, duration_s=1)
    sim.ev("task_started", task="T2", attempt=3, agent="shell", title="Two")
    sim.ev("task_verifying", task="T2", commands=["true"])
    text = render_status_md(sim.state)
    assert "- State: **running**" in text
    assert "- Current task: `T2` Two (verifying, attempt 3)" in text
    assert "- Cost: $0.5000 (10 input / 2 output tokens)" in text
    assert "| [x] | `T1` | Parse a\\|b | done (unverified) | 1 | 0.0s | $0.5000 |" in text
    assert "| [>] | `T2` | Two | verifying | 3 | - |  |" in text
    assert "## Other tasks" in text and "`T9`" in text
    assert "- Next:" not in text


def test_writer_throttles_while_running_and_always_writes_ends(tmp_path: Path) -> None:
    now = [0.0]
    path = tmp_path / "run" / "status.md"
    writer = StatusMdWriter(path, min_interval_s=1.0, clock=lambda: now[0])
    sim = Sim([writer])
    sim.ev("run_started", plan="plan.md", tasks=4, resumed=False)
    assert writer.writes == 1 and "**running**" in path.read_text()
    for _ in range(50):  # a burst of quick events inside one second: no rewrites
        now[0] += 0.01
        sim.ev("task_started", task="T001", attempt=1, agent="shell")
    assert writer.writes == 1
    now[0] += 1.0
    sim.ev("task_finished", task="T001", status="done", duration_s=1.5)
    assert writer.writes == 2
    sim.ev("phase_finished", phase="1", ok=True, duration_s=2)
    sim.ev("run_state", state="completed")
    assert writer.writes == 4
    sim.close()
    assert writer.writes == 5 and writer.last_error is None
    assert "**completed**" in path.read_text()
    assert [p.name for p in path.parent.iterdir()] == ["status.md"]  # no temp files left


def test_writer_survives_an_unwritable_path(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    writer = StatusMdWriter(blocker / "status.md")
    happy_run(Sim([writer]))  # no exception
    assert writer.writes == 0 and isinstance(writer.last_error, OSError)


def test_status_view_lists_tasks_checkpoints_totals_and_hint() -> None:
    sim = Sim([])
    failing_run(sim)
    out = io.StringIO()
    render_status(sim.state, Console(file=out, width=120, force_terminal=False))
    text = out.getvalue()
    assert "Run 20260102-030405-abcd · plan.md · failed · updated 2026-01-02 03:04:05" in text
    assert "error: task T003 failed" in text
    t003 = next(line for line in text.splitlines() if line.startswith(" T003"))
    assert "failed" in t003 and "│    2 │" in t003 and "verify failed: pytest -q (exit 1)" in t003
    assert "phase-1 │ 1     │ 1a2b3c4" in text
    assert "Tasks: 2 done (2 verified, 0 unverified), 1 failed, 0 skipped, 1 pending of 4" in text
    assert "Next: fix the cause of T003 failing" in text


def test_status_view_of_a_completed_run_with_cost_and_long_error() -> None:
    sim = Sim([])
    happy_run(sim)
    sim.state.tasks["T004"].error = "x" * 500
    out = io.StringIO()
    render_status(sim.state, Console(file=out, width=200, force_terminal=False))
    text = out.getvalue()
    assert "$0.0123" in text and "tokens 1,000 in / 200 out" in text
    assert "x" * 79 + "…" in text and "x" * 81 not in text
    assert "Next:" not in text


def test_status_view_of_an_empty_run() -> None:
    state = RunState(run_id="r", plan_path="p.md", plan_sha256="0", created="", updated="")
    out = io.StringIO()
    render_status(state, Console(file=out, width=80, force_terminal=False))
    assert "Tasks: 0 done, 0 failed, 0 skipped of 0 · time -" in out.getvalue()
    assert short_time(None) == "-" and short_time("2026-01-02T03:04:05.123Z") == (
        "2026-01-02 03:04:05"
    )


def test_status_view_of_a_big_run_lists_only_tasks_needing_attention() -> None:
    plan = [(str(p), f"Phase {p}", [(f"T{p}{i:04d}", f"task {i}") for i in range(1000)])
            for p in (1, 2, 3)]
    sim = Sim([], plan=plan)
    for task_id in list(sim.state.tasks)[:1500]:
        sim.ev("task_started", task=task_id, attempt=1)
        sim.ev("task_finished", task=task_id, status="done", duration_s=0.1)
    sim.ev("task_started", task="T20500", attempt=1)
    sim.ev("task_finished", task="T20500", status="failed", error="exit 3", duration_s=1)
    out = io.StringIO()
    render_status(sim.state, Console(file=out, width=120, force_terminal=False))
    text = out.getvalue()
    assert " 2     │ Phase 2 │  500/1000 │" in text
    assert "Tasks needing attention" in text and "T20500" in text and "exit 3" in text
    assert "T10001" not in text
    assert "2,999 more tasks not listed; `orch status --json` lists them all" in text


def test_render_status_defaults_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    sim = Sim([])
    happy_run(sim)
    render_status(sim.state)
    assert "Run 20260102-030405-abcd · plan.md · completed" in capsys.readouterr().out
