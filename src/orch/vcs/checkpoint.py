"""Checkpoint commits at phase (and, with ``--commit task``, task) ends: :class:`GitCheckpoints`.

A checkpoint is a commit of the whole working tree (``git add -A``: the plan file's ``[X]`` marks
included, ``.specify/orch`` bookkeeping left out by its own ``.gitignore``, and a phase
checkpoint leaves out what someone other than its tasks changed: :mod:`orch.vcs.ownership`)
with the message::

    orch: phase 2 Core

    Orch-Run: 20261121-223716-3fa2
    Orch-Phase: 2
    Orch-Tasks: T003,T004

plus a ref ``refs/orch/<run-id>/phase-2`` (``task-T003`` for task checkpoints; ``phase-2.2``
when a resume reopened the checkpointed phase after a plan edit). A phase that
changed nothing still gets its own (empty) commit, so every phase has a commit carrying its
trailers. Commits skip the user's commit hooks (``--no-verify``): the phase gate is the check.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

from orch.domain.state import Checkpoint, PhaseState, RunState, TaskState
from orch.errors import UsageError, VcsError
from orch.store.layout import Layout
from orch.store.runs import utc_now
from orch.vcs.repo import CommitInfo, GitRepo, Warn, open_repo

COMMIT_MODES = ("phase", "task", "none")
SCAN_LIMIT = 100
"""How far below HEAD a crash-repair looks for an unrecorded checkpoint commit."""


def ref_name(run_id: str, name: str) -> str:
    """``refs/orch/<run-id>/<name>``, each part made safe for a ref name."""
    return f"refs/orch/{_ref_part(run_id)}/{_ref_part(name)}"


def _ref_part(text: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", text).replace("..", "_").strip(".")
    safe = safe.removesuffix(".lock")
    return safe or "_"


class GitCheckpoints:
    """The git :class:`~orch.runner.hooks.CheckpointHook`.

    Both hook methods are idempotent: when the checkpoint ref, or a commit between the run's
    previous checkpoint and HEAD carrying this run's and this phase's (task's) trailers,
    already exists, that commit is returned and nothing new is committed. That repairs a crash
    between a checkpoint commit and the ``checkpoint_created`` event without a second commit.
    """

    def __init__(self, project_dir: Path, *, commit_mode: str, warn: Warn) -> None:
        if commit_mode not in COMMIT_MODES:
            raise UsageError(f"--commit {commit_mode!r}: expected one of {', '.join(COMMIT_MODES)}")
        self.commit_mode = commit_mode
        self.project_dir = project_dir
        self.warn = warn
        self._repo: GitRepo | None = None
        if commit_mode != "none":
            self._repo = open_repo(project_dir, warn=warn)
            Layout(project_dir).ensure_ignored()

    def on_phase_end(self, run: RunState, phase: PhaseState) -> Checkpoint | None:
        """Commit the gated phase (once) and return its checkpoint ``phase-<id>``."""
        if self._repo is None:
            return None
        subject = f"orch: phase {phase.id} {phase.title}".rstrip()
        trailers = {"Orch-Run": run.run_id, "Orch-Phase": phase.id,
                    "Orch-Tasks": ",".join(phase.tasks)}
        if phase.decision:  # docs/decisions.md: the decision and who made it
            trailers.update({"Orch-Decision": phase.decision,
                             "Orch-Decided-By": phase.decided_by or "orch"})
        earlier = sum(1 for cp in run.checkpoints if cp.phase == phase.id and cp.kind == "phase")
        name = f"phase-{phase.id}" + (f".{earlier + 1}" if earlier else "")  # reopened: phase-1.2
        return self._checkpoint(self._repo, run, Checkpoint(
            name=name, phase=phase.id, commit="", tasks=list(phase.tasks),
            kind="phase"), subject, trailers, phase=phase)

    def on_task_end(self, run: RunState, task: TaskState) -> Checkpoint | None:
        """With ``--commit task``: commit the finished task (once) as checkpoint ``task-<id>``."""
        if self._repo is None or self.commit_mode != "task":
            return None
        subject = f"orch: task {task.id} {task.title}".rstrip()
        trailers = {"Orch-Run": run.run_id, "Orch-Phase": task.phase, "Orch-Task": task.id,
                    "Orch-Tasks": task.id}
        return self._checkpoint(self._repo, run, Checkpoint(
            name=f"task-{task.id}", phase=task.phase, commit="", tasks=[task.id], kind="task"),
            subject, trailers)

    def _checkpoint(self, repo: GitRepo, run: RunState, draft: Checkpoint, subject: str,
                    trailers: dict[str, str], phase: PhaseState | None = None) -> Checkpoint:
        ref = ref_name(run.run_id, draft.name)
        found = self._existing(repo, run, ref, trailers)
        if found is not None:
            sha, created = found
            return draft.model_copy(update={"commit": sha, "ref": ref, "created": created})
        body = "\n".join(f"{key}: {value}" for key, value in trailers.items())
        # With --commit task each task's work is committed already: the phase commits the rest.
        measured = phase is not None and self.commit_mode == "phase"
        others = self._others(repo, run, phase, draft.name) if measured and phase else []
        if others:
            sha = repo.commit_all_except(f"{subject}\n\n{body}\n", others)
        else:
            sha = repo.commit_all(f"{subject}\n\n{body}\n")
        repo.update_ref(ref, sha, f"orch: checkpoint {draft.name}")
        return draft.model_copy(update={"commit": sha, "ref": ref, "created": utc_now()})

    def _others(self, repo: GitRepo, run: RunState, phase: PhaseState, name: str) -> list[str]:
        """Repository-relative paths changed outside the phase's tasks, to leave uncommitted;
        each warned about, with the paths both a task and someone else changed."""
        from orch.vcs.ownership import phase_ownership, read_halted
        from orch.vcs.preflight import describe_paths
        from orch.vcs.snapshot import WorkTree

        try:
            head_tree = repo.run("rev-parse", "--verify", "HEAD^{tree}")
            found = phase_ownership(WorkTree(repo), head_tree, run, phase,
                                    read_halted(self.project_dir, run.run_id))
        except VcsError:
            return []
        dirty = set(repo.dirty_paths())
        prefix = os.path.relpath(repo.project_dir, repo.root).replace(os.sep, "/")
        top = "" if prefix == "." else prefix + "/"
        left = [path for path in found.others_only if top + path in dirty
                or any(d.endswith("/") and (top + path).startswith(d) for d in dirty)]
        if left:
            self.warn(f"checkpoint {name} leaves uncommitted what no task of phase {phase.id} "
                      f"changed (changed outside orch since the run's baseline): "
                      f"{describe_paths(left)}")
        if found.both:
            self.warn(f"checkpoint {name} commits {describe_paths(found.both)}, changed by a "
                      "task of the phase and also outside orch: check that commit")
        return [top + path for path in left]

    def _existing(self, repo: GitRepo, run: RunState, ref: str,
                  trailers: dict[str, str]) -> tuple[str, str] | None:
        """``(sha, created)`` of this checkpoint's commit if a previous attempt already made it."""
        head = repo.head_sha()
        if head is None:
            return None
        at_ref = repo.ref_sha(ref)
        if at_ref is not None and (at_ref == head or repo.is_ancestor(at_ref, head)):
            commits = repo.log(at_ref, limit=1)
            if commits and _matches(commits[0], trailers):
                return at_ref, _iso(commits[0])
        previous = run.checkpoints[-1].commit if run.checkpoints else None
        if previous == head:
            return None
        revs = [head, f"^{previous}"] if previous and repo.resolve(previous) else [head]
        for commit in repo.log(*revs, limit=SCAN_LIMIT):
            if _matches(commit, trailers):
                repo.update_ref(ref, commit.sha, "orch: checkpoint (repaired after a crash)")
                return commit.sha, _iso(commit)
        return None


def _matches(commit: CommitInfo, wanted: dict[str, str]) -> bool:
    found = commit.trailers
    if found.get("Orch-Run") != wanted["Orch-Run"] or \
            found.get("Orch-Phase") != wanted["Orch-Phase"]:
        return False
    return found.get("Orch-Task") == wanted.get("Orch-Task")


def _iso(commit: CommitInfo) -> str:
    when = datetime.fromtimestamp(commit.committed, UTC)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
