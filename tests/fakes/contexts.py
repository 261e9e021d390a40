"""Building AgentContexts for adapter tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orch.adapters.base import AgentContext, Budget, Handoff, Role
from orch.domain.plan import Phase, Task


def make_context(project: Path, *, task_id: str = "T001", title: str = "Create hello.txt",
                 adapter: str = "anthropic", budget: Budget | None = None,
                 handoffs: list[Handoff] | None = None, role: Role | None = None,
                 **overrides: Any) -> AgentContext:
    """A context for one attempt at one small task in ``project``."""
    task_fields = {k: overrides.pop(k) for k in ("files", "verify", "description", "commands")
                   if k in overrides}
    task = Task(id=task_id, title=title, phase_id="1", line=3, **task_fields)
    phase = Phase(id="1", title="Setup", line=1, tasks=[task])
    log_dir = project.parent / "logs"
    log_dir.mkdir(exist_ok=True)
    return AgentContext(
        task=task, phase=phase, plan_title="Test plan", project_dir=project,
        log_path=log_dir / f"{task_id}.log", role=role or Role(name=adapter, adapter=adapter),
        handoffs=handoffs or [], budget=budget or Budget(), **overrides)
