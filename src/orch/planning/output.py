"""Where a drafted plan goes, and how it is written without ever losing an existing file.

- Default target: ``.specify/plans/<slug>.md``; with ``--from specs/NNN/spec.md`` it is
  ``specs/NNN/tasks.md`` beside the spec, where spec-kit keeps a feature's tasks and where
  ``orch run`` looks for them.
- An existing target is never replaced without ``--force`` (a :class:`SafetyError`, exit 3).
- A draft that does not validate is never written at the target: it goes to
  ``.specify/orch/drafts/<stem>.draft.md`` (ignored by git, so the next run's clean-tree check
  is not upset), with the validator's messages in ``<stem>.errors.txt`` beside it.
"""

from __future__ import annotations

from pathlib import Path

from orch.domain.plan import Diagnostic, Plan
from orch.errors import SafetyError
from orch.planning.checking import format_diagnostics
from orch.planning.offline import slugify
from orch.store.atomic import atomic_write_text
from orch.store.layout import ORCH_DIR, Layout

PLANS_DIR = Path(".specify") / "plans"
DRAFTS_DIR = ORCH_DIR / "drafts"
SPEC_TASKS_NAME = "tasks.md"


def default_target(project_dir: Path, goal: str, spec_path: Path | None = None) -> Path:
    """``tasks.md`` beside the spec with ``--from``, else ``.specify/plans/<slug>.md``."""
    if spec_path is not None:
        return spec_path.parent / SPEC_TASKS_NAME
    return project_dir / PLANS_DIR / f"{slugify(goal)}.md"


def ensure_writable(target: Path, *, force: bool, shown: str | None = None) -> None:
    """Refuse (exit 3) when ``target`` exists and ``force`` is not set."""
    name = shown or str(target)
    if target.is_dir():
        raise SafetyError(f"{name} is a directory", hint="pass a file path with -o PATH")
    if target.exists() and not force:
        raise SafetyError(
            f"{name} already exists; not overwriting it",
            hint="pass --force to replace it, or -o PATH to write elsewhere",
        )


def write_plan(target: Path, text: str) -> None:
    """Write ``text`` at ``target`` atomically, creating parent directories."""
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, text)


def failed_draft_paths(target: Path, project_dir: Path) -> tuple[Path, Path]:
    """``(<stem>.draft.md, <stem>.errors.txt)`` in ``.specify/orch/drafts`` of the project;
    ``<stem>`` is the target's project-relative path without its suffix, ``/`` as ``-``."""
    shown = display_path(target, project_dir)
    stem = shown[: -len(target.suffix)] if target.suffix else shown
    stem = stem.strip("/").replace("/", "-") or "plan"
    folder = project_dir / DRAFTS_DIR
    return folder / f"{stem}.draft.md", folder / f"{stem}.errors.txt"


def save_failed_draft(target: Path, text: str, errors: list[Diagnostic],
                      source: str, project_dir: Path) -> tuple[Path, Path]:
    """Keep an invalid draft and its errors under ``.specify/orch/drafts`` (never at
    ``target``, never in the tree git tracks)."""
    Layout(project_dir).ensure_ignored()
    draft, report = failed_draft_paths(target, project_dir)
    draft.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(draft, text)
    atomic_write_text(report, format_diagnostics(source, errors) + "\n")
    return draft, report


def summary_lines(plan: Plan) -> list[str]:
    """One line for the plan and one per phase: ``Phase 2: Isolate — 1 task``."""
    tasks = plan.tasks()
    lines = [f"{len(plan.phases)} phases, {len(tasks)} tasks"]
    for phase in plan.phases:
        count = len(phase.tasks)
        gate = f"; gate: {', '.join(phase.gates)}" if phase.gates else ""
        lines.append(f"  Phase {phase.id}: {phase.title} \u2014 {count} "
                     f"task{'s' if count != 1 else ''}{gate}")
    return lines


def display_path(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` when inside it, else absolute."""
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())
