"""The merge queue's object and ref writes, in-process through libgit2 (pygit2) where it can.

A lane's life writes a handful of commits and refs (the base commit, the task's commit and
branch, the merge's "ours" commit, the integration commits and their ref, the branch's
deletion) and reads its plan from the base. Each was a git process; on a busy machine a
process costs tens of milliseconds, and most of these sit on the merge queue's one thread.
None of them needs git's porcelain (no ignore rules, filters or checkout): a commit object is a
commit object, a ref update is a locked file write that libgit2 does exactly as git does
(``refs/<name>.lock``, the reflog where ``core.logAllRefUpdates`` asks for one, packed refs).

Commits carry git's own identity: ``git var GIT_AUTHOR_IDENT``/``GIT_COMMITTER_IDENT`` is asked
once (with orch's fallback identity where git has none) and stamped with the current time, or
with the fixed dates ``GIT_AUTHOR_DATE``/``GIT_COMMITTER_DATE`` set. Where libgit2 cannot stand
in (pygit2 missing, a repository it cannot open, environment pointing git elsewhere) every call
runs git, as before.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from orch.errors import VcsError
from orch.secrets import default_redactor

if TYPE_CHECKING:
    import pygit2

    from orch.vcs.repo import GitRepo

_ELSEWHERE_ENV = ("GIT_DIR", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY",
                  "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_REPLACE_REF_BASE")
"""Environment under which git reads or writes another object store or ref namespace."""
_IDENT = re.compile(r"^(.*) <(.*)> (\d+) ([+-])(\d\d)(\d\d)$")


class LaneGit:
    """Commits, refs and blobs of one repository, for the lanes and the merge queue.

    Safe to call from the lanes' threads and the queue's at once (one lock around libgit2)."""

    def __init__(self, repo: GitRepo) -> None:
        self.repo = repo
        self._lock = threading.Lock()
        self._opened = False
        self._lib: pygit2.Repository | None = None
        self._signatures: tuple[pygit2.Signature, pygit2.Signature, bool, bool] | None = None

    # -- libgit2, or not -----------------------------------------------------------------------

    def _open(self) -> pygit2.Repository | None:
        if self._opened:
            return self._lib
        self._opened = True
        lib = _repository(self.repo.root)
        if lib is None:
            return None
        import pygit2

        try:
            if Path(lib.path).resolve() != self.repo.git_dir.resolve():
                return None
            self._signatures = self._identity()
        except (pygit2.GitError, VcsError, KeyError, ValueError, OSError):
            return None
        self._lib = lib
        return lib

    def _identity(self) -> tuple[pygit2.Signature, pygit2.Signature, bool, bool]:
        """Author and committer as git would write them, and whether each date is fixed."""
        import pygit2

        env = {**os.environ, **self.repo.identity_env()}
        found = []
        for role in ("AUTHOR", "COMMITTER"):
            ident = subprocess.run(["git", "var", f"GIT_{role}_IDENT"], cwd=self.repo.root,
                                   env=env, capture_output=True, text=True)
            match = _IDENT.match(ident.stdout.strip())
            if ident.returncode != 0 or match is None:
                raise VcsError(f"git var GIT_{role}_IDENT failed")
            name, email, when, sign, hours, minutes = match.groups()
            offset = (int(hours) * 60 + int(minutes)) * (-1 if sign == "-" else 1)
            found.append(pygit2.Signature(name, email, int(when), offset))
        return (found[0], found[1], bool(env.get("GIT_AUTHOR_DATE")),
                bool(env.get("GIT_COMMITTER_DATE")))

    def _now(self) -> tuple[pygit2.Signature, pygit2.Signature]:
        import pygit2

        assert self._signatures is not None
        author, committer, author_fixed, committer_fixed = self._signatures
        return (author if author_fixed else pygit2.Signature(author.name, author.email),
                committer if committer_fixed else pygit2.Signature(committer.name,
                                                                   committer.email))

    # -- the calls -----------------------------------------------------------------------------

    def commit(self, tree: str, parents: list[str], message: str) -> str:
        """A commit object (no ref moved), as ``git commit-tree TREE -p ... -m MESSAGE``."""
        with self._lock:
            lib = self._open()
            if lib is not None:
                import pygit2

                try:
                    author, committer = self._now()
                    return str(lib.create_commit(
                        None, author, committer, _message(message), pygit2.Oid(hex=tree),
                        [pygit2.Oid(hex=parent) for parent in parents]))
                except (pygit2.GitError, KeyError, ValueError):
                    pass  # git does it, or says why in its words
        return self.repo.commit_tree(tree, parents, message)

    def update_ref(self, ref: str, sha: str, message: str = "orch") -> None:
        """Point ``ref`` at ``sha`` (reflog as git keeps one), as ``git update-ref -m``."""
        with self._lock:
            lib = self._open()
            if lib is not None:
                import pygit2

                try:
                    lib.create_reference_direct(ref, pygit2.Oid(hex=sha), True,
                                                message=default_redactor()(message))
                    return
                except (pygit2.GitError, KeyError, ValueError):
                    pass
        self.repo.update_ref(ref, sha, message)

    def delete_ref(self, ref: str) -> None:
        """Delete ``ref`` if it exists."""
        with self._lock:
            lib = self._open()
            # git takes packed-refs.lock for every deletion and libgit2 only for packed refs:
            # a lock file there (a killed git's) is git's to report, as it always has been.
            if lib is not None and not (self._common_dir() / "packed-refs.lock").exists():
                import pygit2

                try:
                    if lib.references.get(ref) is not None:
                        lib.references.delete(ref)
                    return
                except (pygit2.GitError, KeyError, ValueError):
                    pass
        self.repo.delete_ref(ref)

    def _common_dir(self) -> Path:
        """Where refs shared by all worktrees live (``commondir`` of a linked worktree)."""
        pointer = self.repo.git_dir / "commondir"
        try:
            common = Path(pointer.read_text().strip())
        except OSError:
            return self.repo.git_dir
        return common if common.is_absolute() else self.repo.git_dir / common

    def tree_of(self, commit: str) -> str | None:
        """The tree id of ``commit`` (``None`` when libgit2 is not in use or it is missing)."""
        with self._lock:
            lib = self._open()
            if lib is None:
                return None
            import pygit2

            try:
                found = lib[commit]
                return str(found.tree_id) if isinstance(found, pygit2.Commit) else None
            except (pygit2.GitError, KeyError, ValueError):
                return None

    def show(self, commit: str, rel: str) -> str | None:
        """The text of file ``rel`` (root-relative) in ``commit``; ``None`` when libgit2 is not
        in use (ask git). :class:`VcsError` when the commit has no such file."""
        with self._lock:
            lib = self._open()
            if lib is None:
                return None
            import pygit2

            try:
                blob = lib.revparse_single(f"{commit}:{rel}")
            except (pygit2.GitError, KeyError, ValueError):
                raise VcsError(f"{rel} is not in {commit[:10]}") from None
            if not isinstance(blob, pygit2.Blob):
                raise VcsError(f"{rel} is not a file in {commit[:10]}")
            data = blob.data
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise VcsError(f"{rel} is not UTF-8 text") from None


def detach_head(worktree: Path) -> bool:
    """Detach the worktree's HEAD at the commit it is on (``git update-ref --no-deref HEAD
    HEAD``); whether libgit2 did it (else ask git)."""
    lib = _repository(worktree)
    if lib is None:
        return False
    import pygit2

    try:
        if not lib.head_is_detached:
            lib.set_head(lib.head.target)
        return True
    except (pygit2.GitError, KeyError, ValueError, OSError):
        return False


def gitlinks(worktree: Path) -> list[str] | None:
    """Paths the worktree's index records as commits (``git init``-ed repositories), or
    ``None`` where libgit2 cannot read its index (ask git)."""
    lib = _repository(worktree)
    if lib is None:
        return None
    import pygit2

    try:
        index = lib.index
        return [entry.path for entry in index if entry.mode == pygit2.enums.FileMode.COMMIT]
    except (pygit2.GitError, KeyError, ValueError, OSError):
        return None


def _repository(path: Path) -> pygit2.Repository | None:
    """libgit2's view of the repository at ``path``, or ``None`` where git must answer: an
    environment pointing git elsewhere, pygit2 missing, or a repository libgit2 cannot open."""
    if any(os.environ.get(name) for name in _ELSEWHERE_ENV):
        return None
    try:
        import pygit2
    except ImportError:
        return None
    try:
        return pygit2.Repository(str(path))
    except (pygit2.GitError, KeyError, ValueError, OSError):
        return None


def _message(message: str) -> str:
    """The message as ``commit-tree -m`` stores it: one trailing newline."""
    return message.rstrip("\n") + "\n"
