"""The offline half of ``orch review``: the checklist rules that need no model.

Deterministic, in line order, from the plan text alone:

- **testing strategy**: no testing phase and no test task is blocking;
- **tasks with no check** (pending ones: done and skipped tasks will not run again), as the
  run derives them (:mod:`orch.runner.plancheck`): no ``verify:``, no file it names and no
  phase gate is blocking (a fenced shell block is the work, not a check); a task checked only
  by its phase gate is a warning;
- **checks that cannot fail** (``|| true``, ``; exit 0``, …; :mod:`orch.parsing.check_lint`)
  are blocking: they would record unverified work as verified;
- **reviewable chunks**: a phase of more than :data:`MAX_TASKS` tasks or touching more than
  :data:`MAX_FILES` files is blocking (a warning above half of that);
- **unstated data migration**: a task that changes stored data (a migration, a schema or column
  change, a backfill, ``migrations/`` or ``.sql`` files) while neither ``## Assumptions`` nor
  ``## Risks`` says so, or no risk names a way back (rollback, backup, restore, down step), is
  blocking;
- **assumptions and risks**: a missing ``## Assumptions`` or ``## Risks`` section, and a risk
  with no mitigation (``- <risk> — mitigation: <how>``), are warnings;
- **docs**: no task that writes documentation is a warning;
- the remaining ``orch validate`` review warnings (``[P]`` tasks sharing a file, unknown roles,
  tasks naming no files, phases with no gate) are warnings.
"""

from __future__ import annotations

import re

from orch.config import OrchConfig
from orch.domain.plan import Plan, PlanMark, Task
from orch.parsing.check_lint import lint_check
from orch.parsing.review import is_test_task, review_plan
from orch.planning.findings import CHECKLIST, ChecklistItem, Finding, Status, plan_lines
from orch.runner.plancheck import CheckPlanner, check_findings

MAX_TASKS = 15
MAX_FILES = 30
_DATA_CHANGE = re.compile(
    r"\b(migrat(e|es|ed|ing|ion|ions)|schema|alter\s+table|(add|drop|rename)\w*\s+(an?\s+|the\s+)?"
    r"columns?|backfill\w*|database\s+tables?)\b", re.IGNORECASE)
_DATA_FILE = re.compile(r"(^|/)(migrations?|alembic)/|\.sql$", re.IGNORECASE)
_WAY_BACK = re.compile(r"\b(roll\s*back|rollback|backups?|restore\w*|down\s+(step|migration)|"
                       r"revert\w*)\b", re.IGNORECASE)
_MITIGATION = re.compile(r"\bmitigat\w*", re.IGNORECASE)
_DOCS = re.compile(r"\b(docs?|document\w*|readme|changelog|runbook)\b", re.IGNORECASE)
_ERRORS = re.compile(r"\b(errors?|fail\w*|invalid|edge[- ]cases?|timeouts?|retr(y|ies)|"
                     r"exceptions?)\b", re.IGNORECASE)
_PERF = re.compile(r"\b(performance|latency|throughput|benchmark\w*|load|scal\w+|memory)\b",
                   re.IGNORECASE)
_COVERED = ("cannot fail", "nothing would check it", "no testing phase")


def offline_findings(plan: Plan, text: str, planner: CheckPlanner | None = None) -> list[Finding]:
    """Every offline finding for ``plan`` (parsed from ``text``); ``planner`` decides each
    task's checks as the run would (default: no automatic gate)."""
    planner = planner or CheckPlanner(OrchConfig(), None)
    checks = check_findings(plan, planner)
    found = _checks(plan, planner) + _sizes(plan) + _sections(plan, text) + _migration(plan)
    first = min((phase.line for phase in plan.phases), default=1)
    if not any(is_test_task(task) for task in plan.tasks()) and not any(
            re.search(r"\btest", phase.title, re.IGNORECASE) for phase in plan.phases):
        found.append(Finding(line=first, severity="blocking", rule="testing-strategy",
                             message="the plan has no testing phase and no test task",
                             hint="add a phase of test tasks, or tests alongside each change"))
    if not any(_DOCS.search(task.title) or any(_DOCS.search(path) or path.endswith(".md")
                                               for path in task.files)
               for task in plan.tasks()):
        found.append(Finding(line=first, severity="warning", rule="docs",
                             message="no task writes documentation",
                             hint="add a docs task (README, docs/, CHANGELOG) in the last phase"))
    for item in [*review_plan(plan), *checks.notes]:
        if "checked only by" in item.message:
            continue  # said above, as an unchecked-task finding
        if not any(words in item.message for words in _COVERED):
            message, _, hint = item.message.partition("; ")
            found.append(Finding(line=item.line, severity="warning", rule="plan-review",
                                 message=message, hint=hint or None))
    return found


def offline_checklist(plan: Plan, findings: list[Finding]) -> list[ChecklistItem]:
    """The checklist as far as rules can judge it; the rest is ``unknown``."""
    rules = {finding.rule for finding in findings if finding.severity == "blocking"}
    warned = {finding.rule for finding in findings if finding.severity == "warning"}
    words = _plan_words(plan)
    status: dict[str, tuple[Status, str]] = {
        "testing-strategy": ("missing", "no tests") if "testing-strategy" in rules
        else ("partial", "tasks without their own check") if "unchecked-task" in rules | warned
        else ("met", ""),
        "reviewable-chunks": ("missing", "a phase is too big") if "reviewable-chunks" in rules
        else ("partial", "a phase is large") if "reviewable-chunks" in warned
        else ("met", ""),
        "error-scenarios": ("met", "") if _ERRORS.search(words)
        else ("missing", "no task or criterion mentions errors or failures"),
        "performance": ("met", "") if _PERF.search(words) else ("unknown", "not mentioned"),
    }
    return [ChecklistItem(key=key, item=item,
                          status=status.get(key, ("unknown", "needs a model review"))[0],
                          note=status.get(key, ("unknown", "needs a model review"))[1])
            for key, item in CHECKLIST.items()]


