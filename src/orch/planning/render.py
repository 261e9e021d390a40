"""Plan model -> markdown in orch's native plan format (docs/plan-format.md).

The output is deterministic: the same :class:`~orch.domain.plan.Plan` always renders to the same
bytes, so offline plans can be regenerated and diffed. Non-phase sections (goal, assumptions,
open questions, risks) come first, then the phases in order.
"""

from __future__ import annotations

import re

from orch.domain.plan import Phase, Plan, PlanMark, Task

SECTION_ORDER = ("Goal", "Assumptions", "Open questions", "Risks", "Quality checklist")
_MARKS = {PlanMark.PENDING: " ", PlanMark.DONE: "x", PlanMark.SKIPPED: "~"}


def render_plan(plan: Plan) -> str:
    """The plan as markdown, ending in exactly one newline."""
    blocks: list[str] = [f"# {_one_line(plan.title) or 'Plan'}"]
    for name in _section_names(plan):
        body = plan.sections[name].strip()
        if body:
            blocks.append(f"## {name}\n\n{body}")
    blocks.extend(render_phase(phase, number) for number, phase in enumerate(plan.phases, 1))
    return "\n\n".join(blocks).rstrip() + "\n"


def render_phase(phase: Phase, number: int) -> str:
    """One phase: heading, description, ``**Agent**``, ``**Gate**`` lines, then its tasks."""
    label = phase.id or str(number)
    blocks = [f"## Phase {label}: {_one_line(phase.title)}"]
    description = phase.description.strip()
    if description:
        blocks.append(description if description.startswith("**") else
                      f"**Purpose**: {description}")
    if phase.agent:
        blocks.append(f"**Agent**: {phase.agent}")
    blocks.extend(f"**Gate**: {code_span(gate)}" for gate in phase.gates)
    if phase.tasks:
        blocks.append("\n".join(render_task(task) for task in phase.tasks))
    return "\n\n".join(blocks)


def render_task(task: Task) -> str:
    """One task line plus its metadata bullets, acceptance criteria and shell blocks."""
    head = [f"- [{_MARKS[task.mark]}]", task.id]
    if task.parallel:
        head.append("[P]")
    if task.story:
        head.append(f"[{task.story}]")
    head += [f"[{label}]" for label in task.labels]
    head.append(_one_line(task.title))
    if task.depends_on:
        head.append(f"(depends on {', '.join(task.depends_on)})")
    lines = [" ".join(head)]
    if task.agent:
        lines.append(f"  - agent: {task.agent}")
    lines += [f"  - verify: {code_span(command)}" for command in task.verify]
    if task.files:
        lines.append(f"  - files: {', '.join(task.files)}")
    if task.timeout_s is not None:
        lines.append(f"  - timeout: {compact_duration(task.timeout_s)}")
    if task.retries:
        lines.append(f"  - retries: {task.retries}")
    if task.estimate_s is not None:
        lines.append(f"  - estimate: {compact_duration(task.estimate_s)}")
    lines += [f"  - [ ] {_one_line(item)}" for item in task.acceptance]
    for script in task.commands:
        fence = _fence_for(script)
        lines.append(f"\n  {fence}sh")
        lines += [f"  {line}" if line else "" for line in script.rstrip().splitlines()]
        lines.append(f"  {fence}")
    return "\n".join(lines)


def code_span(text: str) -> str:
    """``text`` as an inline code span, with a backtick fence longer than any run inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def compact_duration(seconds: float) -> str:
    """``1800`` -> ``30m``, ``5400`` -> ``1h30m``, ``45`` -> ``45s``."""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "",
             f"{secs}s" if secs else ""]
    return "".join(parts) or "0s"


def bullet_list(items: list[str] | tuple[str, ...]) -> str:
    """Markdown bullets, one item a line; an empty list gives ``- None.``."""
    return "\n".join(f"- {_one_line(item)}" for item in items) if items else "- None."


def _section_names(plan: Plan) -> list[str]:
    known = [name for name in SECTION_ORDER if name in plan.sections]
    return known + [name for name in plan.sections if name not in SECTION_ORDER]


def _fence_for(script: str) -> str:
    longest = max((len(run) for run in re.findall(r"`{3,}", script)), default=2)
    return "`" * (longest + 1)


def _one_line(text: str) -> str:
    return " ".join(text.split())
