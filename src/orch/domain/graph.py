"""The task graph: explicit dependencies plus phase barriers (docs/plan-format.md).

Every task depends on every task of the previous phase. Rather than N×M barrier edges, the
order is computed phase by phase: a dependency on an earlier phase is always satisfied by the
barrier, so only dependencies inside a phase decide the order within it (document order breaks
ties). networkx is used only to hand a graph object to ``orch graph``.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from pydantic import BaseModel

from orch.domain.plan import Diagnostic, Plan, PlanMark, Task

if TYPE_CHECKING:
    import networkx as nx

BARRIER_PREFIX = "phase:"
"""Node name prefix of a phase's barrier node in :func:`build_graph`."""


def _phase_index(plan: Plan) -> dict[str, int]:
    index: dict[str, int] = {}
    for position, phase in enumerate(plan.phases):
        for task in phase.tasks:
            index.setdefault(task.id, position)
    return index


def _local_edges(plan: Plan, phase_of: dict[str, int]) -> dict[str, list[str]]:
    """For each task, its dependencies inside its own phase (the only ones that order it)."""
    local: dict[str, list[str]] = {}
    for position, phase in enumerate(plan.phases):
        for task in phase.tasks:
            local[task.id] = [dep for dep in task.depends_on if phase_of.get(dep) == position]
    return local


def check_plan(plan: Plan) -> list[Diagnostic]:
    """Graph errors: unknown dependency IDs, dependencies on later phases, cycles.

    A cycle is reported once, as its path from the task that comes first in the document:
    ``dependency cycle: T003 -> T007 -> T003``.
    """
    phase_of = _phase_index(plan)
    errors: list[Diagnostic] = []
    for position, phase in enumerate(plan.phases):
        for task in phase.tasks:
            for dep in task.depends_on:
                where = phase_of.get(dep)
                if where is None:
                    errors.append(
                        Diagnostic(
                            line=task.line,
                            message=f"{task.id} depends on unknown task {dep}",
                            hint="use the ID of a task in this or an earlier phase",
                        )
                    )
                elif where > position:
                    later = plan.phases[where]
                    errors.append(
                        Diagnostic(
                            line=task.line,
                            message=(
                                f"{task.id} (phase {phase.id}) depends on {dep}, which is in "
                                f"later phase {later.id}"
                            ),
                            hint=f"move {dep} to phase {phase.id} or earlier, or move {task.id} "
                            f"to phase {later.id} or later",
                        )
                    )
    errors.extend(_cycles(plan, _local_edges(plan, phase_of)))
    return errors


