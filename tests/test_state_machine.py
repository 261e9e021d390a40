"""The fold enforces the declared task transitions and the typed event payloads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all
from orch.domain.events import PAYLOADS, EventType, checked_data
from orch.domain.state import Event, PhaseState, RunState, TaskState, apply_event
from orch.domain.status import (
    ALLOWED_RUN_TRANSITIONS,
    ALLOWED_TRANSITIONS,
    RunStatus,
    TaskStatus,
    can_run_transition,
)
from orch.errors import StateError

TS = "2026-01-01T00:00:00.000Z"


def _state(status: TaskStatus) -> RunState:
    return RunState(run_id="r", plan_path="p.md", plan_sha256="x", created=TS, updated=TS,
                    phases=[PhaseState(id="1", title="A", tasks=["T1"])],
                    tasks={"T1": TaskState(id="T1", phase="1", status=status)})


def _finish(status: TaskStatus) -> Event:
    return Event(seq=1, ts=TS, type="task_finished", run="r", task="T1",
                 data={"status": status.value})


@pytest.mark.parametrize("current", list(TaskStatus))
@pytest.mark.parametrize("new", [TaskStatus.DONE, TaskStatus.FAILED, TaskStatus.BLOCKED])
def test_task_finished_follows_the_declared_transitions(
    current: TaskStatus, new: TaskStatus
) -> None:
    state = _state(current)
    if current is new or new in ALLOWED_TRANSITIONS[current]:
        apply_event(state, _finish(new))
        assert state.tasks["T1"].status is new
    else:
        with pytest.raises(StateError, match="not an allowed transition"):
            apply_event(state, _finish(new))


def test_every_event_type_has_a_payload_model_and_unknown_types_are_refused() -> None:
    assert set(PAYLOADS) == set(EventType)
    with pytest.raises(ValueError):
        checked_data("task_finised", {"status": "done"})


def test_an_edited_journal_with_an_illegal_transition_is_a_state_error(
    git_repo: Path, orch: OrchRunner
) -> None:
    (git_repo / "plan.md").write_text(
        "# P\n\n## Phase 1: A\n\n- [ ] T001 Do it\n  ```sh\n  true\n  ```\n")
    commit_all(git_repo)
    assert orch("run", "plan.md", cwd=git_repo).returncode == 0
    run_dir = next((git_repo / ".specify" / "orch" / "runs").iterdir())
    events = run_dir / "events.jsonl"
    last = json.loads(events.read_text().splitlines()[-1])
    forged = {"seq": last["seq"] + 1, "ts": last["ts"], "type": "task_finished",
              "run": last["run"], "task": "T001", "phase": None, "data": {"status": "failed"}}
    with open(events, "a") as out:
        out.write(json.dumps(forged) + "\n")
    result = orch("status", cwd=git_repo)
    assert result.returncode == 3
    assert "moves task T001 from done to failed, which is not an allowed transition" \
        in result.stderr
    assert "Traceback" not in result.stderr


def _event(seq: int, type_: str, data: dict[str, object], *, task: str | None = None,
           phase: str | None = None) -> Event:
    return Event(seq=seq, ts=TS, type=type_, run="r", task=task, phase=phase, data=data)


def test_a_phase_decision_round_trip_through_awaiting_decision() -> None:
    """running -> awaiting_decision -> running; a REVISE puts a done task back to pending."""
    state = _state(TaskStatus.DONE)
    apply_event(state, _event(1, "phase_decision", {
        "decision": "ESCALATE", "decided_by": "reviewer:r", "awaiting": True}, phase="1"))
    apply_event(state, _event(2, "run_state", {"state": "awaiting_decision"}))
    assert state.state is RunStatus.AWAITING_DECISION and state.phases[0].awaiting
    apply_event(state, _event(3, "phase_decision", {
        "decision": "REVISE", "decided_by": "human", "awaiting": False}, phase="1"))
    apply_event(state, _event(4, "task_reset", {
        "status": "pending", "reason": "revise", "feedback": "fix it"}, task="T1"))
    apply_event(state, _event(5, "run_state", {"state": "running"}))
    phase, task = state.phases[0], state.tasks["T1"]
    assert (phase.decision, phase.revisions, phase.awaiting) == ("REVISE", 1, False)
    assert (task.status, task.feedback) == (TaskStatus.PENDING, "fix it")
    assert state.state is RunStatus.RUNNING


def test_run_states_follow_the_declared_run_transitions() -> None:
    for current in RunStatus:
        for new in RunStatus:
            state = _state(TaskStatus.PENDING)
            state.state = current
            event = _event(1, "run_state", {"state": new.value})
            if new is current or new in ALLOWED_RUN_TRANSITIONS[current]:
                apply_event(state, event)
                assert state.state is new
            else:
                with pytest.raises(StateError, match="not an allowed transition"):
                    apply_event(state, event)
    assert not can_run_transition(RunStatus.AWAITING_DECISION, RunStatus.COMPLETED)
