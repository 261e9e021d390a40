"""What a task's worktree gets of the main tree's ignored files (config ``worktree:``).

git gives a new worktree the tracked and untracked files only; a ``.env``, a ``node_modules/``
or a ``.venv/`` the project needs are ignored, so they are not there. :class:`Provision` copies
(``copy:``) or symlinks (``link:``) them in, where the worktree has nothing at that path yet.
What it placed is never the task's work: :meth:`Provision.placed` names it so the task's commit
and the carry-back of ignored files leave it out, and :meth:`Provision.unlink` drops the links
before a worktree is removed, so nothing ever deletes through them into the main tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

COMMON_IGNORED = (".env", "node_modules", ".venv", "venv")
"""Ignored paths a task commonly needs; a parallel run names those the config does not."""
_GLOB = frozenset("*?[")
_NEVER = (".git", ".specify/orch")


@dataclass(frozen=True)
class Provision:
    """The ``worktree:`` ``copy`` and ``link`` entries: project-relative paths or globs."""

    copy: tuple[str, ...] = ()
    link: tuple[str, ...] = ()

    def place(self, main: Path, worktree: Path) -> list[str]:
        """Copy and link the entries from project ``main`` into project ``worktree``."""
        placed = []
        for rel in expand(main, self.copy):
            if _free(worktree / rel):
                _copy(main, worktree, rel)
                placed.append(rel)
        for rel in expand(main, self.link):
            if _free(worktree / rel):
                (worktree / rel).parent.mkdir(parents=True, exist_ok=True)
                (worktree / rel).symlink_to(main.absolute() / rel,
                                            target_is_directory=(main / rel).is_dir())
                placed.append(rel)
        return placed

    def placed(self, main: Path) -> list[str]:
        """Project-relative paths :meth:`place` may have put in a worktree (literal entries
        even when the main tree has lost them since)."""
        literal = [_norm(e) for e in (*self.copy, *self.link) if not _GLOB & set(e)]
        return sorted({*literal, *expand(main, self.copy), *expand(main, self.link)})

    def unlink(self, main: Path, worktree: Path) -> None:
        """Remove the symlinks placed in ``worktree`` (never what they point at)."""
        for rel in sorted({*expand(main, self.link),
                           *(_norm(e) for e in self.link if not _GLOB & set(e))}):
            path = worktree / rel
            if path.is_symlink():
                path.unlink()

    def mentions(self, rel: str) -> bool:
        """Whether a ``copy`` or ``link`` entry names ``rel`` (or a path inside it)."""
        return any(fnmatch(rel, _norm(e)) or _norm(e).startswith(f"{rel}/")
                   for e in (*self.copy, *self.link))


def expand(root: Path, patterns: tuple[str, ...]) -> list[str]:
    """The paths under ``root`` the entries name (globs expanded), orch's own left out."""
    found: list[str] = []
    for pattern in patterns:
        if _GLOB & set(pattern):
            paths = [p.relative_to(root).as_posix() for p in sorted(root.glob(pattern))]
        else:
            paths = [_norm(pattern)] if os.path.lexists(root / pattern) else []
        found += [p for p in paths if p not in found and not _orchs(p)]
    return found


def unmentioned_ignored(project_dir: Path, provision: Provision) -> list[str]:
    """The :data:`COMMON_IGNORED` paths the project has, git ignores, and the config names
    under neither ``copy`` nor ``link``: a parallel task's worktree will lack them."""
    present = [p for p in COMMON_IGNORED
               if os.path.lexists(project_dir / p) and not provision.mentions(p)]
    if not present:
        return []
    proc = subprocess.run(["git", "check-ignore", "--", *present], cwd=project_dir,
                          capture_output=True, text=True)
    ignored = {line.strip().rstrip("/") for line in proc.stdout.splitlines()}
    return [p for p in present if p in ignored]


def _norm(entry: str) -> str:
    return Path(entry).as_posix().rstrip("/")


def _orchs(rel: str) -> bool:
    return any(rel == never or rel.startswith(f"{never}/") for never in _NEVER)


def _free(path: Path) -> bool:
    return not os.path.lexists(path)


def _copy(main: Path, worktree: Path, rel: str) -> None:
    src, dst = main / rel, worktree / rel
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir() and not src.is_symlink():
        shutil.copytree(src, dst, symlinks=True)
        links = [Path(top, name) for top, dirs, files in os.walk(dst)
                 for name in (*dirs, *files) if os.path.islink(os.path.join(top, name))]
    else:
        shutil.copy2(src, dst, follow_symlinks=False)
        links = [dst] if dst.is_symlink() else []
    for link in links:
        _anchor(link, main / link.relative_to(worktree), main)


def _anchor(link: Path, original: Path, main: Path) -> None:
    """Make a copied relative symlink that led out of the project absolute: the worktree
    sits deeper than the project, so the same relative path would lead elsewhere there."""
    target = os.readlink(link)
    if os.path.isabs(target):
        return
    landing = os.path.normpath(os.path.join(main.absolute(), original.parent.relative_to(main),
                                            target))
    if os.path.commonpath([landing, main.absolute()]) != str(main.absolute()):
        link.unlink()
        link.symlink_to(landing)
