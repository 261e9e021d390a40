"""Plan review: quality warnings for ``orch validate`` (``--strict`` makes them errors).

A plan can be valid (it parses, its graph is sound) and still be hard to run safely. The review
flags what a careful engineer would ask about before running it:

- two ``[P]`` tasks of one phase naming the same file — they are not safe to run in parallel;
- an ``agent:`` (or phase ``**Agent**:``) naming no configured role;
- no testing phase and no test task anywhere in the plan;
- a ``verify:`` or ``**Gate**:`` command that cannot fail (:mod:`orch.parsing.check_lint`).

Tasks already done (``[x]``) or skipped (``[~]``), and phases with nothing left to run, are not
reviewed: they will not run. What checks a task (and whether anything does) is not judged here:
:func:`orch.runner.plancheck.check_findings` says it, from the one derivation the run uses.
"""

from __future__ import annotations

import re

from orch.domain.plan import Diagnostic, Phase, Plan, PlanMark, Task
from orch.parsing.check_lint import lint_check

_TEST_WORDS = re.compile(
    r"\b(tests?|testing|tdd|qa|regression|characteri[sz]ation|e2e|end-to-end)\b",
    re.IGNORECASE,
)
_TEST_PATH = re.compile(
    r"(^|/)(tests?|__tests__|spec)/|(^|/)test_[^/]*$|_test\.[a-z]+$|\.(test|spec)\.[a-z]+$",
    re.IGNORECASE,
)


def review_plan(plan: Plan, known_roles: set[str] | None = None) -> list[Diagnostic]:
    """Quality warnings for ``plan``, in line order.

    ``known_roles`` are the role names a task's ``agent:`` may use: the configured roles, the
    Claude Code subagents and the built-in adapter names (``shell``, ``anthropic``, …). ``None``
    skips the role check.
    """
    found: list[Diagnostic] = []
    for phase in plan.phases:
        live = [task for task in phase.tasks if _runs(task)]
        if not live:
            continue
        found.extend(_review_phase(phase, live, known_roles))
        for task in live:
            found.extend(_review_task(task, phase, known_roles))
        found.extend(_parallel_conflicts(phase, live))
        found.extend(_lying_checks(phase, live))
    if plan.phases and not _has_tests(plan):
        first_line = min((phase.line for phase in plan.phases), default=1)
        found.append(
            _warning(
                max(first_line, 1),
                "the plan has no testing phase and no test task",
                "add a phase whose title names testing, or tasks that write tests "
                "(e.g. `- files: tests/test_feature.py`)",
            )
        )
    return sorted(found, key=lambda diagnostic: diagnostic.line)


def is_test_task(task: Task) -> bool:
    """Whether a task writes or runs tests, judged by its title, labels and files."""
    if _TEST_WORDS.search(task.title) or any(_TEST_WORDS.search(label) for label in task.labels):
        return True
    return any(_TEST_PATH.search(path) for path in task.files)


def _runs(task: Task) -> bool:
    return task.mark is PlanMark.PENDING


def _has_tests(plan: Plan) -> bool:
    if any(_TEST_WORDS.search(phase.title) for phase in plan.phases):
        return True
    return any(is_test_task(task) for task in plan.tasks())


def _review_phase(phase: Phase, live: list[Task], known_roles: set[str] | None) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    if phase.agent and known_roles is not None and phase.agent not in known_roles:
        found.append(_unknown_role(phase.line, f"phase {phase.id}", phase.agent, known_roles))
    return found


def _review_task(task: Task, phase: Phase, known_roles: set[str] | None) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    if task.agent and known_roles is not None and task.agent not in known_roles:
        found.append(_unknown_role(task.line, task.id, task.agent, known_roles))
    return found


def _parallel_conflicts(phase: Phase, live: list[Task]) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    owner: dict[str, Task] = {}
    for task in live:
        if not task.parallel:
            continue
        reported: set[str] = set()
        for path in task.files:
            key = _normalise(path)
            earlier = owner.get(key)
            if earlier is not None and earlier.id not in reported:
                reported.add(earlier.id)
                found.append(
                    _warning(
                        task.line,
                        f"{task.id} and {earlier.id} are both [P] in phase {phase.id} "
                        f"but both change {path}",
                        f"drop [P] from one of them, or make {task.id} depend on {earlier.id}",
                    )
                )
            owner.setdefault(key, task)
    return found


def _lying_checks(phase: Phase, live: list[Task]) -> list[Diagnostic]:
    checks = [(phase.line, f"phase {phase.id} gate", gate) for gate in phase.gates]
    checks += [(task.line, f"{task.id} verify", command) for task in live
               for command in task.verify]
    return [_warning(line, f"{where} `{command}` cannot fail: {lie.message}", lie.hint)
            for line, where, command in checks for lie in lint_check(command)]


def _normalise(path: str) -> str:
    cleaned = path.strip().strip("`").replace("\\", "/")
    while cleaned.startswith("./"):
        cleaned = cleaned[2:]
    return cleaned.rstrip("/")


def _unknown_role(line: int, where: str, name: str, known_roles: set[str]) -> Diagnostic:
    known = ", ".join(sorted(known_roles)) or "none configured"
    return _warning(
        line,
        f"{where} names agent {name!r}, which is not a configured role (known: {known})",
        "define it under `agents:` in .specify/orch/config.yaml or in .claude/agents/, "
        "or use one of the known roles",
    )


def _warning(line: int, message: str, hint: str) -> Diagnostic:
    return Diagnostic(line=line, message=f"{message}; {hint}", severity="warning")
