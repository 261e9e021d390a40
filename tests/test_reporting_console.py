"""The rich console reporter, rendered into StringIO consoles."""

from __future__ import annotations

import io

from rich.console import Console

from orch.reporting.console import ConsoleReporter, RunningLine
from test_reporting import Sim, failing_run, happy_run


def console(*, terminal: bool) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=terminal, width=100), out


def test_failure_shows_command_tail_retry_and_next_step() -> None:
    con, out = console(terminal=False)
    failing_run(Sim([ConsoleReporter(con)], estimates={"T001": 5.0}))
    text = out.getvalue()
    lines = text.splitlines()
    assert "\x1b" not in text
    assert "Starting run 20260102-030405-abcd · plan.md · 4 tasks" in lines
    assert "Phase 1/2 · Setup" in lines
    assert "✓ [1/4] T001 Create project skeleton  0.2s  verified" in lines
    assert "checkpoint phase-1 → 1a2b3c4" in lines
    # Times are the task's own so far (all attempts), as the summary and `status` show them.
    assert "✗ [3/4] T003 Write the parser  0.1s  failed" in lines
    assert "✗ [3/4] T003 Write the parser  0.2s  failed" in lines
    assert "    verify failed: pytest -q (exit 1)" in lines
    assert "    E   assert 1 == 2" in lines
    assert "↻ T003 retrying (attempt 2) in 1.0s: verify failed: pytest -q (exit 1)" in lines
    assert ("Run failed: 2 done (2 verified, 0 unverified), 1 failed, 0 skipped, 1 pending"
            " in 0.7s") in lines
    assert ("Tasks: 2 done (2 verified, 0 unverified), 1 failed, 0 skipped, 1 pending of 4"
            " · time 0.7s · cost \n$0.0000") in text
    assert "Actual vs estimate" in text and " T001 │ done   │   0.2s │     5.0s" in text
    assert "Next: fix the cause of T003 failing" in text


def test_failed_command_shown_when_error_does_not_name_it() -> None:
    con, out = console(terminal=False)
    sim = Sim([ConsoleReporter(con)])
    sim.state.clock_ts = sim.state.created  # inside a run session: times come from the journal
    sim.ev("task_started", task="T001", attempt=1, agent="shell", adapter="shell",
           title="Create project skeleton", index=1, count=4)
    sim.ev("task_finished", task="T001", after=1.0, status="failed", error="verification failed",
           failed_command="npm test", output_tail="boom\n", duration_s=1.0)
    sim.ev("phase_finished", phase="1", ok=False, duration_s=2.0, error="gate failed",
           failed_command="make gate", output_tail="nope")
    assert out.getvalue().splitlines() == [
        "✗ [1/4] T001 Create project skeleton  1.0s  failed",
        "    verification failed",
        "    command: npm test",
        "    boom",
        "✗ gate failed: phase 1  2.0s",
        "    gate failed",
        "    command: make gate",
        "    nope",
    ]


def test_completed_run_on_a_terminal_uses_colour_and_stops_live() -> None:
    con, out = console(terminal=True)
    reporter = ConsoleReporter(con)
    happy_run(Sim([reporter]))
    text = out.getvalue()
    assert "\x1b[" in text
    assert "Phase 2/2 · Core" in text and "Run completed" in text
    assert "$0.0123" in text and "tokens 1,000 in / 200 out" in text
    assert reporter._live is None  # stopped at close
    assert "\x1b[?25h" in text  # the cursor is shown again
    assert text.rstrip().splitlines()[-1].startswith(" 2 ")  # phase table ends; no hint
    assert "Next:" not in text


def test_running_line_shows_task_agent_stage_and_elapsed() -> None:
    now = [100.0]
    line = RunningLine(clock=lambda: now[0])
    con, out = console(terminal=False)
    con.print(line)
    assert out.getvalue() == ""  # idle: renders nothing
    reporter = ConsoleReporter(con, live=False)
    reporter.running = line
    sim = Sim([reporter])
    sim.ev("task_started", task="T003", attempt=2, agent="backend", adapter="claude-code",
           title="Write the parser", index=3, count=4)
    sim.ev("task_verifying", task="T003", commands=["pytest -q"])
    now[0] += 75
    con.print(line)
    rendered = out.getvalue()
    assert "Task [3/4] T003 Write the parser · backend via claude-code, attempt 2" in rendered
    assert "verifying: pytest -q 1m15s" in rendered


def test_user_text_is_never_markup_and_unknown_events_are_ignored() -> None:
    con, out = console(terminal=True)
    sim = Sim([ConsoleReporter(con)], plan=[("1", "[bold]Phase[/bold]", [("T1", "[red]x[/]")])])
    sim.ev("phase_started", phase="1", title="[bold]Phase[/bold]", index=1, count=1)
    sim.ev("brand_new_event", task="T1", payload={"x": 1})
    sim.ev("note", message="[link]not markup[/link]", level="warning")
    sim.ev("task_finished", task="T1", status="skipped", duration_s=0)
    sim.close()
    text = out.getvalue()
    assert "[bold]Phase[/bold]" in text
    assert "[link]not markup[/link]" in text
    assert "[red]x[/]" in text


def test_interrupt_and_budget_hints() -> None:
    con, out = console(terminal=False)
    sim = Sim([ConsoleReporter(con)])
    sim.ev("run_started", plan="plan.md", tasks=4, resumed=True)
    sim.ev("task_started", task="T001", attempt=1, agent="shell", adapter="shell",
           title="Create project skeleton", index=1, count=4, interrupted_before=True)
    sim.ev("run_state", after=1.0, state="interrupted")
    sim.close()
    text = out.getvalue()
    assert "Resuming run 20260102-030405-abcd" in text
    assert "Run interrupted: 0 done, 0 failed, 0 skipped, 1 running, 3 pending in 1.0s" in text
    assert text.splitlines()[-1] == "Next: continue with `orch resume`"

    con, out = console(terminal=False)
    sim = Sim([ConsoleReporter(con)])
    sim.ev("task_finished", task="T001", status="budget_exceeded", cost_usd=2.0, duration_s=4)
    sim.ev("run_state", state="budget_exceeded", error="max cost reached")
    sim.close()
    lines = out.getvalue().splitlines()
    assert "$ T001 Create project skeleton  4.0s  $2.00  budget exceeded" in lines
    assert "Run stopped (budget exceeded): 0 done, 0 failed, 1 budget exceeded, 0 skipped," \
           " 3 pending" in out.getvalue()
    assert "raise the cost limit" in lines[-1]
