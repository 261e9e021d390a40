"""A main-tree task restarted after an interrupted attempt starts from the tree it first started
on (docs/state.md): its partial output is saved under ``refs/orch/interrupted/`` first."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Saved:
    """Where an interrupted attempt's partial output was saved, and what it touched."""

    ref: str
    paths: str


def restart_from_baseline(project_dir: Path, run_id: str, task_id: str,
                          baseline: str) -> Saved | None:
    """Save the tree's changes since ``baseline`` as a commit under
    ``refs/orch/interrupted/<run>/<task>``, then take those changes out of the working tree.

    ``None`` when the tree is as the task found it (or not in git). The user's uncommitted work
    from before the task started is part of ``baseline`` and stays."""
    from orch.vcs.worktrees import Worktrees  # git only when a task is restarted

    worktrees = Worktrees(project_dir, run_id)
    now = worktrees.integrated_tree()
    if now == baseline:
        return None
    changed = worktrees.changed(baseline, now)
    ref = worktrees.save_tree(task_id, now)
    worktrees.apply(now, baseline)
    shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
    return Saved(ref, shown)