def _checks(plan: Plan, planner: CheckPlanner) -> list[Finding]:
    found: list[Finding] = []
    for phase in plan.phases:
        for gate in phase.gates:
            found += _lies(phase.line, f"phase {phase.id} gate `{gate}`", gate)
        for task in phase.tasks:
            for command in task.verify:
                found += _lies(task.line, f"{task.id} verify `{command}`", command)
            if task.mark is not PlanMark.PENDING:
                continue  # done and skipped tasks will not run again (as orch validate says)
            checks = planner.checks(task, phase)
            if not checks.any:
                found.append(Finding(line=task.line, severity="blocking", rule="unchecked-task",
                                     message=f"{task.id} has no check: no verify command, no "
                                             f"file it names and no gate for phase {phase.id}; "
                                             "the run records it done but unverified",
                                     hint="add `- verify: `<command>`` under the task"))
            elif not checks.verify and not checks.files:
                found.append(Finding(line=task.line, severity="warning", rule="unchecked-task",
                                     message=f"{task.id} has no check of its own; only the "
                                             f"phase {phase.id} gate checks it",
                                     hint="add `- verify: `<command>`` proving this task"))
            elif not checks.verify and not checks.gate.commands:
                names = ", ".join(f"`{check.path}`" for check in checks.files)
                found.append(Finding(line=task.line, severity="warning", rule="unchecked-task",
                                     message=f"{task.id} is checked only by its file checks "
                                             f"({names}): nothing runs its code",
                                     hint="add `- verify: `<command>`` proving this task, or "
                                          "a `**Gate**:` to its phase"))
    return found


def _lies(line: int, where: str, command: str) -> list[Finding]:
    return [Finding(line=line, severity="blocking", rule="check-cannot-fail",
                    message=f"{where} cannot fail: {lie.message}", hint=lie.hint)
            for lie in lint_check(command)]


def _sizes(plan: Plan) -> list[Finding]:
    found: list[Finding] = []
    for phase in plan.phases:
        files = {path for task in phase.tasks for path in task.files}
        for count, limit, what in ((len(phase.tasks), MAX_TASKS, "tasks"),
                                   (len(files), MAX_FILES, "files")):
            if count > limit // 2:
                found.append(Finding(
                    line=phase.line, severity="blocking" if count > limit else "warning",
                    rule="reviewable-chunks",
                    message=f"phase {phase.id} ({phase.title}) has {count} {what}: too big to "
                            f"review as one change (limit {limit})",
                    hint="split it into phases that each deliver something testable"))
    return found


def _sections(plan: Plan, text: str) -> list[Finding]:
    found: list[Finding] = []
    names = {name.lower(): name for name in plan.sections}
    for wanted in ("assumptions", "risks"):
        if wanted not in names:
            found.append(Finding(line=1, severity="warning", rule="unstated-assumptions"
                                 if wanted == "assumptions" else "risks",
                                 message=f"the plan has no `## {wanted.capitalize()}` section",
                                 hint="state what the plan takes for granted, and each risk "
                                      "with its mitigation" if wanted == "risks" else
                                      "state what the plan takes for granted"))
    for line, bullet in _section_bullets(text, "risks"):
        if bullet.lower() not in ("none", "none.") and not _MITIGATION.search(bullet):
            found.append(Finding(line=line, severity="warning", rule="risks",
                                 message=f"risk without a mitigation: {bullet[:80]}",
                                 hint="write it as `- <risk> \u2014 mitigation: <how>`"))
    return found


def _migration(plan: Plan) -> list[Finding]:
    touching = [task for task in plan.tasks() if _changes_data(task)]
    if not touching:
        return []
    stated = " ".join(text for name, text in plan.sections.items()
                      if name.lower() in ("assumptions", "risks"))
    risks = " ".join(text for name, text in plan.sections.items() if name.lower() == "risks")
    if _DATA_CHANGE.search(stated) and _WAY_BACK.search(risks):
        return []
    task = touching[0]
    return [Finding(line=task.line, severity="blocking", rule="unstated-assumptions",
                    message=f"{task.id} changes stored data (a migration) but the plan's "
                            "assumptions and risks do not say so, nor how to roll it back",
                    hint="state the data volume and downtime under ## Assumptions, and add a "
                         "risk with its mitigation (backup, down step, rollback)")]


def _changes_data(task: Task) -> bool:
    words = " ".join([task.title, task.description, *task.acceptance])
    return bool(_DATA_CHANGE.search(words)) or any(_DATA_FILE.search(path) for path in task.files)


def _plan_words(plan: Plan) -> str:
    parts = [text for name, text in plan.sections.items() if name.lower() != "quality checklist"]
    for phase in plan.phases:
        parts += [phase.title, phase.description]
        parts += [" ".join([task.title, task.description, *task.acceptance])
                  for task in phase.tasks]
    return "\n".join(parts)


def _section_bullets(text: str, name: str) -> list[tuple[int, str]]:
    """``(line, text)`` of each top-level bullet under the ``## <name>`` heading, with its
    indented continuation lines joined on."""
    found: list[tuple[int, str]] = []
    inside = False
    for number, line in enumerate(plan_lines(text), 1):
        if line.startswith("#"):
            inside = line.lstrip("#").strip().lower() == name
            continue
        if inside and line.startswith(("- ", "* ")):
            found.append((number, line[2:].strip()))
        elif inside and found and line.startswith("  ") and line.strip():
            start, joined = found[-1]
            found[-1] = (start, f"{joined} {line.strip()}")
    return found
