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
from orch.domain.plan import Diagnostic, Phase, Plan, PlanMark, Task
from orch.runner.derived import FileCheck, FileRule, derive_file_checks


@dataclass(frozen=True)
class PhaseGate:
    """A phase's gate: ``plan`` (its **Gate**: lines), ``auto`` (the test command) or ``none``."""

    kind: str
    commands: list[str] = field(default_factory=list)

    @property
    def ok_codes(self) -> frozenset[int]:
        """Exit codes that pass: pytest's (and unittest's) 5, no tests collected yet, passes an
        auto gate."""
        if self.kind == "auto" and self.commands and (
                self.commands[0].startswith("pytest")
                or any(f" -m {name}" in self.commands[0] for name in ("pytest", "unittest"))):
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

    def describe(self) -> list[str]:
        """Each check in a few words, as ``validate`` and ``--dry-run`` print them."""
        lines = [f"verify: {command}" for command in self.verify]
        lines += [f"check: {check.command}" for check in self.files]
        lines += [f"gate ({self.gate.kind}): {command}" for command in self.gate.commands]
        return lines

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


DETECTED_RUNNERS = "pytest, unittest, npm test, cargo test, go test, make test"
"""Every test runner ``gate: auto`` detects, for warnings and docs."""


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

    def no_gate_reason(self) -> str:
        """Why a phase with no ``**Gate**:`` gets no automatic one."""
        if self.config.gate == "none":
            return "`gate: none` in the config turns the automatic gate off"
        return f"no test command was detected ({DETECTED_RUNNERS})"

    def unverifiable(self, plan: Plan, task_ids: list[str]) -> list[Task]:
        """The tasks among ``task_ids`` that would get no check at all."""
        wanted = set(task_ids)
        return [task for phase in plan.phases for task in phase.tasks
                if task.id in wanted and not self.checks(task, phase).any]


_RULE_NAME = {
    FileRule.CHANGED: "changed-file",
    FileRule.EXISTS: "exists",
    FileRule.REMOVED_OR_CHANGED: "changed-or-removed",
    FileRule.CHANGED_IN: "changed-directory",
}


@dataclass(frozen=True)
class CheckFindings:
    """What ``validate`` and ``review`` say about checks: ``unverified`` (a task the run would
    record done but unverified: an error with ``--strict``) and ``notes`` (what the run will do,
    never an error)."""

    unverified: list[Diagnostic] = field(default_factory=list)
    notes: list[Diagnostic] = field(default_factory=list)


def check_findings(plan: Plan, planner: CheckPlanner) -> CheckFindings:
    """The check findings for every pending task of ``plan``, as the run would check it.

    A fenced shell block is the task's work, not a check of it (docs/verification.md): its
    exit status does not make a task verified."""
    found = CheckFindings()
    for phase in plan.phases:
        live = [task for task in phase.tasks if task.mark is PlanMark.PENDING]
        if not live:
            continue
        gate = planner.gate(phase)
        if not gate.commands:
            found.notes.append(_finding(
                phase.line, f"phase {phase.id} has no gate: {planner.no_gate_reason()}",
                "add `**Gate**: `<test command>`` under the heading, or set `tests:` in "
                ".specify/orch/config.yaml, so the phase is checked before its checkpoint"))
        for task in live:
            checks = planner.checks(task, phase)
            if not checks.any:
                found.unverified.append(_finding(
                    task.line, f"{task.id} has no check: no verify command, no file it names "
                    f"and no gate for phase {phase.id}; the run records it done but unverified",
                    "add `- verify: `<command>`` or `- files:` under the task, or a `**Gate**:` "
                    "to its phase"))
            elif not checks.verify and not gate.commands:
                found.notes.append(_finding(task.line, _only_files(task, checks.files),
                                            "add `- verify: `<command>`` to check what it does"))
            if not checks.files:
                found.notes.append(_finding(
                    task.line, f"{task.id} names no files",
                    "add `- files: path/one.py, path/two.py` listing what the task creates or "
                    "edits"))
    return found


def _only_files(task: Task, files: list[FileCheck]) -> str:
    if len(files) == 1:
        check = files[0]
        return f"{task.id}: checked only by the {_RULE_NAME[check.rule]} check on `{check.path}`"
    listed = ", ".join(f"{check.rule.value} {check.path}" for check in files)
    return f"{task.id}: checked only by its file checks ({listed})"


def _finding(line: int, message: str, hint: str) -> Diagnostic:
    return Diagnostic(line=line, message=f"{message}; {hint}", severity="warning")


def auto_gate_command(config: OrchConfig, project_dir: Path) -> str | None:
    """The command ``gate: auto`` runs: config ``tests:``, else the detected test command."""
    if config.gate == "none":
        return None
    if config.tests:
        return config.tests
    from orch.planning.tooling import detect_tooling

    tooling = detect_tooling(project_dir)
    return None if tooling.language == "unknown" else tooling.test_command
