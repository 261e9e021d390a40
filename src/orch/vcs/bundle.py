"""Git bundles: how a base commit travels to a remote worker and its task's commit comes back.

A remote attempt (``orch worker``, docs/distributed.md) needs no checkout and no shared
filesystem: the controller sends a bundle of the base commit, the worker checks it out in a
temporary directory, and returns a bundle of the one commit it made on top. Git verifies a
bundle when it is read, so a truncated or foreign one is refused with one line.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import uuid
from pathlib import Path

from orch.errors import VcsError

BASE_REF = "refs/orch/base"
TASK_REF = "refs/orch/task"
_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1"}


def _git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              env={**os.environ, **_ENV, **(env or {})}, check=False)
    except OSError as exc:
        raise VcsError(f"cannot run git: {exc}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["git failed"])[-1]
        raise VcsError(f"git {args[0]}: {last}")
    return done.stdout.strip()


def create_bundle(repo_dir: Path, tip: str, *, base: str | None = None, ref: str) -> bytes:
    """A bundle holding ``tip`` as its one head, ``ref`` (``base..tip`` only, when ``base`` is
    given and the receiver already has it). Safe to call from several threads at once: the
    ref it needs in ``repo_dir`` while bundling has a name of its own per call."""
    temporary = f"{ref}/{uuid.uuid4().hex}"
    with tempfile.TemporaryDirectory(prefix="orch-bundle-") as tmp:
        _git(repo_dir, "update-ref", temporary, tip)
        try:
            path = Path(tmp) / "b.bundle"
            span = [f"^{base}"] if base else []
            _git(repo_dir, "bundle", "create", "-q", str(path), temporary, *span)
            return path.read_bytes()
        finally:
            _git(repo_dir, "update-ref", "-d", temporary)


def _only_head(repo_dir: Path, bundle_path: Path) -> str:
    """The one ref a bundle made by :func:`create_bundle` holds."""
    heads = _git(repo_dir, "bundle", "list-heads", str(bundle_path)).splitlines()
    if len(heads) != 1:
        raise VcsError(f"the bundle holds {len(heads)} refs, not one")
    return heads[0].split()[-1]


def checkout_bundle(bundle: bytes, into: Path) -> str:
    """A fresh repository at ``into`` with the bundle's one commit checked out (detached); its
    commit id. A truncated or foreign bundle raises :class:`VcsError`."""
    into.mkdir(parents=True, exist_ok=True)
    path = into.parent / f".{into.name}.bundle"
    path.write_bytes(bundle)
    try:
        _git(into, "init", "-q")
        _git(into, "bundle", "verify", "-q", str(path))
        _git(into, "fetch", "-q", str(path), f"{_only_head(into, path)}:{BASE_REF}")
        commit = _git(into, "rev-parse", BASE_REF)
        _git(into, "checkout", "-q", "--detach", commit)
        return commit
    finally:
        path.unlink(missing_ok=True)


def fetch_bundle(repo_dir: Path, bundle: bytes, into_ref: str) -> str:
    """Fetch the bundle's one commit into ``repo_dir`` as ``into_ref``; the commit id."""
    with tempfile.TemporaryDirectory(prefix="orch-bundle-") as tmp:
        path = Path(tmp) / "b.bundle"
        path.write_bytes(bundle)
        _git(repo_dir, "bundle", "verify", "-q", str(path))
        head = _only_head(repo_dir, path)
        _git(repo_dir, "fetch", "-q", "--no-tags", str(path), f"+{head}:{into_ref}")
    return _git(repo_dir, "rev-parse", into_ref)


def commit_worktree(repo_dir: Path, message: str, identity: dict[str, str], *,
                    allow_empty: bool = False) -> str | None:
    """Commit everything in ``repo_dir`` (git's ignore rules apply) on top of HEAD; the new
    commit, or ``None`` when nothing changed (unless ``allow_empty``)."""
    _git(repo_dir, "add", "-A")
    if not allow_empty and not _git(repo_dir, "status", "--porcelain"):
        return None
    _git(repo_dir, "commit", "-q", "--no-verify", "--allow-empty", "-m", message, env=identity)
    return _git(repo_dir, "rev-parse", "HEAD")
