"""Whose edits a checkpoint commits: the phase's tasks' and gate's, not a person's.

Each task's change is measured between two snapshots of the working tree (``DiffStat.before``
and ``after``). What changed *between* those windows — before the phase's first task, between
two tasks, or while the run was halted before a resume — was changed by someone else (the user,
an editor). A checkpoint leaves those paths uncommitted and names them; a path that a task
changed too is committed, and named as changed by both. The gate and whatever follows the last
task until the checkpoint count as the phase's own. A phase whose tasks ran in worktrees
(``--jobs``) or were not measured by snapshots is committed whole, as before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from orch.domain.state import PhaseState, RunState, TaskState
from orch.errors import VcsError
from orch.store.atomic import atomic_write_text
from orch.store.layout import Layout
from orch.vcs.snapshot import WorkTree

HALTED_FILE = "halted-changes.json"
"""In the run's directory: the tree and paths a resume found changed while the run was halted."""


@dataclass
class Ownership:
    """Project-relative paths changed outside the phase's tasks: left alone, or also a task's."""

    others_only: list[str] = field(default_factory=list)
    both: list[str] = field(default_factory=list)


def phase_ownership(worktree: WorkTree, head_tree: str, run: RunState, phase: PhaseState,
                    halted: list[tuple[str, list[str]]]) -> Ownership:
    """Who changed what in ``phase`` (see the module docstring); ``halted`` are the resumes'
    ``(tree, paths)`` records."""
    tasks = [run.tasks[t] for t in phase.tasks if t in run.tasks]
    ran = [t for t in tasks if t.attempts > 0 and not t.in_plan]
    if not ran or any(_in_lane(t) for t in ran) or not all(_measured(t) for t in ran):
        return Ownership()
    now = worktree.snapshot()
    if now is None:
        return Ownership()
    ordered = sorted(ran, key=lambda t: (t.started or "", t.ended or ""))
    tasks_changed: set[str] = set()
    others: set[str] = set()
    previous = head_tree
    for task in ordered:
        assert task.diffstat is not None and task.diffstat.before and task.diffstat.after
        if task.diffstat.before != previous:
            others |= set(worktree.changed_paths(previous, task.diffstat.before))
        tasks_changed |= set(worktree.changed_paths(task.diffstat.before, task.diffstat.after))
        previous = task.diffstat.after
    tasks_changed |= set(worktree.changed_paths(previous, now))  # the gate's, the plan's marks
    others = {path for path in others if not _in_plan(path, run.plan_path)}
    for tree, paths in halted:
        untouched_since = set(worktree.changed_paths(tree, now))
        for path in paths:
            if _in_plan(path, run.plan_path):
                continue
            others.add(path)
            if path not in untouched_since:
                tasks_changed.discard(path)  # as the user left it: no task of orch changed it
    return Ownership(others_only=sorted(others - tasks_changed),
                     both=sorted(others & tasks_changed))


def _in_plan(path: str, plan_path: str) -> bool:
    """Whether ``path`` is the plan file, or inside a plan that is a tree (``.claudio/``): orch
    writes its progress marks there between tasks."""
    plan = plan_path.rstrip("/")
    return path == plan or path.startswith(plan + "/")


def _in_lane(task: TaskState) -> bool:
    """Whether the task ran in a lane: its snapshots are its worktree's (or a remote worker's),
    not the main tree's. Once integrated its lane is gone, but its integration commit stays."""
    return task.lane is not None or task.integrated is not None


def _measured(task: TaskState) -> bool:
    stat = task.diffstat
    return stat is not None and bool(stat.before) and bool(stat.after)


def last_measured_tree(run: RunState) -> str | None:
    """The working tree as orch's latest finished task left it (``None`` when unknown)."""
    measured = [t for t in run.tasks.values() if _measured(t) and t.ended and not _in_lane(t)]
    if not measured:
        return None
    latest = max(measured, key=lambda t: t.ended or "")
    assert latest.diffstat is not None
    return latest.diffstat.after


def record_halted_changes(project_dir: Path, run: RunState) -> list[str]:
    """At a resume: the paths changed since orch's latest task left the tree (while the run was
    halted), recorded in the run's directory for the checkpoints; ``[]`` when none or unknown."""
    since = last_measured_tree(run)
    worktree = WorkTree.open(project_dir)
    if since is None or worktree is None:
        return []
    try:
        now = worktree.snapshot()
        changed = worktree.changed_paths(since, now) if now else []
        paths = [p for p in changed if not _in_plan(p, run.plan_path)]
    except VcsError:
        return []
    if not paths or now is None:
        return paths
    path = Layout(project_dir).run_dir(run.run_id) / HALTED_FILE
    records = read_halted(project_dir, run.run_id)
    records.append((now, paths))
    atomic_write_text(path, json.dumps([{"tree": t, "paths": p} for t, p in records]))
    return paths


def read_halted(project_dir: Path, run_id: str) -> list[tuple[str, list[str]]]:
    """The ``(tree, paths)`` records :func:`record_halted_changes` wrote for the run."""
    path = Layout(project_dir).run_dir(run_id) / HALTED_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [(str(item["tree"]), [str(p) for p in item["paths"]]) for item in data]
    except (OSError, ValueError, KeyError, TypeError):
        return []
