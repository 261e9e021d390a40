"""Start-of-run rules for the repository (docs/rollback.md): what ``orch run`` accepts or fixes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from orch.errors import SafetyError, VcsError
from orch.store.layout import Layout
from orch.text import plural
from orch.vcs.repo import GitRepo, Warn, find_repo, init_repo
from orch.vcs.speckit_state import ignore_speckit_state, rules_file, speckit_state_paths

SHOWN_PATHS = 10
"""How many dirty paths a refusal lists before "and N more"."""


def prepare_repository(project_dir: Path, *, allow_dirty: bool, assume_yes: bool, resuming: bool,
                       warn: Warn, own_files: tuple[Path, ...] = ()) -> bool:
    """Check (and where agreed, fix) the repository before a run; whether checkpoints are possible.

    - Not a git repository: with ``assume_yes`` orch runs ``git init`` and commits the existing
      files as ``orch: initial commit``; otherwise it warns that rollback is unavailable and
      returns ``False`` (the run goes on without checkpoints).
    - An empty repository gets an empty ``orch: initial commit`` (announced through ``warn``),
      so checkpoints have a parent; staged or untracked files then count as dirty.
    - Detached HEAD or a merge/rebase/cherry-pick/revert/bisect in progress: :class:`VcsError`.
    - Uncommitted changes (staged, unstaged, untracked and not ignored): allowed when
      ``resuming`` (they are the interrupted task's partial work); otherwise a
      :class:`SafetyError` listing them, unless ``allow_dirty``, which first commits them as
      ``orch: baseline``. orch's own files under ``.specify/orch`` never count.
    - ``own_files`` (the plan being run, the config) never count either: when they are new or
      changed, orch first commits exactly them as ``orch: plan``, so ``orch init`` and
      ``orch plan`` followed by ``orch run`` work, and a rollback can never take the plan away.
    """
    layout = Layout(project_dir)
    repo = find_repo(project_dir, warn=warn)
    if repo is None:
        if not assume_yes:
            warn(f"{project_dir} is not a git repository: this run makes no checkpoints and "
                 "cannot be rolled back (rerun with --yes to let orch `git init` it)")
            return False
        layout.ensure_ignored()
        ignore_speckit_state(project_dir, "")
        repo = init_repo(project_dir, warn=warn)
        repo.commit_all("orch: initial commit\n\nThe project as it was before orch's first run.")
        warn(f"initialised a git repository in {project_dir} and committed its files "
             "as `orch: initial commit`")
        return True
    layout.ensure_ignored()
    ignore_speckit_state(project_dir, _inside(repo, project_dir))
    busy = repo.operation_in_progress()
    if busy:
        raise VcsError(f"{busy[0]} is in progress; orch will not run on top of it", hint=busy[1])
    if repo.head_sha() is None:
        _initial_commit(repo)
        warn("the repository had no commits: orch made an empty `orch: initial commit`")
    elif repo.branch_ref() is None:
        raise VcsError(f"HEAD is detached (at {(repo.head_sha() or '')[:10]}): checkpoints "
                       "need a branch", hint="check out a branch first, e.g. `git switch -c work`")
    if resuming:
        return True
    own_files = (*own_files, *rules_file(project_dir))
    own = tuple(path for path in (repo.relative(f) for f in own_files if f.exists()) if path)
    dirty = repo.dirty_paths(excluding=own)
    if not dirty:
        _commit_own_files(repo, own, warn)
        return True
    if not allow_dirty:
        redirected = _redirect_targets(repo.root, dirty)
        if redirected:
            name = redirected[0]
            raise SafetyError(
                f"the working tree has uncommitted changes: {describe_paths(dirty)}",
                hint=f"{name} is this command's own output: the shell created it (`> {name}`) "
                     f"before orch started; redirect outside the tree, e.g. `> ../{name}` or "
                     f"`> /tmp/{Path(name).name}`")
        raise SafetyError(
            f"the working tree has uncommitted changes: {describe_paths(dirty)}"
            f"{_speckit_note(dirty, _inside(repo, project_dir))}",
            hint="commit or stash them, or pass --allow-dirty to commit them as `orch: baseline`")
    repo.commit_all("orch: baseline\n\nUncommitted changes found when the run started "
                    "(--allow-dirty).")
    warn(f"committed {plural(len(dirty), 'uncommitted path')} as `orch: baseline` (--allow-dirty)")
    return True


def _inside(repo: GitRepo, project_dir: Path) -> str:
    """The project's path inside the repository, ``""`` at its root."""
    relative = repo.relative(project_dir)
    return "" if relative in (None, ".") else relative


def _speckit_note(dirty: list[str], prefix: str) -> str:
    """Names spec-kit's own files among the dirty paths: they count only when git tracks them."""
    state = speckit_state_paths(dirty, prefix)
    if not state:
        return ""
    return (f" ({describe_paths(state, 3)} {'is' if len(state) == 1 else 'are'} spec-kit's "
            "run state, tracked by git: `git rm -r --cached` them and orch ignores them)")
def _redirect_targets(root: Path, dirty: list[str]) -> list[str]:
    """The dirty paths that are this process's stdout or stderr (``orch run --json > x``)."""
    streams = set()
    for fd in (1, 2):
        try:
            info = os.fstat(fd)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            streams.add((info.st_dev, info.st_ino))
    found = []
    for path in dirty:
        try:
            info = os.stat(root / path)
        except OSError:
            continue
        if (info.st_dev, info.st_ino) in streams:
            found.append(path)
    return found


def _commit_own_files(repo: GitRepo, own: tuple[str, ...], warn: Warn) -> None:
    """Commit the plan and config alone when they have uncommitted changes."""
    changed = repo.dirty_paths(only=own) if own else []
    if not changed:
        return
    repo.commit_paths(list(own), "orch: plan\n\nThe plan and configuration as the run "
                      "started (new or changed since the last commit).")
    warn(f"committed {describe_paths(changed)} as `orch: plan` before the run")


def describe_paths(paths: list[str], shown: int = SHOWN_PATHS) -> str:
    """``a, b, c`` — the first ``shown`` paths, then ``and N more``."""
    text = ", ".join(paths[:shown])
    if len(paths) > shown:
        text += f" and {len(paths) - shown} more"
    return text


def _initial_commit(repo: GitRepo) -> None:
    """An empty root commit on the unborn branch; the index (anything staged) is left alone."""
    sha = repo.commit_tree(repo.empty_tree(), [], "orch: initial commit")
    repo.update_ref("HEAD", sha, "orch: initial commit")
