"""Task worktrees and the merge queue's git work (docs/parallel.md).

Each concurrent task runs in ``.specify/orch/worktrees/<run>/<task>/`` on branch
``orch/<run>/<task>``, made from the *integrated tree* (the main working tree, uncommitted
integrations included) at the moment it starts. Its result is one commit on that branch.
Integration is a three-way merge of that commit into the integrated tree, computed in git's
object store (``merge-tree``) and then applied to the main working tree as one patch, so a
conflict never leaves markers or half a change behind. The branch is the only copy of the
task's work until it is integrated, so it is deleted only after that.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from orch.errors import VcsError
from orch.vcs.lanegit import LaneGit, detach_head, gitlinks
from orch.vcs.provision import Provision
from orch.vcs.repo import GitRepo, lock_hint, open_repo
from orch.vcs.snapshot import WorkTree

BRANCH_PREFIX = "orch/"
PARTIAL_REF = "refs/orch/interrupted"
INTEGRATED_REF = "refs/orch/integrated"
"""``refs/orch/integrated/<run>``: the run's chain of integration commits (see
:meth:`Worktrees.commit_integration`)."""
_NO_HOOKS = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "core.hooksPath",
             "GIT_CONFIG_VALUE_0": os.devnull}
SPARE_PREFIX = ".spare-"
"""A parked worktree (its task integrated) waiting to be reused; never a task id."""
MAKING_PREFIX = ".making-"
"""``.making-<task>``: the task's worktree is being made (its lane switches or checks it out),
so what its directory holds is not the task's work yet."""
_PARKABLE = frozenset({"HEAD", "commondir", "gitdir", "index", "logs", "ORIG_HEAD",
                       "COMMIT_EDITMSG", "FETCH_HEAD", "orch-setup"})
"""What a worktree's git admin directory may hold for it to be reused: anything else is state
an agent left (a rebase, bisect, merge or cherry-pick in progress, a sparse checkout, its own
config or refs) that a checkout would not undo."""


@dataclass(frozen=True)
class Merge:
    """The outcome of merging a task's commit into the integrated tree (nothing applied yet)."""

    before_tree: str
    result_tree: str | None
    """``None`` on a conflict."""
    conflicts: str = ""


