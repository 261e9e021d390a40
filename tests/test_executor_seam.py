"""The executor seam carries plain data: a request and an outcome survive a trip through JSON
(what a remote executor sends over a pipe), and both local executors speak the protocol."""

from __future__ import annotations

from pathlib import Path

from orch.adapters.base import AgentResult, AgentStatus, Budget, Handoff, Role
from orch.domain.events import CheckRecord, DiffStat
from orch.domain.plan import Phase, Task
from orch.runner.attempt import AdapterCache
from orch.runner.derived import derive_file_checks
from orch.runner.executor import (
    AttemptBase,
    AttemptChange,
    AttemptContext,
    AttemptOutcome,
    AttemptRequest,
    Executor,
    outcome_from_json,
    outcome_to_json,
    request_from_json,
    request_to_json,
)
from orch.runner.executors import MainTreeExecutor
from orch.runner.plancheck import PhaseGate, TaskChecks
from orch.runner.verify import CheckOutcome


def test_a_request_and_an_outcome_round_trip_through_json(tmp_path: Path) -> None:
    task = Task(id="T001", title="Write src/app.py", phase_id="1", line=3,
                verify=["test -f src/app.py"])
    request = AttemptRequest(
        run_id="20260101-000000-abcd", task=task, phase=Phase(id="1", title="Build", line=1),
        role=Role(name="shell", adapter="shell"), attempt=2,
        checks=TaskChecks(["test -f src/app.py"], derive_file_checks(task),
                          PhaseGate("plan", ["pytest -q"])),
        budget=Budget(max_cost_usd=0.5), base=AttemptBase("commit", "ab" * 20),
        log_name="T001.log", timeout_s=60.0, feedback="it failed",
        context=AttemptContext(plan_title="Plan", handoffs=[
            Handoff(task_id="T000", title="Before", status="done")], env={"X": "1"}))
    assert request_from_json(request_to_json(request)) == request
    outcome = AttemptOutcome(
        AgentResult(status=AgentStatus.COMPLETED, summary="ok", cost_usd=0.01),
        CheckOutcome(ok=True, evidence=[CheckRecord(kind="verify", command="true", ok=True)]),
        1.5, DiffStat(files=1, paths=["src/app.py"]), ran_checks=True,
        change=AttemptChange("commit", "cd" * 20))
    back = outcome_from_json(outcome_to_json(outcome))
    assert back == outcome
    assert back.verified


def test_the_main_tree_executor_speaks_the_protocol(tmp_path: Path) -> None:
    executor = MainTreeExecutor(tmp_path, tmp_path, AdapterCache())
    assert isinstance(executor, Executor)
