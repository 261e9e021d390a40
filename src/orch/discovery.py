"""Finding the plan when a command is given none (``orch run``, ``validate``, ``graph``,
``review``, the MCP server): the current spec-kit feature's ``tasks.md``; when the project has
no spec-kit feature, its one Kiro spec, Taskmaster file or Claudio tree. Several of those are
never guessed between: the error lists them."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from orch.errors import PlanError

_FEATURE_KEYS = ("feature_directory", "feature_dir", "directory", "path", "feature", "tasks")
_NUMBERED = re.compile(r"^(\d+)")


def find_default_plan(project_dir: Path) -> tuple[Path, str]:
    """The plan to use and a one-line note on why it was chosen.

    The spec-kit feature first (:func:`speckit_feature`; the note names any other plan the
    project holds). Without one: the project's Kiro specs
    (``.kiro/specs/*/tasks.md``), Taskmaster file (``.taskmaster/tasks/tasks.json``) and
    Claudio tree (``.claudio/``); exactly one of them is used, several are a
    :class:`PlanError` (exit 2) that lists them, none is a :class:`PlanError` too.
    """
    feature = speckit_feature(project_dir)
    found = other_plans(project_dir)
    if feature is not None:
        if not found:
            return feature
        others = ", ".join(_rel(path, project_dir) for path, _ in found)
        return feature[0], f"{feature[1]}; also here: {others} (pass one to use it)"
    if len(found) == 1:
        return found[0]
    if found:
        listed = ", ".join(_rel(path, project_dir) for path, _ in found)
        raise PlanError(
            f"no plan given and this project has {len(found)}: {listed}",
            hint=f"name the one to use, e.g. `orch run {_rel(found[0][0], project_dir)}`",
        )
    raise PlanError(
        "no plan given and none found (no spec-kit tasks.md, Kiro spec, Taskmaster tasks.json "
        "or .claudio tree)",
        hint="pass a plan file: `orch run PLAN.md` (try examples/quickstart/plan.md)",
    )


def other_plans(project_dir: Path) -> list[tuple[Path, str]]:
    """The project's plans in formats other than spec-kit's, each with why it was found."""
    from orch.planfile import claudio_tree

    kiro = project_dir / ".kiro" / "specs"
    found = [
        (path, f"Kiro spec {path.parent.name!r}")
        for path in (sorted(kiro.glob("*/tasks.md")) if kiro.is_dir() else [])
        if path.is_file()
    ]
    taskmaster = project_dir / ".taskmaster" / "tasks" / "tasks.json"
    if taskmaster.is_file():
        found.append((taskmaster, "Taskmaster tasks file"))
    tree = project_dir / ".claudio"
    if claudio_tree(tree) is not None:
        found.append((tree, "Claudio tree"))
    return found


def speckit_feature(project_dir: Path) -> tuple[Path, str] | None:
    """The current spec-kit feature's ``tasks.md`` and why, or ``None`` when there is none.

    Order: ``.specify/feature.json``, the ``SPECIFY_FEATURE`` variable, the git branch named
    like a feature folder (spec-kit's own convention), else the highest-numbered (then newest)
    ``specs/*/tasks.md``.
    """
    specs = project_dir / "specs"
    feature_json = project_dir / ".specify" / "feature.json"
    if feature_json.is_file():
        target = _from_feature_json(project_dir, feature_json)
        if target is not None:
            return target, f"current spec-kit feature from {_rel(feature_json, project_dir)}"
    env_feature = os.environ.get("SPECIFY_FEATURE", "").strip()
    if env_feature:
        return _named_feature(specs, env_feature), "current spec-kit feature from SPECIFY_FEATURE"
    branch = _git_branch(project_dir)
    if branch:
        folder = _feature_folder(specs, branch)
        if folder is not None and (folder / "tasks.md").is_file():
            return folder / "tasks.md", f"spec-kit feature of git branch {branch!r}"
    candidates = sorted(specs.glob("*/tasks.md")) if specs.is_dir() else []
    if candidates:
        newest = max(candidates, key=_feature_rank)
        return newest, "newest spec-kit feature under specs/"
    return None


def _from_feature_json(project_dir: Path, path: Path) -> Path | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    values = (
        [data]
        if isinstance(data, str)
        else ([data.get(key) for key in _FEATURE_KEYS] if isinstance(data, dict) else [])
    )
    for value in values:
        if not isinstance(value, str) or not value:
            continue
        for candidate in (project_dir / value, project_dir / "specs" / value):
            if candidate.is_file() and candidate.name.endswith(".md"):
                return candidate
            if (candidate / "tasks.md").is_file():
                return candidate / "tasks.md"
    return None


def _named_feature(specs: Path, name: str) -> Path:
    """``specs/<name>/tasks.md`` for ``SPECIFY_FEATURE``, which names the feature on purpose:
    a name that matches nothing is an error, never a silent fall-back to another plan."""
    folder = _feature_folder(specs, name)
    if folder is None:
        known = sorted(p.name for p in specs.iterdir() if p.is_dir()) if specs.is_dir() else []
        listed = f"features here: {', '.join(known)}" if known else "there is no specs/ folder"
        raise PlanError(
            f"SPECIFY_FEATURE={name!r} names no feature under specs/",
            hint=f"{listed}; set SPECIFY_FEATURE to one of them, unset it, or pass a plan file",
        )
    tasks = folder / "tasks.md"
    if not tasks.is_file():
        raise PlanError(
            f"SPECIFY_FEATURE={name!r}: {tasks.relative_to(specs.parent)} does not exist",
            hint="generate it with spec-kit's /speckit.tasks, or pass a plan file",
        )
    return tasks


def _feature_folder(specs: Path, name: str) -> Path | None:
    """``specs/<name>``, else the one folder sharing its number prefix (``004-x`` finds
    ``specs/004-y``), as spec-kit's own scripts resolve a feature."""
    if "/" in name or name in (".", ".."):
        return None
    exact = specs / name
    if exact.is_dir():
        return exact
    number = _number(name)
    if number is None or not specs.is_dir():
        return None
    same = [p for p in specs.iterdir() if p.is_dir() and _number(p.name) == number]
    return same[0] if len(same) == 1 else None


def _number(name: str) -> str | None:
    match = _NUMBERED.match(name)
    return match.group(1) if match else None


def _git_branch(project_dir: Path) -> str | None:
    """The checked-out branch, read through git (a worktree's ``.git`` is a file)."""
    from orch.vcs.repo import current_branch  # GitPython only when there is no feature.json

    return current_branch(project_dir)


def _feature_rank(tasks_md: Path) -> tuple[int, float]:
    match = _NUMBERED.match(tasks_md.parent.name)
    number = int(match.group(1)) if match else -1
    return number, tasks_md.stat().st_mtime


def _rel(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)
