"""A small builder for plans drafted in code: sequential task IDs, phases, notes, roles."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from orch.domain.plan import Phase, Plan, Task
from orch.durations import parse_duration
from orch.planning.render import bullet_list

ROLE_HINTS: dict[str, tuple[str, ...]] = {
    "test": ("test", "qa", "quality"),
    "review": ("review", "audit"),
    "frontend": ("frontend", "front", "ui", "web"),
    "data": ("data", "db", "database", "backend"),
    "docs": ("doc", "writer", "writing"),
    "ops": ("ops", "devops", "infra", "platform", "backend"),
    "code": ("backend", "developer", "engineer", "coder", "implement"),
}
"""Task kind -> words that, found in a configured role's name, make it the role for that kind."""


@dataclass
class PlanBuilder:
    """Collects phases and tasks in order and numbers tasks ``T001``, ``T002``, …"""

    title: str
    goal: str = ""
    assumptions: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)

    def phase(self, title: str, description: str, gates: Iterable[str]) -> Phase:
        """Open a new phase; following :meth:`task` calls add to it."""
        phase = Phase(id=str(len(self.phases) + 1), title=title, line=0,
                      gates=list(gates), description=description)
        self.phases.append(phase)
        return phase

    def task(
        self,
        title: str,
        *,
        files: Iterable[str],
        verify: Iterable[str] = (),
        kind: str = "code",
        parallel: bool = False,
        depends: Iterable[str] = (),
        estimate: str | None = None,
        acceptance: Iterable[str] = (),
        commands: Iterable[str] = (),
        story: str | None = None,
        description: str = "",
    ) -> str:
        """Add a task to the current phase and return its ID."""
        if not self.phases:
            raise ValueError("open a phase before adding tasks")
        phase = self.phases[-1]
        task_id = f"T{sum(len(p.tasks) for p in self.phases) + 1:03d}"
        phase.tasks.append(Task(
            id=task_id,
            title=title,
            phase_id=phase.id,
            line=0,
            parallel=parallel,
            story=story,
            depends_on=list(depends),
            verify=_unique(verify),
            files=_unique(files),
            estimate_s=parse_duration(estimate) if estimate else None,
            acceptance=list(acceptance),
            commands=list(commands),
            description=description,
        ))
        self.kinds[task_id] = kind
        return task_id

    def build(self, *, roles: Iterable[str] = (), default_agent: str | None = None) -> Plan:
        """The finished plan, with ``agent:`` filled from ``roles`` by task kind."""
        assign_roles(self.phases, self.kinds, sorted(roles), default_agent)
        sections: dict[str, str] = {}
        if self.goal:
            sections["Goal"] = self.goal
        sections["Assumptions"] = bullet_list(self.assumptions)
        if self.questions:
            sections["Open questions"] = bullet_list(self.questions)
        sections["Risks"] = bullet_list(self.risks)
        sections["Quality checklist"] = quality_checklist()
        return Plan(title=self.title, phases=self.phases, sections=sections)


def quality_checklist() -> str:
    """The planning checklist as unchecked boxes; ``orch review`` reports each item."""
    from orch.planning.findings import CHECKLIST

    return "\n".join(f"- [ ] {item}" for item in CHECKLIST.values())


def assign_roles(
    phases: list[Phase],
    kinds: Mapping[str, str],
    roles: list[str],
    default_agent: str | None,
) -> None:
    """Give each task without a fenced shell block the configured role matching its kind.

    A role matches a kind when a word of its name starts with one of the kind's
    :data:`ROLE_HINTS`; with no match the task gets ``default_agent`` (``--agent``), or no
    ``agent:`` at all so orch's default agent runs it. Only names from ``roles`` (or
    ``default_agent``) are ever written.
    """
    for phase in phases:
        for task in phase.tasks:
            if task.commands or task.agent:
                continue
            task.agent = role_for(kinds.get(task.id, "code"), roles) or default_agent


def role_for(kind: str, roles: list[str]) -> str | None:
    """The first role (in sorted order) whose name suggests it does work of this ``kind``."""
    for hint in ROLE_HINTS.get(kind, ROLE_HINTS["code"]):
        for name in roles:
            words = re.split(r"[^0-9a-z]+", name.lower())
            if any(word.startswith(hint) for word in words if word):
                return name
    return None


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        if item:
            seen.setdefault(item, None)
    return list(seen)
