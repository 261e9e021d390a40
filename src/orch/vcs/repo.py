"""Open and inspect a git repository: the thin layer over GitPython the rest of ``vcs`` uses.

Every git command goes through :meth:`GitRepo.run`, GitPython's command wrapper, because
shelling out to git is both the fastest and the most faithful way to get git's own semantics
(``git add -A`` honours every ignore rule, ``git reset --hard`` every attribute). Failures become
a one-line :class:`~orch.errors.VcsError`.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git
from git.exc import GitCommandError, InvalidGitRepositoryError, NoSuchPathError

from orch.errors import VcsError
from orch.secrets import default_redactor
from orch.store.layout import ORCH_DIR

Warn = Callable[[str], None]

ORCH_IDENTITY = ("orch", "orch@localhost")
"""Author and committer of orch's commits where git has no user identity configured."""

_IN_PROGRESS = (
    ("MERGE_HEAD", "a merge", "finish it with `git commit` or abort it with `git merge --abort`"),
    ("rebase-merge", "a rebase", "finish it with `git rebase --continue` or `git rebase --abort`"),
    ("rebase-apply", "a rebase", "finish it with `git rebase --continue` or `git rebase --abort`"),
    ("CHERRY_PICK_HEAD", "a cherry-pick",
     "finish it with `git cherry-pick --continue` or `git cherry-pick --abort`"),
    ("REVERT_HEAD", "a revert", "finish it with `git revert --continue` or `git revert --abort`"),
    ("BISECT_LOG", "a bisect", "end it with `git bisect reset`"),
)
_TRAILER = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*):\s*(.*)$")
_ANNOUNCED: set[str] = set()
_LOCK_ERROR = re.compile(r"Unable to create '([^']+\.lock)': File exists")


def lock_hint(message: str) -> str | None:
    """The remedy for a git failure caused by a lock file, or ``None``."""
    match = _LOCK_ERROR.search(message)
    if match is None:
        return None
    return (f"a git command is running in this repository, or one was killed: if no git is "
            f"running, delete {match.group(1)} and run `orch resume`")


@dataclass(frozen=True)
class CommitInfo:
    """One commit as ``git log`` reports it."""

    sha: str
    parents: tuple[str, ...]
    message: str
    committed: int = 0
    """Committer time, seconds since the epoch."""

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]

    @property
    def trailers(self) -> dict[str, str]:
        return parse_trailers(self.message)


def parse_trailers(message: str) -> dict[str, str]:
    """The ``Key: value`` trailers of the last paragraph of a commit message."""
    paragraphs = [p for p in re.split(r"\n\s*\n", message.strip()) if p.strip()]
    if len(paragraphs) < 2:
        return {}
    found: dict[str, str] = {}
    for line in paragraphs[-1].splitlines():
        match = _TRAILER.match(line.strip())
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


def current_branch(project_dir: Path) -> str | None:
    """The short name of the branch checked out in ``project_dir`` (a linked worktree
    included); ``None`` outside git or on a detached HEAD."""
    try:
        repo = git.Repo(project_dir, search_parent_directories=True)
        if repo.head.is_detached:
            return None
        path = str(repo.head.reference.path)
    except (InvalidGitRepositoryError, NoSuchPathError, ValueError, TypeError):
        return None
    prefix = "refs/heads/"
    return path[len(prefix):] if path.startswith(prefix) else None


def find_repo(project_dir: Path, *, warn: Warn | None = None) -> GitRepo | None:
    """The repository ``project_dir`` belongs to, or ``None`` when it is not inside one."""
    try:
        repo = git.Repo(project_dir, search_parent_directories=True)
    except (InvalidGitRepositoryError, NoSuchPathError):
        return None
    if repo.bare or repo.working_tree_dir is None:
        raise VcsError(f"{project_dir} is inside a bare git repository",
                       hint="run orch in a working tree")
    return GitRepo(repo, project_dir, warn=warn)


