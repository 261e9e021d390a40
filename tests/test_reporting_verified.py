"""The summary shows verified and unverified tasks apart, and each phase's gate truthfully:
exact text in plain mode."""

from __future__ import annotations

from orch.domain.events import CheckRecord
from orch.domain.state import PhaseState, RunState, TaskState
from orch.domain.status import RunStatus, TaskStatus
from orch.reporting.summary import summarize, summary_lines

TS = "2026-01-01T00:00:00+00:00"


def _state() -> RunState:
    ok = CheckRecord(kind="file", command="changed a.py", exit_code=0, ok=True)
    tasks = {
        "T1": TaskState(id="T1", phase="1", status=TaskStatus.DONE, verified=True, evidence=[ok]),
        "T2": TaskState(id="T2", phase="1", status=TaskStatus.DONE),
        "T3": TaskState(id="T3", phase="2", status=TaskStatus.DONE, verified=True),
        "T4": TaskState(id="T4", phase="3", status=TaskStatus.DONE, verified=True),
        "T5": TaskState(id="T5", phase="4", status=TaskStatus.DONE, in_plan=True),
        "T6": TaskState(id="T6", phase="4", status=TaskStatus.DONE),
        "T7": TaskState(id="T7", phase="5", status=TaskStatus.PENDING),
    }
    phases = [
        PhaseState(id="1", title="None", tasks=["T1", "T2"], gate="none", gate_passed=True),
        PhaseState(id="2", title="Auto", tasks=["T3"], gate="auto", gate_passed=True),
        PhaseState(id="3", title="Plan", tasks=["T4"], gate="plan", gate_passed=True),
        PhaseState(id="4", title="Broken", tasks=["T5", "T6"], gate="auto", gate_failed=True),
        PhaseState(id="5", title="Later", tasks=["T7"], gate="plan"),
    ]
    return RunState(run_id="r1", plan_path="plan.md", plan_sha256="x", created=TS, updated=TS,
                    state=RunStatus.FAILED, phases=phases, tasks=tasks)


def test_summary_rows_for_every_gate_and_verified_counts() -> None:
    assert summary_lines(summarize(_state(), duration_s=1.0)) == [
        "Summary",
        "  Tasks: 5 done (3 verified, 2 unverified), 0 failed, 0 skipped, 1 pending,"
        " 1 done in plan, not run of 7 · time 1.0s · cost $0.0000",
        "  Phase  Title   Done  Time  Gate",
        "  1      None    2/2   -     none",
        "  2      Auto    1/1   -     auto",
        "  3      Plan    1/1   -     passed",
        "  4      Broken  2/2   -     failed",
        "  5      Later   0/1   -     -",
    ]