class Worktrees:
    """The worktrees and branches of one run."""

    def __init__(self, project_dir: Path, run_id: str,
                 provision: Provision | None = None) -> None:
        self.repo: GitRepo = open_repo(project_dir)
        self.provision = provision or Provision()
        self.run_id = run_id
        self.base_dir = project_dir / ".specify" / "orch" / "worktrees" / run_id
        self._rel = os.path.relpath(self.repo.project_dir, self.repo.root)
        self._tree = WorkTree(self.repo)
        self.git = LaneGit(self.repo)
        """Commits, refs and blobs without a git process where libgit2 can write them."""
        self._making_one = threading.Lock()
        """Lanes make their worktrees one at a time, in the order they were started (two
        checkouts at once are no faster, and each task still starts after the one before)."""
        self.applying = threading.Lock()
        """Held by the merge queue from journalling an integration to applying it: a lane
        that has just made its worktree starts its task after, not in between."""

    def path(self, task_id: str) -> Path:
        return self.base_dir / task_id

    def branch(self, task_id: str) -> str:
        return f"{BRANCH_PREFIX}{self.run_id}/{task_id}"

    def project_in(self, task_id: str) -> Path:
        """The project directory inside the task's worktree (the adapters' cwd and root)."""
        path = self.path(task_id)
        return path if self._rel == "." else path / self._rel

    # -- making --------------------------------------------------------------------------------

    def integrated_tree(self) -> str:
        """The main working tree as a git tree id."""
        tree = self._tree.snapshot()
        if tree is None:
            raise VcsError("cannot snapshot the working tree")
        return tree

    def base_commit(self) -> str:
        """A commit holding the integrated tree, on top of HEAD: a new worktree's start."""
        head = self.repo.head_sha()
        return self.git.commit(self.integrated_tree(), [head] if head else [],
                               "orch: integrated tree")

    def begin(self, task_id: str) -> bool:
        """Start making the task's worktree (the queue's part): mark it as being made, and move
        a parked worktree to its path; whether one was moved (:meth:`create` switches it)."""
        path = self.path(task_id)
        if path.exists():
            self.remove(task_id, keep_branch=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._making(task_id).touch()
        for spare in self._spares()[:1]:
            try:
                self.repo.run("worktree", "move", str(spare), str(path))
            except VcsError:
                self._drop(spare)
                return False
            return True
        return False

    def create(self, task_id: str, base: str, *, begun: bool | None = None) -> Path:
        """The task's worktree on its branch at ``base``, as a fresh checkout (an old one is
        replaced): the parked worktree :meth:`begin` moved there switched, else a checkout.
        The lane's part (its git commands run in the worktree); ``begun=None`` does both."""
        if begun is None:
            begun = self.begin(task_id)
        with self._making_one:
            return self._make(task_id, base, begun)

    def _make(self, task_id: str, base: str, begun: bool) -> Path:
        path = self.path(task_id)
        if not begun or not self._reuse_spare(path, self.branch(task_id), base):
            # Run from the (empty) new directory: the lane's commands run in its worktree.
            # The user's checkout hooks are for their checkouts: a failing one (git-lfs's when
            # git-lfs is not installed) must not stop a task, nor a slow one delay it.
            path.mkdir(parents=True, exist_ok=True)
            proc = subprocess.run(["git", "worktree", "add", "-q", "--force", "-B",
                                   self.branch(task_id), str(path), base], cwd=path,
                                  env={**os.environ, **_NO_HOOKS}, capture_output=True,
                                  text=True)
            if proc.returncode != 0:
                self._refuse_branch_in_the_way()
                lines = proc.stderr.strip().splitlines() or ["(no message)"]
                raise VcsError(f"git worktree failed: {lines[-1]}", hint=lock_hint(proc.stderr))
        record = self._setup_record(path)
        if record is not None:  # a reused worktree's record is its previous task's
            record.unlink(missing_ok=True)
        self.provision.place(self.repo.project_dir, self.project_in(task_id))
        self._making(task_id).unlink(missing_ok=True)
        return path

    def _making(self, task_id: str) -> Path:
        return self.base_dir / f"{MAKING_PREFIX}{task_id}"

    def made(self, task_id: str) -> bool:
        """Whether the task's worktree holds its work: it exists and is not being made (its
        directory may hold a parked worktree's files, or half a checkout)."""
        return self.path(task_id).is_dir() and not self._making(task_id).exists()

    def _placed(self) -> list[str]:
        """Root-relative paths :class:`Provision` may have placed: never the task's work."""
        return [os.path.normpath(os.path.join(self._rel, rel))
                for rel in self.provision.placed(self.repo.project_dir)]

    def _unplaced_specs(self, root: Path, base: str, env: dict[str, str]) -> list[str]:
        """Pathspecs keeping what was placed out of ``git add -A`` in the worktree ``root``.

        Ignored paths stay out by themselves (and git refuses to name them); a symlink is
        not a directory to a ``node_modules/`` rule, so it must be left out here. A path
        ``base`` tracks was not placed (the worktree had it): it stays in."""
        rels = self._placed()
        if not rels:
            return []
        tracked = self.repo.run("ls-tree", "-r", "--name-only", base, "--", *rels)
        ignored = subprocess.run(["git", "check-ignore", "--", *rels], cwd=root, env=env,
                                 capture_output=True, text=True).stdout.splitlines()
        return [f":(top,exclude,literal){rel}" for rel in rels
                if rel not in ignored and not any(
                    line == rel or line.startswith(f"{rel}/") for line in tracked.splitlines())]

    def _reuse_spare(self, path: Path, branch: str, base: str) -> bool:
        """Turn the parked worktree moved to ``path`` into one on ``branch`` at ``base``,
        exactly as a fresh one would be (tracked files as in ``base``, nothing untracked or
        ignored left); on failure it is removed.

        Checking out a whole tree costs one file write per file (0.4-0.9 s for 5,000 files on
        a busy disk); switching a parked one rewrites only the files that differ."""
        try:
            env = {**os.environ, **_NO_HOOKS}
            _git(path, "checkout", "-q", "-f", "-B", branch, base, env=env)
            _git(path, "clean", "-q", "-ffdx", env=env)
        except VcsError:
            self._drop(path)
            return False
        return True

    def _spares(self) -> list[Path]:
        if not self.base_dir.is_dir():
            return []
        return sorted(p for p in self.base_dir.iterdir() if p.name.startswith(SPARE_PREFIX))

    def _park(self, path: Path) -> bool:
        """Keep an integrated task's worktree for the next task instead of deleting it."""
        spare = self.base_dir / f"{SPARE_PREFIX}{path.name}"
        if not self._reusable(path):
            return False
        try:
            if not detach_head(path):
                _git(path, "update-ref", "--no-deref", "HEAD", "HEAD", env=dict(os.environ))
            self.repo.run("worktree", "move", str(path), str(spare))
        except VcsError:
            return False
        return True

    def _reusable(self, path: Path) -> bool:
        """Whether a checkout and a clean make the worktree as good as new: its admin directory
        holds no state beyond :data:`_PARKABLE`, no index entry is marked skip-worktree or
        assume-unchanged (``checkout -f`` keeps those bits, and ``add -A`` then passes over the
        next task's edits to those files)."""
        record = self._setup_record(path)
        try:
            if record is None or set(os.listdir(record.parent)) - _PARKABLE:
                return False
        except OSError:  # its admin directory is gone (a kill mid-move): not worth keeping
            return False
        try:
            entries = _git(path, "ls-files", "-v", "-z", env=dict(os.environ)).split("\0")
        except VcsError:
            return False
        return not any(e[:1] == "S" or e[:1].islower() for e in entries)

    def _drop(self, path: Path) -> None:
        if path.exists():
            try:
                self.repo.run("worktree", "remove", "--force", "--force", str(path))
            except VcsError:
                shutil.rmtree(path, ignore_errors=True)
        self.repo.run("worktree", "prune")

    def _refuse_branch_in_the_way(self) -> None:
        """A branch named ``orch`` (or ``orch/<run>``) blocks every ``orch/<run>/<task>``."""
        for name in ("orch", self.branch("").rstrip("/")):
            if self.repo.ref_sha(f"refs/heads/{name}"):
                raise VcsError(f"branch `{name}` exists, so task branches "
                               f"`{self.branch('<task>')}` cannot be made",
                               hint=f"rename it (`git branch -m {name} NEW-NAME`), "
                                    "or run with --jobs 1")

    def commit_task(self, task_id: str, base: str) -> str:
        """Commit everything in the task's worktree onto its branch; the commit id."""
        env = {**os.environ, **self.repo.identity_env()}
        path = self.path(task_id)
        if not path.is_dir():
            raise VcsError(f"the worktree of task {task_id} is gone: something deleted {path} "
                           "while the task ran", hint="`orch resume` runs the task again")
        with tempfile.TemporaryDirectory(prefix="orch-wt-") as tmp:
            if not self._linked(path):
                # The agent removed or replaced the worktree's .git: git would find the main
                # repository (or the agent's) there, so name ours and a private index.
                env |= {"GIT_DIR": str(self.repo.git_dir), "GIT_WORK_TREE": str(path),
                        "GIT_INDEX_FILE": str(Path(tmp) / "index")}
                _git(path, "read-tree", base, env=env)
            _git(path, "add", "-A", "--", ":/", ":(top,exclude).specify/orch",
                 *self._unplaced_specs(path, base, env), env=env)
            tree = _git(path, "write-tree", env=env)
            commit = self.git.commit(tree, [base], f"orch: task {task_id}")
            self.git.update_ref(f"refs/heads/{self.branch(task_id)}", commit)
        return commit

    def show_in(self, task_id: str, commit: str, rel: str) -> str:
        """A file of ``commit`` (root-relative ``rel``); :class:`VcsError` when it has none."""
        text = self.git.show(commit, rel)
        if text is not None:
            return text
        return _git(self.path(task_id), "show", f"{commit}:{rel}", env=dict(os.environ),
                    strip=False)

    def changes(self, commit: str) -> bool:
        """Whether a task's commit changes anything against its first parent (its base)."""
        return self.repo.run("rev-parse", f"{commit}^{{tree}}") != \
            self.repo.run("rev-parse", f"{commit}^1^{{tree}}")

    def _linked(self, path: Path) -> bool:
        """Whether ``path/.git`` still links the worktree to this repository."""
        try:
            link = (path / ".git").read_text().strip()
        except OSError:
            return False
        return link.startswith("gitdir:") and Path(link[7:].strip()).resolve().is_relative_to(
            (self.repo.git_dir / "worktrees").resolve())

    def save_partial(self, task_id: str, base: str) -> str | None:
        """Keep an interrupted worktree's work under ``refs/orch/interrupted/``; its commit
        (``None`` when there is none: no worktree, or one its lane was still making)."""
        if not self.made(task_id):
            return None
        try:
            commit = self.commit_task(task_id, base)
        except VcsError:
            return None
        self.repo.update_ref(f"{PARTIAL_REF}/{self.run_id}/{task_id}", commit)
        return commit

    def save_tree(self, task_id: str, tree: str) -> str:
        """Keep a main-tree task's interrupted work (``tree``, on top of HEAD) under
        ``refs/orch/interrupted/<run>/<task>``; the ref's name."""
        head = self.repo.head_sha()
        commit = self.repo.commit_tree(tree, [head] if head else [],
                                       f"orch: {task_id} interrupted (partial output)")
        ref = f"{PARTIAL_REF}/{self.run_id}/{task_id}"
        self.repo.update_ref(ref, commit)
        return ref

    def keep_work(self, task_id: str) -> None:
        """Commit what is in the task's worktree onto its branch, then remove the worktree."""
        tip = self.repo.ref_sha(f"refs/heads/{self.branch(task_id)}")
        if tip and self.made(task_id):
            with contextlib.suppress(VcsError):  # the branch keeps what it already holds
                self.commit_task(task_id, tip)
        self.remove(task_id, keep_branch=True)

    # -- integrating ---------------------------------------------------------------------------

    def merge(self, base: str, task_commit: str) -> Merge:
        """Three-way merge of ``base..task_commit`` into the integrated tree, in git only."""
        before = self.integrated_tree()
        base_tree, theirs = self.git.tree_of(base), self.git.tree_of(task_commit)
        if base_tree is not None and theirs is not None and base_tree in (before, theirs):
            # One side changed nothing since the base: the merge is the other side as it is.
            return Merge(before, theirs if base_tree == before else before)
        ours = self.git.commit(before, [base], "orch: integrated tree")
        proc = subprocess.run(["git", "merge-tree", "--write-tree", "--name-only", ours,
                               task_commit], cwd=self.repo.root, capture_output=True, text=True)
        lines = proc.stdout.splitlines()
        if proc.returncode == 0 and lines:
            return Merge(before, lines[0].strip())
        if proc.returncode == 1:
            return Merge(before, None, ", ".join(_conflicted(lines)) or "conflict")
        raise VcsError(f"git merge-tree failed: {proc.stderr.strip()[-300:]}")

    def apply(self, before_tree: str, after_tree: str) -> None:
        """Make the main working tree go from ``before_tree`` to ``after_tree``."""
        if before_tree == after_tree:
            return
        patch = self.repo.run("diff", "--binary", "--full-index", "--no-renames",
                              before_tree, after_tree, strip=False)
        self._apply_patch(patch)

    def _apply_patch(self, patch: str) -> None:
        proc = subprocess.run(["git", "apply", "--whitespace=nowarn", "-"], cwd=self.repo.root,
                              input=patch.encode(), capture_output=True)
        if proc.returncode != 0:
            raise VcsError(f"git apply failed: {proc.stderr.decode(errors='replace')[-300:]}")

    def restore(self, before_tree: str, after_tree: str) -> list[str]:
        """Take an integration (``before_tree`` → ``after_tree``), applied whole or in part,
        back out of the main tree, keeping every edit made to the tree since (a three-way
        revert: a user may edit files while a task's checks run). The paths where such an edit
        overlaps the integration are left as they are now; they are returned."""
        now = self.integrated_tree()
        if now == before_tree:
            return []
        base = self.repo.commit_tree(after_tree, [], "orch: integrated tree")
        ours = self.repo.commit_tree(now, [base], "orch: main tree now")
        theirs = self.repo.commit_tree(before_tree, [base], "orch: before integration")
        proc = subprocess.run(["git", "merge-tree", "--write-tree", "--name-only", ours, theirs],
                              cwd=self.repo.root, capture_output=True, text=True)
        lines = proc.stdout.splitlines()
        if proc.returncode not in (0, 1) or not lines:
            raise VcsError(f"git merge-tree failed: {proc.stderr.strip()[-300:]}")
        kept = _conflicted(lines) if proc.returncode == 1 else []
        patch = self.repo.run("diff", "--binary", "--full-index", "--no-renames", now,
                              lines[0].strip(), "--", ":/",
                              *(f":(top,exclude,literal){p}" for p in kept), strip=False)
        if patch.strip():
            self._apply_patch(patch)
        return kept

    def changed(self, before_tree: str, after_tree: str) -> list[str]:
        """Project-relative paths that differ between two integrated-tree snapshots."""
        return self._tree.changed_paths(before_tree, after_tree)

    def commit_integration(self, tree: str, before: str, task_commit: str, task_id: str) -> str:
        """A commit recording an integration: ``integrated as commit X``.

        X's first parent is the integrated tree before it, itself chained to the run's previous
        integration, and ``refs/orch/integrated/<run>`` points at the newest: every integrated
        change stays reachable, so ``git gc`` never prunes work a later task replaced."""
        ref = f"{INTEGRATED_REF}/{self.run_id}"
        previous = self.repo.ref_sha(ref)
        parent = self.git.commit(before, [previous] if previous else [], "orch: integrated tree")
        commit = self.git.commit(tree, [parent, task_commit], f"orch: integrate {task_id}")
        self.git.update_ref(ref, commit, f"orch: integrate {task_id}")
        return commit

    def carry_ignored(self, task_id: str) -> list[str]:
        """Move what the task wrote that git does not carry into the main tree; paths moved.

        That is ignored files (a ``.env``, a ``build/``) and repositories the task made inside
        its worktree (``git init``: git records only their commit id). A sequential run would
        have left them in the project. A path the main tree already has is left as it is there
        (the task's copy goes with its worktree)."""
        root = self.path(task_id)
        if not root.is_dir():
            return []
        env = dict(os.environ)
        record = self._setup_record(root)
        set_up = set(record.read_text().split("\0")) if record and record.is_file() else set()
        entries = [entry for entry in self._ignored(root) if entry not in set_up]
        links = gitlinks(root)
        if links is None:
            staged = _git(root, "ls-files", "-z", "--stage", "--", ":/", env=env)
            links = [path for mode, _, path in (_staged(line) for line in staged.split("\0"))
                     if mode == "160000"]
        entries += [path for path in links if (root / path / ".git").exists()]
        moved: list[str] = []
        for entry in entries:
            moved += _move_free(root, self.repo.root, entry)
        return moved

    def _ignored(self, root: Path) -> list[str]:
        """The ignored entries of a worktree, orch's and what :class:`Provision` placed left
        out (a wholly ignored directory is one entry)."""
        out = _git(root, "ls-files", "-z", "--others", "--ignored", "--exclude-standard",
                   "--directory", "--", ":/", self.repo.orch_exclude,
                   *(f":(top,exclude,literal){rel}" for rel in self._placed()),
                   env=dict(os.environ))
        return [entry.rstrip("/") for entry in out.split("\0") if entry]

    def remember_setup(self, task_id: str) -> None:
        """Record the ignored entries the worktree's setup command made (``npm ci``'s
        ``node_modules``): they are not the task's work, so never carried into the main tree."""
        root = self.path(task_id)
        record = self._setup_record(root)
        if record is not None:
            record.write_text("\0".join(self._ignored(root)))

    def _setup_record(self, root: Path) -> Path | None:
        """A file in the worktree's own git admin directory (it goes with the worktree)."""
        admin = self._admin(root)
        return admin / "orch-setup" if admin is not None else None

    def _admin(self, root: Path) -> Path | None:
        """The worktree's git admin directory (``.git/worktrees/<id>``), if it is linked."""
        if not self._linked(root):
            return None
        return root / (root / ".git").read_text().strip()[7:].strip()

    # -- cleaning ------------------------------------------------------------------------------

    def remove(self, task_id: str, *, keep_branch: bool) -> None:
        """Remove the task's worktree; its branch too unless ``keep_branch``.

        Without ``keep_branch`` the task's work is integrated (or saved), so its worktree is
        parked for the next task to reuse; :meth:`finish` removes what is left parked."""
        path = self.path(task_id)
        if path.exists():
            self.provision.unlink(self.repo.project_dir, self.project_in(task_id))
        if keep_branch or not path.exists() or not self._park(path):
            self._drop(path)
        self._making(task_id).unlink(missing_ok=True)
        if not keep_branch:
            self.git.delete_ref(f"refs/heads/{self.branch(task_id)}")

    def clear_stale_locks(self) -> list[Path]:
        """Delete lock files a killed git left on this run's own refs and worktree indexes.

        Only orch touches ``orch/<run>/*`` branches and this run's worktrees, and only the
        process holding the run's lock runs git on them, so after a kill their locks are
        stale; left alone, every later ``git worktree add -B`` of that task would fail."""
        gone = []
        refs = self.repo.git_dir / "refs"
        candidates = [*(refs / "heads" / BRANCH_PREFIX / self.run_id).rglob("*.lock"),
                      *(refs / PARTIAL_REF.removeprefix("refs/") / self.run_id).rglob("*.lock"),
                      refs / INTEGRATED_REF.removeprefix("refs/") / f"{self.run_id}.lock"]
        for admin in (self.repo.git_dir / "worktrees").glob("*"):
            gitdir = admin / "gitdir"
            try:
                inside = Path(gitdir.read_text().strip()).resolve().is_relative_to(
                    self.base_dir.resolve())
            except OSError:
                continue
            if inside:  # ``locked`` says "initializing" while `git worktree add` runs
                candidates += [admin / "index.lock", admin / "HEAD.lock", admin / "locked"]
        for lock in candidates:
            if lock.is_file():
                lock.unlink(missing_ok=True)
                gone.append(lock)
        return gone

    def leftovers(self) -> list[str]:
        """Task ids with a worktree directory of this run still on disk."""
        if not self.base_dir.is_dir():
            return []
        return sorted(p.name for p in self.base_dir.iterdir()
                      if p.is_dir() and not p.name.startswith(SPARE_PREFIX))

    def finish(self) -> None:
        """Remove parked worktrees; drop this run's worktree directory once it is empty."""
        if self.base_dir.is_dir():
            for marker in self.base_dir.glob(f"{MAKING_PREFIX}*"):
                if not self.path(marker.name.removeprefix(MAKING_PREFIX)).exists():
                    marker.unlink(missing_ok=True)  # a making that failed: nothing to mark
        for spare in self._spares():
            admin = self._admin(spare)
            try:  # what `git worktree remove --force --force` does, without a git per spare
                if admin is None:
                    raise OSError(f"{spare} is not linked")
                shutil.rmtree(spare)
                shutil.rmtree(admin)
            except OSError:
                self._drop(spare)
        self.repo.run("worktree", "prune")
        if self.base_dir.is_dir() and not any(self.base_dir.iterdir()):
            self.base_dir.rmdir()


def kept_branches(project_dir: Path) -> list[str]:
    """Every ``orch/*`` branch in the repository (task work not integrated)."""
    try:
        repo = open_repo(project_dir)
        out = repo.run("for-each-ref", "--format=%(refname:short)", f"refs/heads/{BRANCH_PREFIX}")
    except VcsError:
        return []
    return [line for line in out.splitlines() if line]


def _git(cwd: Path, *args: str, env: dict[str, str], strip: bool = True) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise VcsError(f"git {args[0]} failed: {proc.stderr.strip()[-300:]}",
                       hint=lock_hint(proc.stderr))
    return proc.stdout.strip() if strip else proc.stdout


def _conflicted(lines: list[str]) -> list[str]:
    """File names from ``merge-tree --name-only`` output (after the tree id, before the blank)."""
    names = []
    for line in lines[1:]:
        if not line.strip():
            break
        names.append(line.strip())
    return names


def _move_free(src_root: Path, dst_root: Path, rel: str) -> list[str]:
    """Move ``rel`` (a file or a directory) where the destination has nothing yet."""
    src, dst = src_root / rel, dst_root / rel
    if src.is_dir() and not src.is_symlink() and dst.is_dir():
        return [moved for child in sorted(os.listdir(src))
                for moved in _move_free(src_root, dst_root, f"{rel}/{child}")]
    if dst.exists() or dst.is_symlink():
        return []
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(src, dst)
    return [rel]


def _staged(line: str) -> tuple[str, str, str]:
    """``MODE SHA STAGE\tPATH`` from ``ls-files --stage``: mode, sha, path."""
    info, _, path = line.partition("\t")
    fields = info.split()
    return (fields[0], fields[1], path) if len(fields) == 3 else ("", "", "")