def open_repo(project_dir: Path, *, warn: Warn | None = None) -> GitRepo:
    """Like :func:`find_repo`, but a directory outside git is a :class:`VcsError`."""
    found = find_repo(project_dir, warn=warn)
    if found is None:
        raise VcsError(f"{project_dir} is not a git repository: checkpoints and rollback need git",
                       hint="`git init` it, or run `orch run --yes` to let orch do it")
    return found


def init_repo(project_dir: Path, *, warn: Warn | None = None) -> GitRepo:
    """``git init`` ``project_dir`` and open it."""
    try:
        repo = git.Repo.init(project_dir)
    except GitCommandError as exc:
        raise VcsError(f"git init failed: {_last_line(exc)}") from None
    return GitRepo(repo, project_dir, warn=warn)


class GitRepo:
    """A working tree plus the handful of questions and commands orch needs."""

    def __init__(self, repo: git.Repo, project_dir: Path, *, warn: Warn | None = None) -> None:
        self.repo = repo
        self.root = Path(str(repo.working_tree_dir)).resolve()
        self.git_dir = Path(repo.git_dir)
        self.project_dir = project_dir.resolve()
        self._warn = warn
        self._identity: dict[str, str] | None = None
        orch_dir = os.path.relpath(self.project_dir / ORCH_DIR, self.root).replace(os.sep, "/")
        self.orch_exclude = f":(top,exclude){orch_dir}"
        """A pathspec that leaves orch's bookkeeping out of status, clean and friends."""

    # -- running git -------------------------------------------------------------------------

    def run(self, *args: str, env: dict[str, str] | None = None, strip: bool = True,
            istream: Any = None, stdin_bytes: bytes | None = None) -> str:
        """Run ``git ARGS`` in the working tree; its stdout, or a :class:`VcsError`."""
        if stdin_bytes is not None:
            with tempfile.TemporaryFile() as stdin:
                stdin.write(stdin_bytes)
                stdin.seek(0)
                return self.run(*args, env=env, strip=strip, istream=stdin)
        try:
            out = self.repo.git.execute(
                ["git", *args], env=env, istream=istream, strip_newline_in_stdout=strip)
        except GitCommandError as exc:
            message = _last_line(exc)
            raise VcsError(f"git {args[0]} failed: {message}", hint=lock_hint(message)) from None
        return str(out)

    def blob_bytes(self, sha: str) -> bytes:
        """The raw content of blob ``sha``."""
        try:
            out = self.repo.git.execute(["git", "cat-file", "blob", sha], stdout_as_string=False,
                                        strip_newline_in_stdout=False)
        except GitCommandError as exc:
            raise VcsError(f"git cat-file failed: {_last_line(exc)}") from None
        return bytes(out)

    def config_value(self, key: str) -> str:
        """``git config --get KEY``, or ``""`` when it is not set."""
        try:
            return str(self.repo.git.execute(["git", "config", "--get", key])).strip()
        except GitCommandError:
            return ""

    def ok(self, *args: str) -> bool:
        """Whether ``git ARGS`` exits 0 (for predicates like ``merge-base --is-ancestor``)."""
        try:
            self.repo.git.execute(["git", *args])
        except GitCommandError:
            return False
        return True

    # -- inspecting --------------------------------------------------------------------------

    def head_sha(self) -> str | None:
        """The commit HEAD points at; ``None`` in a repository without commits."""
        try:
            return str(git.SymbolicReference.dereference_recursive(self.repo, "HEAD"))
        except (ValueError, OSError):
            return self.resolve("HEAD")

    def resolve(self, rev: str) -> str | None:
        """The commit ``rev`` names, or ``None``."""
        try:
            out = self.repo.git.execute(["git", "rev-parse", "--verify", "-q", f"{rev}^{{commit}}"])
        except GitCommandError:
            return None
        return str(out).strip() or None

    def branch_ref(self) -> str | None:
        """``refs/heads/NAME`` of the checked-out branch; ``None`` when HEAD is detached."""
        if self.repo.head.is_detached:
            return None
        return str(self.repo.head.reference.path)

    def operation_in_progress(self) -> tuple[str, str] | None:
        """``(what, hint)`` when a merge, rebase, cherry-pick, revert or bisect is under way."""
        for marker, what, hint in _IN_PROGRESS:
            if (self.git_dir / marker).exists():
                return what, hint
        return None

    def check_workable(self, action: str) -> None:
        """Refuse (``VcsError``) a detached HEAD or an operation in progress."""
        busy = self.operation_in_progress()
        if busy:
            raise VcsError(f"{busy[0]} is in progress in {self.root}; orch cannot {action}",
                           hint=busy[1])
        if self.repo.head.is_detached:
            head = (self.head_sha() or "")[:10]
            raise VcsError(f"HEAD is detached (at {head}); orch cannot {action} without a branch",
                           hint="check out a branch first, e.g. `git switch -c orch-work`")

    def dirty_paths(self, *, excluding: tuple[str, ...] = (), only: tuple[str, ...] = ()
                    ) -> list[str]:
        """Staged, unstaged and untracked (not ignored) paths; orch's own files never count.
        ``excluding``/``only`` are repository-relative paths to leave out / to look at alone."""
        specs = [f":(top,literal){path}" for path in only] if only else [":/", self.orch_exclude]
        specs += [f":(top,exclude,literal){path}" for path in excluding]
        out = self.run("status", "--porcelain=v1", "-z", "--no-renames",
                       "--untracked-files=normal", "--", *specs, strip=False)
        return [entry[3:] for entry in out.split("\0") if len(entry) > 3]

    def commit_paths(self, paths: list[str], message: str) -> str:
        """Commit exactly ``paths`` (repository-relative), whatever else is staged or not."""
        tops = [f":(top,literal){path}" for path in paths]
        self.run("add", "--", *tops)
        self.run("commit", "-q", "--only", "--no-verify", "--cleanup=strip", "-m",
                 default_redactor()(message), "--", *tops, env=self.identity_env() or None)
        sha = self.head_sha()
        if sha is None:
            raise VcsError("git commit made no commit")
        return sha

    def relative(self, path: Path) -> str | None:
        """``path`` relative to the repository root (``/`` separated), ``None`` outside it."""
        try:
            return path.resolve().relative_to(self.root).as_posix()  # root: resolved at init
        except ValueError:
            return None

    def log(self, *revs: str, limit: int | None = None) -> list[CommitInfo]:
        """Commits of ``git log REVS`` (newest first)."""
        args = ["log", "--format=%H %ct %P%x00%B%x00"]
        if limit is not None:
            args.append(f"-n{limit}")
        out = self.run(*args, *revs, "--", strip=False)
        parts = out.split("\0")
        commits = []
        for header, message in zip(parts[0::2], parts[1::2], strict=False):
            ids = header.strip().split()
            if len(ids) >= 2:
                commits.append(CommitInfo(ids[0], tuple(ids[2:]), message.strip(), int(ids[1])))
        return commits

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Whether ``ancestor`` is reachable from ``descendant`` (or the same commit)."""
        return self.ok("merge-base", "--is-ancestor", ancestor, descendant)

    def ref_sha(self, ref: str) -> str | None:
        """The commit a ref points at, or ``None`` when the ref does not exist."""
        if not ref.startswith("refs/"):
            return None
        try:
            return str(git.SymbolicReference.dereference_recursive(self.repo, ref))
        except (ValueError, OSError):
            return None

    # -- writing -----------------------------------------------------------------------------

    def identity_env(self) -> dict[str, str]:
        """Environment for orch's commits: empty when git has a user identity, else orch's.

        A configured identity (``user.*``/``author.*``/``committer.*`` config or the
        ``GIT_AUTHOR_*``/``GIT_COMMITTER_*``/``EMAIL`` variables) is always respected; only the
        missing role falls back to ``orch <orch@localhost>``, announced once per repository.
        """
        if self._identity is not None:
            return self._identity
        try:
            listed = str(self.repo.git.execute(
                ["git", "config", "--get-regexp", r"^(user|author|committer)\.(name|email)$"]))
        except GitCommandError:
            listed = ""
        config = {line.split(" ", 1)[0].lower() for line in listed.splitlines() if " " in line}
        env: dict[str, str] = {}
        for role in ("author", "committer"):
            upper = role.upper()
            has_name = bool(os.environ.get(f"GIT_{upper}_NAME")) or bool(
                {f"{role}.name", "user.name"} & config)
            has_email = bool(os.environ.get(f"GIT_{upper}_EMAIL") or os.environ.get("EMAIL")) or \
                bool({f"{role}.email", "user.email"} & config)
            if not (has_name and has_email):
                env[f"GIT_{upper}_NAME"], env[f"GIT_{upper}_EMAIL"] = ORCH_IDENTITY
        if env and str(self.root) not in _ANNOUNCED and self._warn is not None:
            _ANNOUNCED.add(str(self.root))
            self._warn("git has no user identity configured here; orch's commits use "
                       "`orch <orch@localhost>` (set user.name and user.email to use yours)")
        self._identity = env
        return env

    def commit_all(self, message: str) -> str:
        """``git add -A`` then commit (empty allowed, hooks skipped); the new commit's sha."""
        self.run("add", "-A")
        self.run("commit", "-q", "--allow-empty", "--no-verify", "--cleanup=strip", "-m",
                 default_redactor()(message), env=self.identity_env() or None)
        sha = self.head_sha()
        if sha is None:
            raise VcsError("git commit made no commit")
        return sha

    def commit_all_except(self, message: str, excluded: list[str]) -> str:
        """:meth:`commit_all` leaving ``excluded`` (repository-relative paths) as they are, in
        the working tree and in the index."""
        specs = [":/", *(f":(top,exclude,literal){path}" for path in excluded)]
        self.run("add", "-A", "--", *specs)
        self.run("commit", "-q", "--allow-empty", "--no-verify", "--cleanup=strip", "-m",
                 default_redactor()(message), "--only", "--", *specs,
                 env=self.identity_env() or None)
        sha = self.head_sha()
        if sha is None:
            raise VcsError("git commit made no commit")
        return sha

    def commit_tree(self, tree: str, parents: list[str], message: str) -> str:
        """A commit object (no ref moved) with ``tree``, ``parents`` and ``message``."""
        args = ["commit-tree", tree]
        for parent in parents:
            args += ["-p", parent]
        return self.run(*args, "-m", message, env=self.identity_env() or None).strip()

    def empty_tree(self) -> str:
        """The id of the empty tree (written to the object database)."""
        with open(os.devnull, "rb") as empty:
            return self.run("hash-object", "-t", "tree", "-w", "--stdin", istream=empty).strip()

    def update_ref(self, ref: str, sha: str, message: str = "orch") -> None:
        """Point ``ref`` at ``sha`` (with a reflog entry)."""
        self.run("update-ref", "-m", default_redactor()(message), ref, sha)

    def delete_ref(self, ref: str) -> None:
        """Delete ``ref`` if it exists."""
        if self.ref_sha(ref) is not None:
            self.run("update-ref", "-d", ref)


def _last_line(exc: GitCommandError) -> str:
    text = str(exc.stderr or exc.stdout or exc).strip()
    lines = [line.strip().removeprefix("stderr: ").strip("'") for line in text.splitlines()
             if line.strip()]
    marked = [line for line in lines if line.startswith(("fatal:", "error:"))]
    message = (marked or lines or [str(exc.status)])[-1]
    return message.removeprefix("stderr: ").strip("'").strip()
