"""Which checks orch will run for each task, decided before anything runs.

A task's checks are its ``verify:`` commands, the file checks derived from its text
(:mod:`orch.runner.derived`) and its phase's gate: the plan's ``**Gate**:`` lines, else the
project's test command (``gate: auto``). The same answer drives the agent's prompt,
``--require-verified`` and the runner, so what the agent is told is what orch does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from orch.config import OrchConfig
from orch.domain.plan import Phase, Plan, Task
from orch.runner.derived import FileCheck, FileRule, derive_file_checks


@dataclass(frozen=True)
class PhaseGate:
    """A phase's gate: ``plan`` (its **Gate**: lines), ``auto`` (the test command) or ``none``."""

    kind: str
    commands: list[str] = field(default_factory=list)

    @property
    def ok_codes(self) -> frozenset[int]:
        """Exit codes that pass: pytest's 5 (no tests collected yet) passes an auto gate."""
        if self.kind == "auto" and self.commands and self.commands[0].startswith("pytest"):
            return frozenset({0, 5})
        return frozenset({0})


@dataclass(frozen=True)
class TaskChecks:
    """Every check orch will run for one task."""

    verify: list[str]
    files: list[FileCheck]
    gate: PhaseGate

    @property
    def any(self) -> bool:
        """Whether at least one check will run for the task."""
        return bool(self.verify or self.files or self.gate.commands)

    def prompt_text(self) -> str:
        """What the agent is told about its checks: exactly these, or that there are none."""
        if not self.any:
            return ("orch has no check for this task: it will be recorded as done but "
                    "unverified. Say plainly in your summary what you did and did not do.")
        lines = ["When you finish, orch checks the task itself; it counts as done only if "
                 "every check passes:"]
        lines += [f"- runs `{command}`" for command in self.verify]
        for check in self.files:
            lines.append(f"- {check.path} {_RULE_TEXT[check.rule]}")
        if self.gate.commands:
            lines += [f"- at the end of the phase, runs `{command}`"
                      for command in self.gate.commands]
        return "\n".join(lines)


_RULE_TEXT = {
    FileRule.CHANGED: "must exist afterwards and be changed by this task",
    FileRule.EXISTS: "must exist",
    FileRule.REMOVED_OR_CHANGED: "must be changed or removed by this task",
    FileRule.CHANGED_IN: "must exist afterwards, created by this task or with files in it "
                         "created or changed by it",
}


class CheckPlanner:
    """Decides the checks of every task of a plan for one project and configuration."""

    def __init__(self, config: OrchConfig, auto_gate: str | None) -> None:
        self.config = config
        self.auto_gate = auto_gate

    @classmethod
    def for_project(cls, config: OrchConfig, project_dir: Path) -> CheckPlanner:
        """Detect the project's test command once (config ``tests:`` wins)."""
        return cls(config, auto_gate_command(config, project_dir))

    def gate(self, phase: Phase) -> PhaseGate:
        if phase.gates:
            return PhaseGate("plan", list(phase.gates))
        if self.auto_gate:
            return PhaseGate("auto", [self.auto_gate])
        return PhaseGate("none")

    def checks(self, task: Task, phase: Phase) -> TaskChecks:
        return TaskChecks(list(task.verify), derive_file_checks(task), self.gate(phase))

    def unverifiable(self, plan: Plan, task_ids: list[str]) -> list[Task]:
        """The tasks among ``task_ids`` that would get no check at all."""
        wanted = set(task_ids)
        return [task for phase in plan.phases for task in phase.tasks
                if task.id in wanted and not self.checks(task, phase).any]


def auto_gate_command(config: OrchConfig, project_dir: Path) -> str | None:
    """The command ``gate: auto`` runs: config ``tests:``, else the detected test command."""
    if config.gate == "none":
        return None
    if config.tests:
        return config.tests
    from orch.planning.tooling import detect_tooling

    tooling = detect_tooling(project_dir)
    return None if tooling.language == "unknown" else tooling.test_command
