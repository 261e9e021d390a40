"""Task, phase and run times come from one source, the journal, and idle time never counts."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from conftest import OrchRunner, commit_all, make_plan, shell_task
from orch.domain.state import Event, PhaseState, RunState, TaskState, apply_event
from orch.durations import format_duration

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def fold(steps: list[tuple[float, str, dict[str, Any]]]) -> RunState:
    state = RunState(
        run_id="r", plan_path="p.md", plan_sha256="0", created="", updated="",
        phases=[PhaseState(id="1", title="One", tasks=["T1"])],
        tasks={"T1": TaskState(id="T1", phase="1")},
    )
    for seq, (at, kind, data) in enumerate(steps, start=1):
        stamp = (T0 + timedelta(seconds=at)).isoformat(timespec="milliseconds")
        task = "T1" if kind.startswith("task_") or kind == "process_started" else None
        phase = "1" if kind.startswith("phase_") else None
        apply_event(state, Event(seq=seq, ts=stamp.replace("+00:00", "Z"), type=kind, run="r",
                                 task=task, phase=phase, data=data))
    return state


def test_idle_time_between_a_halted_run_and_its_resume_is_not_counted() -> None:
    state = fold([
        (0, "run_started", {}),
        (0, "phase_started", {}),
        (0, "task_started", {"attempt": 1}),
        (2, "task_finished", {"status": "failed", "error": "x"}),
        (2, "run_state", {"state": "failed"}),
        # an hour later: orch resume --retry-failed --max-cost 1
        (3600, "task_reset", {"status": "pending", "reason": "resume"}),
        (3600, "options_changed", {"max_cost_usd": 1.0}),
        (3601, "run_started", {"resumed": True}),
        (3601, "run_state", {"state": "running"}),
        (3601, "phase_started", {}),  # the runner re-opens the phase on resume
        (3601, "task_started", {"attempt": 2}),
        (3604, "task_finished", {"status": "done"}),
        (3605, "phase_finished", {"ok": True}),
        (3605, "run_state", {"state": "completed"}),
    ])
    assert state.tasks["T1"].duration_s == 5.0
    assert state.phases[0].duration_s == 6.0
    assert state.active_s == 6.0


def test_a_killed_session_counts_until_its_last_event_only() -> None:
    state = fold([
        (0, "run_started", {}),
        (0, "phase_started", {}),
        (0, "task_started", {"attempt": 1}),
        (1.5, "process_started", {"pgid": 42, "start": 1}),
        # SIGKILL; resumed ten minutes later
        (600, "process_ended", {"pgid": 42, "reason": "resume"}),
        (601, "run_started", {"resumed": True}),
        (601, "phase_started", {}),
        (601, "task_started", {"attempt": 2, "interrupted_before": True}),
        (602, "task_finished", {"status": "done"}),
        (602, "phase_finished", {"ok": True}),
        (602, "run_state", {"state": "completed"}),
    ])
    assert state.tasks["T1"].duration_s == 2.5
    assert state.phases[0].duration_s == 2.5
    assert state.active_s == 2.5


def test_live_display_summary_and_status_agree(git_repo: Path, orch: OrchRunner) -> None:
    script = "sleep 0.3\nif [ -f again ]; then echo ok > out.txt; else touch again; exit 1; fi"
    plan = make_plan([("One", [shell_task("T001", "Twice", script)])])
    (git_repo / "plan.md").write_text(plan)
    (git_repo / ".gitignore").write_text("again\n")
    commit_all(git_repo)
    first = orch("run", "plan.md", cwd=git_repo)
    assert first.returncode == 1
    resumed = orch("resume", "--retry-failed", cwd=git_repo)
    assert resumed.returncode == 0, resumed.stderr
    document = json.loads(orch("status", "--json", cwd=git_repo).stdout)
    task_time = format_duration(document["tasks"][0]["duration_s"])
    run_time = format_duration(document["duration_s"])
    phase_time = format_duration(document["phases"][0]["duration_s"])
    assert re.search(rf"done T001 in {re.escape(task_time)}\b", resumed.stdout), resumed.stdout
    assert f"phase 1 done in {phase_time}" in resumed.stdout
    assert f"in {run_time}" in resumed.stdout.split("Run completed", 1)[1].splitlines()[0]
    assert f"time {run_time}" in resumed.stdout
    status_text = orch("status", cwd=git_repo).stdout
    assert f"time {run_time}" in status_text
    assert re.search(rf"T001 .*{re.escape(task_time)}", status_text)
