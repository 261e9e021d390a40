"""Render a plan's task graph as text, Mermaid, Graphviz dot or JSON data (``orch graph``)."""

from __future__ import annotations

from typing import Any

from orch.domain.plan import Plan, PlanMark
from orch.text import terminal_safe

_STATUS = {PlanMark.PENDING: " ", PlanMark.DONE: "x", PlanMark.SKIPPED: "~"}
_MERMAID_ESCAPES = {
    "#": "#35;",
    '"': "#quot;",
    "<": "#lt;",
    ">": "#gt;",
    "`": "#96;",
    "\\": "#92;",
}
_TITLE_LIMIT = 60


def _short(title: str) -> str:
    title = " ".join(terminal_safe(title).split())
    return title if len(title) <= _TITLE_LIMIT else title[: _TITLE_LIMIT - 1] + "…"


def render_text(plan: Plan, order: list[str]) -> str:
    """Phases in order, each with its tasks in execution order and what they wait for."""
    position = {task_id: index for index, task_id in enumerate(order)}
    lines = [plan.title or plan.source]
    for phase in plan.phases:
        lines.append(f"Phase {phase.id}: {phase.title}")
        for task in sorted(phase.tasks, key=lambda t: position.get(t.id, len(position))):
            after = f"  (after {', '.join(task.depends_on)})" if task.depends_on else ""
            parallel = " [P]" if task.parallel else ""
            after = f"  (priority {task.priority}){after}" if task.priority else after
            lines.append(
                f"  [{_STATUS[task.mark]}] {task.id}{parallel} {_short(task.title)}{after}"
            )
        for gate in phase.gates:
            lines.append(f"  gate: {gate}")
    lines.append("order: " + " ".join(order))
    return terminal_safe("\n".join(lines)) + "\n"  # titles may hold terminal escapes


def _mermaid_label(text: str) -> str:
    return '"' + "".join(_MERMAID_ESCAPES.get(char, char) for char in text) + '"'


def render_mermaid(plan: Plan) -> str:
    """A ``flowchart TD``: one subgraph per phase, dependency edges, phase-to-phase edges.

    Node names are generated (``t1``, ``t2`` …) and every label is quoted and entity-escaped,
    so IDs like ``T009#2`` and titles with quotes or brackets cannot break the syntax.
    """
    names: dict[str, str] = {}
    lines = ["flowchart TD"]
    for phase_index, phase in enumerate(plan.phases, start=1):
        label = _mermaid_label(f"Phase {phase.id}: {_short(phase.title)}")
        lines.append(f"  subgraph ph{phase_index}[{label}]")
        lines.append("    direction TB")
        for task in phase.tasks:
            name = f"t{len(names) + 1}"
            names[task.id] = name
            text = f"{task.id} [{_STATUS[task.mark]}] {_short(task.title)}"
            lines.append(f"    {name}[{_mermaid_label(text)}]")
        lines.append("  end")
    for task in plan.tasks():
        for dep in task.depends_on:
            if dep in names:
                lines.append(f"  {names[dep]} --> {names[task.id]}")
    for index in range(1, len(plan.phases)):
        lines.append(f"  ph{index} ==> ph{index + 1}")
    return "\n".join(lines) + "\n"


def _dot_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r", "").replace("\n", "\\n") + '"'


def render_dot(plan: Plan) -> str:
    """A Graphviz ``digraph``: a cluster per phase, a barrier node closing each phase."""
    from orch.domain.graph import build_graph

    graph = build_graph(plan)
    lines = ["digraph plan {", "  rankdir=TB;", "  node [shape=box, fontsize=10];"]
    for phase_index, phase in enumerate(plan.phases):
        lines.append(f"  subgraph cluster_{phase_index} {{")
        lines.append(f"    label={_dot_string(f'Phase {phase.id}: {_short(phase.title)}')};")
        for task in phase.tasks:
            label = f"{task.id} [{_STATUS[task.mark]}]\n{_short(task.title)}"
            lines.append(f"    {_dot_string(task.id)} [label={_dot_string(label)}];")
        barrier = f"phase:{phase.id}"
        lines.append(
            f"    {_dot_string(barrier)} [label={_dot_string(f'end of phase {phase.id}')}, "
            "shape=point, width=0.15];"
        )
        lines.append("  }")
    for source, target, data in graph.edges(data=True):
        style = " [style=dashed]" if data.get("kind") == "barrier" else ""
        lines.append(f"  {_dot_string(source)} -> {_dot_string(target)}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def graph_data(plan: Plan, order: list[str]) -> dict[str, Any]:
    """``{"nodes", "edges", "order", "phases"}`` for ``orch graph --format json``."""
    from orch.domain.graph import build_graph

    graph = build_graph(plan)
    return {
        "title": plan.title,
        "nodes": [{"id": node, **data} for node, data in graph.nodes(data=True)],
        "edges": [
            {"from": source, "to": target, "kind": data.get("kind", "dependency")}
            for source, target, data in graph.edges(data=True)
        ],
        "order": order,
        "phases": [
            {"id": phase.id, "title": phase.title, "tasks": [task.id for task in phase.tasks]}
            for phase in plan.phases
        ],
    }
