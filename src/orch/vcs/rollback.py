"""The git side of ``orch rollback``: what moving a branch back to a commit would drop, and the
moves themselves (docs/rollback.md).

The use case (the project lock, the rollback journal, rewinding the run state) is
:mod:`orch.runner.rollback`; the functions here only read and change the repository.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from orch.errors import VcsError
from orch.vcs.backup import Changes, changes_to, reset_hard, restore_backup
from orch.vcs.repo import CommitInfo, GitRepo
from orch.vcs.worktree import IndexFlags


@dataclass
class Descent:
    """What resetting the branch from ``head`` to ``target`` would drop and change."""

    target: str
    head: str
    commits: list[CommitInfo]
    """Commits the branch would drop (newest first); all stay reachable from the backup ref."""
    foreign: list[CommitInfo]
    """Of those, commits not made by orch (no ``Orch-Run`` trailer) or merges."""
    pushed: int
    off_branch: bool
    changes: Changes


def descent_to(repo: GitRepo, commit: str) -> Descent | None:
    """What going back to ``commit`` would drop; None when the commit is not in the repository."""
    target = repo.resolve(commit)
    if target is None:
        return None
    head = repo.head_sha() or target
    commits = repo.log(head, f"^{target}")
    return Descent(
        target=target, head=head, commits=commits,
        foreign=[c for c in commits if "Orch-Run" not in c.trailers or len(c.parents) > 1],
        pushed=_pushed(repo, head, target, commits),
        off_branch=not repo.is_ancestor(target, head), changes=changes_to(repo, target))


def resumed_descent(repo: GitRepo, target: str) -> Descent:
    """The rest of a descent to ``target`` that was interrupted (already judged safe then)."""
    head = repo.head_sha() or target
    return Descent(target=target, head=head, commits=repo.log(head, f"^{target}"), foreign=[],
                   pushed=0, off_branch=False, changes=changes_to(repo, target))


def present_refs(repo: GitRepo, refs: Iterable[str | None]) -> dict[str, str]:
    """Those of ``refs`` that exist, with the commit each points at."""
    found: dict[str, str] = {}
    for ref in refs:
        sha = repo.ref_sha(ref) if ref else None
        if ref and sha:
            found[ref] = sha
    return found


def descend(repo: GitRepo, target: str, flags: IndexFlags, drop_refs: Iterable[str]) -> None:
    """Delete ``drop_refs`` and reset branch, index and tree to ``target`` (idempotent)."""
    for ref in drop_refs:
        repo.delete_ref(ref)
    reset_hard(repo, target, flags)


def restore(repo: GitRepo, *, head: str, branch: str | None, index_tree: str, tree: str,
            flags: IndexFlags, modes: dict[str, int], refs: dict[str, str]) -> None:
    """Put HEAD, branch, index, working tree and the refs ``refs`` back as a backup saved them."""
    restore_backup(repo, head=head, branch=branch, index_tree=index_tree, tree=tree,
                   flags=flags, modes=modes)
    for ref, sha in refs.items():
        repo.update_ref(ref, sha, "orch: rollback --undo")


def check_no_operation(repo: GitRepo, doing: str) -> None:
    """Refuse (``VcsError``) while a merge, rebase or the like is in progress."""
    busy = repo.operation_in_progress()
    if busy:
        raise VcsError(f"{busy[0]} is in progress; orch will not {doing} on top of it",
                       hint=busy[1])


def _pushed(repo: GitRepo, head: str, target: str, commits: list[CommitInfo]) -> int:
    """How many of ``commits`` are on a remote-tracking branch already."""
    if not commits or not repo.run("for-each-ref", "--count=1", "refs/remotes"):
        return 0
    unpushed = int(repo.run("rev-list", "--count", head, f"^{target}", "--not", "--remotes"))
    return len(commits) - unpushed
