"""The run status documents: `orch status --json`, `orch runs --json` and the MCP `run_status`
tool (shapes in docs/state.md). Imported lazily."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orch.domain.state import RunState
from orch.domain.status import TaskStatus
from orch.reporting.lanes import lanes_document


def status_document(state: RunState) -> dict[str, Any]:
    """``orch status --json``."""
    return {
        "run": state.run_id,
        "plan": state.plan_path,
        "state": state.state.value,
        "created": state.created,
        "updated": state.updated,
        "error": state.error,
        "tasks": [
            {
                "id": task.id,
                "title": task.title,
                "phase": task.phase,
                "status": task.status.value,
                "attempts": task.attempts,
                "started": task.started,
                "ended": task.ended,
                "duration_s": task.duration_s,
                "agent": task.agent,
                "cost_usd": task.cost_usd,
                "input_tokens": task.input_tokens,
                "output_tokens": task.output_tokens,
                "reasoning_output_tokens": task.reasoning_output_tokens,
                "error": task.error,
                "summary": task.summary,
                "files_changed": task.files_changed,
                "verified": task.verified,
                "in_plan": task.in_plan,
                "rerun_reason": task.rerun_reason,
                "evidence": [record.model_dump() for record in task.evidence],
                "diffstat": task.diffstat.model_dump() if task.diffstat else None,
            }
            for task in state.tasks.values()
        ],
        "phases": [
            {
                "id": p.id,
                "title": p.title,
                "gate": p.gate,
                "gate_passed": p.gate_passed,
                "gate_failed": p.gate_failed,
                "tasks": p.tasks,
                "duration_s": p.duration_s,
                "decision": p.decision,
                "review_cost_usd": p.review_cost_usd,
            }
            for p in state.phases
        ],
        "removed_tasks": list(state.removed_tasks),
        "checkpoints": [
            {
                "name": cp.name,
                "phase": cp.phase,
                "commit": cp.commit,
                "ref": cp.ref,
                "created": cp.created,
                "tasks": cp.tasks,
            }
            for cp in state.checkpoints
        ],
        "verified": sum(1 for t in state.tasks.values() if t.verified),
        "unverified": sum(1 for t in state.tasks.values()
                          if t.status is TaskStatus.DONE and not t.verified and not t.in_plan),
        "cost_usd": state.cost_usd,
        "duration_s": state.active_s,
        "input_tokens": sum(t.input_tokens for t in state.tasks.values()),
        "output_tokens": sum(t.output_tokens for t in state.tasks.values()),
        **lanes_document(state),
    }


def run_summary(state: RunState) -> dict[str, Any]:
    """One row of ``orch runs``."""
    counts = dict.fromkeys(TaskStatus, 0)
    for task in state.tasks.values():
        counts[task.status] += 1
    return {
        "run": state.run_id,
        "plan": state.plan_path,
        "state": state.state.value,
        "created": state.created,
        "updated": state.updated,
        "tasks": len(state.tasks),
        "done": counts[TaskStatus.DONE],
        "failed": counts[TaskStatus.FAILED] + counts[TaskStatus.BLOCKED],
        "cost_usd": state.cost_usd,
        "checkpoints": len(state.checkpoints),
    }


def run_status(project_dir: Path, run: str | None = None) -> dict[str, Any]:
    """The status document of run ``run`` (an id or prefix; the latest by default)."""
    from orch.store.layout import Layout
    from orch.store.runs import as_shown, load_run, resolve_run_id

    layout = Layout(project_dir)
    return status_document(as_shown(layout, load_run(layout, resolve_run_id(layout, run))))