def _cycles(plan: Plan, local: dict[str, list[str]]) -> list[Diagnostic]:
    """One diagnostic per dependency cycle found by an iterative depth-first search."""
    line_of = {task.id: task.line for task in plan.tasks()}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    found: list[Diagnostic] = []
    for root in line_of:
        if root in state:
            continue
        path: list[str] = [root]
        iterators = [iter(local.get(root, []))]
        state[root] = 1
        while path:
            nxt = next(iterators[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                iterators.pop()
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                iterators.append(iter(local.get(nxt, [])))
            elif state[nxt] == 1:
                cycle = path[path.index(nxt) :]
                first = min(range(len(cycle)), key=lambda i: line_of.get(cycle[i], 0))
                cycle = cycle[first:] + cycle[:first]
                # path edges run task -> dependency; print them in the same direction
                shown = " -> ".join([*cycle, cycle[0]])
                found.append(
                    Diagnostic(
                        line=line_of.get(cycle[0], 1),
                        message=f"dependency cycle: {shown}",
                        hint="remove one of these dependencies",
                    )
                )
    return found


def execution_order(plan: Plan) -> list[str]:
    """Task IDs in the order they run: phase by phase, dependencies first; among tasks ready
    at once, higher ``priority`` first, then document order. Never raises: tasks caught in a
    cycle follow in document order."""
    phase_of = _phase_index(plan)
    local = _local_edges(plan, phase_of)
    order: list[str] = []
    for phase in plan.phases:
        position = {task.id: index for index, task in enumerate(phase.tasks)}
        waiting = {task.id: len(set(local[task.id])) for task in phase.tasks}
        dependents: dict[str, list[str]] = {}
        for task in phase.tasks:
            for dep in set(local[task.id]):
                dependents.setdefault(dep, []).append(task.id)
        ready = [
            (-task.priority, index)
            for index, task in enumerate(phase.tasks)
            if waiting[task.id] == 0
        ]
        heapq.heapify(ready)
        done: set[str] = set()
        while ready:
            task_id = phase.tasks[heapq.heappop(ready)[1]].id
            if task_id in done:
                continue
            done.add(task_id)
            order.append(task_id)
            for follower in dependents.get(task_id, []):
                waiting[follower] -= 1
                if waiting[follower] == 0:
                    index = position[follower]
                    heapq.heappush(ready, (-phase.tasks[index].priority, index))
        order.extend(task.id for task in phase.tasks if task.id not in done)
    return order


class Batch(BaseModel):
    """Tasks of one phase that can run together: each waits only for earlier batches."""

    phase: str
    tasks: list[str]


class ExecutionPlan(BaseModel):
    """``orch graph --format batches``, the MCP ``task_execution_plan`` tool (docs/parallel.md)."""

    batches: list[Batch]
    total_batches: int
    max_parallelism: int


def execution_batches(
    plan: Plan, task_ids: list[str] | None = None, *, parallel_all: bool = False,
    paths: Callable[[Task], Iterable[str]] | None = None,
) -> ExecutionPlan:
    """The pending tasks (only those in ``task_ids`` when given) as batches that can run
    together.

    Phase barriers stay: a phase's batches follow every batch of the phases before it. Inside a
    phase a task joins the first batch after all of its dependencies; done and skipped tasks, and
    tasks outside ``task_ids``, count as already satisfied. Only ``[P]`` tasks share a batch
    (``parallel_all`` admits every task, like config ``parallel: all``); an unmarked task runs
    alone, and so does a ``[P]`` task whose paths overlap a batch-mate's. A task's paths are
    ``paths(task)`` (by default its ``files:``; orch passes
    :func:`orch.runner.derived.task_paths`, the scheduler's own answer). Inside a batch, tasks
    are listed in execution order (priority, then document order).
    """
    wanted = set(task_ids) if task_ids is not None else None
    rank = {task_id: index for index, task_id in enumerate(execution_order(plan))}
    local = _local_edges(plan, _phase_index(plan))
    batches: list[Batch] = []
    for phase in plan.phases:
        chosen = [
            task
            for task in phase.tasks
            if task.mark is PlanMark.PENDING and (wanted is None or task.id in wanted)
        ]
        level: dict[str, int] = {}
        for task in sorted(chosen, key=lambda t: rank[t.id]):
            deps = [level[dep] for dep in local[task.id] if dep in level]
            level[task.id] = 1 + max(deps, default=-1)
        layers: dict[int, list[Task]] = {}
        for task in sorted(chosen, key=lambda t: rank[t.id]):
            layers.setdefault(level[task.id], []).append(task)
        for depth in sorted(layers):
            for group in _split_layer(layers[depth], parallel_all,
                                      paths or (lambda task: task.files)):
                batches.append(Batch(phase=phase.id, tasks=[task.id for task in group]))
    return ExecutionPlan(
        batches=batches,
        total_batches=len(batches),
        max_parallelism=max((len(batch.tasks) for batch in batches), default=0),
    )


def _split_layer(layer: list[Task], parallel_all: bool,
                 paths: Callable[[Task], Iterable[str]]) -> list[list[Task]]:
    """A layer of tasks free to run together, split so that no batch holds an unmarked task
    beside another, or two tasks naming the same file; the shared batch keeps its place."""
    groups: list[list[Task]] = []
    shared: list[Task] = []
    files: set[str] = set()
    for task in layer:
        together = parallel_all or task.parallel
        mine = set(paths(task))
        if together and not files_overlap(files, mine):
            if not shared:
                groups.append(shared)
            shared.append(task)
            files.update(mine)
        else:
            groups.append([task])
    return groups


def files_overlap(mine: Iterable[str], theirs: Iterable[str]) -> bool:
    """Whether two tasks' files overlap: one names the same path as the other, or a directory
    holding one of its paths (``src/`` holds ``src/a.py``)."""
    ours = {_normal(path) for path in mine}
    for path in map(_normal, theirs):
        if any(path == other or path.startswith(other + "/") or other.startswith(path + "/")
               for other in ours):
            return True
    return False


def _normal(path: str) -> str:
    path = path.strip().removeprefix("./")
    return path.rstrip("/") or path


def build_graph(plan: Plan) -> nx.DiGraph:
    """A networkx graph of the plan for display.

    Task nodes carry ``kind="task"``, ``phase``, ``title``, ``status`` and ``priority``; an
    edge ``a -> b`` means *b waits for a*. Each phase has a barrier node ``phase:<id>``
    (``kind="phase"``): the phase's tasks that nothing in the phase waits for point to it, and
    it points to the next phase's tasks that wait for nothing in their own phase.
    """
    import networkx as nx

    phase_of = _phase_index(plan)
    local = _local_edges(plan, phase_of)
    graph = nx.DiGraph()
    previous: str | None = None
    for phase in plan.phases:
        barrier = f"{BARRIER_PREFIX}{phase.id}"
        has_dependents = {dep for task in phase.tasks for dep in local[task.id]}
        for task in phase.tasks:
            graph.add_node(
                task.id,
                kind="task",
                phase=phase.id,
                title=task.title,
                status=task.mark.value,
                priority=task.priority,
            )
        for task in phase.tasks:
            for dep in task.depends_on:
                if dep in phase_of:
                    graph.add_edge(dep, task.id, kind="dependency")
            if previous is not None and not local[task.id]:
                graph.add_edge(previous, task.id, kind="barrier")
        graph.add_node(barrier, kind="phase", phase=phase.id, title=phase.title, status="")
        for task in phase.tasks:
            if task.id not in has_dependents:
                graph.add_edge(task.id, barrier, kind="barrier")
        previous = barrier
    return graph
