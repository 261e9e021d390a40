"""Finding the plan when ``orch run`` is given none: the current spec-kit feature's tasks.md."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from orch.errors import PlanError

_FEATURE_KEYS = ("feature_directory", "feature_dir", "directory", "path", "feature", "tasks")
_NUMBERED = re.compile(r"^(\d+)")


def find_default_plan(project_dir: Path) -> tuple[Path, str]:
    """The plan to run and a one-line note on why it was chosen.

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
    env_feature = os.environ.get("SPECIFY_FEATURE")
    if env_feature and (specs / env_feature / "tasks.md").is_file():
        return specs / env_feature / "tasks.md", "current spec-kit feature from SPECIFY_FEATURE"
    branch = _git_branch(project_dir)
    if branch and (specs / branch / "tasks.md").is_file():
        return specs / branch / "tasks.md", f"spec-kit feature of git branch {branch!r}"
    candidates = sorted(specs.glob("*/tasks.md")) if specs.is_dir() else []
    if candidates:
        newest = max(candidates, key=_feature_rank)
        return newest, "newest spec-kit feature under specs/"
    raise PlanError(
        "no plan given and no spec-kit tasks.md found",
        hint="pass a plan file: `orch run PLAN.md` (try examples/quickstart/plan.md)",
    )


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


def _git_branch(project_dir: Path) -> str | None:
    head = project_dir / ".git" / "HEAD"
    try:
        text = head.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    prefix = "ref: refs/heads/"
    return text[len(prefix) :] if text.startswith(prefix) else None


def _feature_rank(tasks_md: Path) -> tuple[int, float]:
    match = _NUMBERED.match(tasks_md.parent.name)
    number = int(match.group(1)) if match else -1
    return number, tasks_md.stat().st_mtime


def _rel(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)
