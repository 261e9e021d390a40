"""What a checkout would touch, and the working-tree details a backup must keep exactly.

Three things ``git add -A`` + ``git checkout`` do not round-trip, which a backup has to handle:

- **paths in the way**: a checkout overwrites or deletes untracked and *ignored* files where the
  target tracks a path, a parent directory of one, or a file where the disk has a directory
  (:func:`in_the_way`);
- **index flags**: ``git add`` skips ``--assume-unchanged`` and ``--skip-worktree`` entries and
  ``git reset --hard`` refuses them (:class:`IndexFlags`);
- **filters**: under ``text``/``eol``/``filter`` attributes or ``core.autocrlf`` the blob git
  stores is not the file's bytes; a backup hashes those files raw (:func:`store_raw`) and a
  restore writes them back raw (:func:`write_raw`);
- **permissions**: a tree keeps only the executable bit (:func:`odd_modes`).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from orch.errors import VcsError
from orch.vcs.repo import GitRepo

CHUNK = 500
"""Paths per git command line."""

_CONVERTING = ("text", "eol", "crlf", "filter", "ident", "working-tree-encoding")
_FILE_MODES = ("100644", "100755")


@dataclass(frozen=True)
class IndexFlags:
    """Index entries marked ``--assume-unchanged`` or ``--skip-worktree`` (paths, sorted)."""

    assume_unchanged: tuple[str, ...] = ()
    skip_worktree: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    """Skip-worktree paths with no file on disk (as in a sparse checkout)."""
    intent_to_add: tuple[str, ...] = ()
    """Entries added with ``git add -N`` (a tree cannot hold them)."""

    @property
    def paths(self) -> list[str]:
        return sorted(set(self.assume_unchanged) | set(self.skip_worktree))

    def describe(self) -> list[str]:
        """One line per flagged path, for ``--dry-run`` and the confirmation prompt."""
        return [f"{path} is marked {flag}: orch clears the flag for the reset and sets it "
                "again; its local content is saved in the backup first"
                for flag, paths in (("assume-unchanged", self.assume_unchanged),
                                    ("skip-worktree", self.skip_worktree))
                for path in paths]


def read_flags(repo: GitRepo, env: dict[str, str] | None = None) -> IndexFlags:
    """The flagged entries of the index (``git ls-files -v``: lower case, or ``S``)."""
    out = repo.run("ls-files", "-v", "-z", env=env, strip=False)
    assumed: list[str] = []
    skipped: list[str] = []
    for entry in filter(None, out.split("\0")):
        tag, path = entry[0], entry[2:]
        if tag.islower():
            assumed.append(path)
        if tag in "Ss":
            skipped.append(path)
    absent = [path for path in skipped if not os.path.lexists(repo.root / path)]
    unmerged = repo.run("ls-files", "-u", "-z", env=env, strip=False)
    if unmerged:
        first = unmerged.split("\0")[0].split("\t", 1)[-1]
        raise VcsError(f"the index has unresolved conflicts ({first} and maybe more); orch "
                       "will not save or reset over them",
                       hint="resolve them and `git add` the result, or `git reset` first")
    added = repo.run("diff-files", "--name-only", "-z", "--diff-filter=A", env=env, strip=False)
    return IndexFlags(tuple(assumed), tuple(skipped), tuple(absent),
                      tuple(filter(None, added.split("\0"))))


def clear_flags(repo: GitRepo, paths: list[str], env: dict[str, str] | None = None) -> None:
    """Clear both flags of ``paths`` (in the index ``env`` names, or the real one)."""
    for option in ("--no-assume-unchanged", "--no-skip-worktree"):  # one per command, or
        for start in range(0, len(paths), CHUNK):                     # git applies only one
            repo.run("update-index", option, "--", *paths[start:start + CHUNK], env=env)


def apply_flags(repo: GitRepo, flags: IndexFlags) -> None:
    """Set the flags again on those paths the index tracks; a sparse (absent) file goes again.

    Intent-to-add entries come back for paths the index does not track (an undo; after a
    reset to a checkpoint those files are gone, saved in the backup).
    """
    tracked = set(repo.run("ls-files", "-z", strip=False).split("\0"))
    for option, paths in (("--assume-unchanged", flags.assume_unchanged),
                          ("--skip-worktree", flags.skip_worktree)):
        present = [path for path in paths if path in tracked]
        for start in range(0, len(present), CHUNK):
            repo.run("update-index", option, "--", *present[start:start + CHUNK])
    intents = [path for path in flags.intent_to_add
               if path not in tracked and os.path.lexists(repo.root / path)]
    for start in range(0, len(intents), CHUNK):
        repo.run("add", "-N", "--", *intents[start:start + CHUNK])
    for path in flags.absent:
        target = repo.root / path
        if path in tracked and (target.is_file() or target.is_symlink()):
            target.unlink()


def in_the_way(repo: GitRepo, commit: str) -> list[str]:
    """Untracked files, ignored ones included, that checking out ``commit`` would replace.

    That is every file or symlink not in the index at a path ``commit`` tracks, at a parent
    directory of such a path, or below a real directory where ``commit`` has a file. A nested
    git repository there is refused (:class:`VcsError`): git would delete or write into it, and
    a backup tree can hold only its commit id.
    """
    listing = repo.run("ls-tree", "-r", "-z", commit, strip=False)
    tracked = [entry.split("\t", 1)[1] for entry in listing.split("\0")
               if "\t" in entry and entry.split(" ", 2)[1] != "commit"]
    in_index = set(repo.run("ls-files", "-z", strip=False).split("\0"))
    root = str(repo.root)
    kinds: dict[str, str] = {}
    found: set[str] = set()
    nested: set[str] = set()
    for path in tracked:
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            kind = kinds.get(prefix) or kinds.setdefault(prefix, _kind(root, prefix))
            if kind == "dir" and prefix not in in_index and os.path.lexists(
                    os.path.join(root, prefix, ".git")):
                nested.add(prefix)
            elif kind == "file":
                found.add(prefix)
            elif kind == "dir" and depth == len(parts):
                files, repos = _files_below(repo.root, repo.root / path)
                found.update(files)
                nested.update(repos)
            if kind != "dir" or prefix in nested:
                break
    if nested:
        first = sorted(nested)[0]
        raise VcsError(f"{first} is a separate git repository inside this one, in the way of "
                       f"commit {commit[:10]}; orch will not delete or overwrite it",
                       hint="move it out of the way (or make it a submodule), then try again")
    return sorted(found - in_index)


def _kind(root: str, rel: str) -> str:
    """``file`` (a regular file or any symlink), ``dir`` (a real directory) or ``missing``."""
    try:
        mode = os.lstat(os.path.join(root, rel)).st_mode
    except OSError:
        return "missing"
    if stat.S_ISDIR(mode):
        return "dir"
    return "file" if stat.S_ISREG(mode) or stat.S_ISLNK(mode) else "missing"


def _files_below(root: Path, directory: Path) -> tuple[list[str], list[str]]:
    """Files and symlinks under a real directory, and the nested repositories found there."""
    found: list[str] = []
    repos: list[str] = []
    for current, dirs, files in os.walk(directory):
        here = Path(current)
        links = [name for name in dirs if (here / name).is_symlink()]
        repos += [(here / name).relative_to(root).as_posix() for name in dirs
                  if name not in links and (here / name / ".git").exists()]
        dirs[:] = [name for name in dirs
                   if name not in links and not (here / name / ".git").exists()]
        found += [(here / name).relative_to(root).as_posix() for name in [*files, *links]]
    return found, repos


def converted_paths(repo: GitRepo, paths: list[str]) -> list[str]:
    """Of ``paths``, those whose bytes git may change on the way in or out (eol, filters)."""
    if not paths:
        return []
    if repo.config_value("core.autocrlf").lower() in ("true", "input", "yes", "on", "1"):
        return list(paths)
    out = repo.run("check-attr", "-z", "--stdin", *_CONVERTING, strip=False,
                   stdin_bytes=_nul_joined(paths))
    fields = out.split("\0")
    hits = {path for path, _attr, value in zip(fields[0::3], fields[1::3], fields[2::3],
                                                strict=False)
            if value not in ("unspecified", "unset", "")}
    return [path for path in paths if path in hits]


def _nul_joined(items: list[str]) -> bytes:
    """``items`` as git's ``-z`` input; a name that is not UTF-8 keeps its bytes (git's output
    is decoded with ``surrogateescape``)."""
    return "".join(item + "\0" for item in items).encode("utf-8", "surrogateescape")


def store_raw(repo: GitRepo, env: dict[str, str]) -> None:
    """In the index ``env`` names, replace filtered blobs by the files' raw bytes."""
    entries = _file_entries(repo.run("ls-files", "-s", "-z", env=env, strip=False))
    root = str(repo.root)
    on_disk = [path for path in entries if _is_regular(os.path.join(root, path))]
    todo = converted_paths(repo, on_disk)
    lines: list[str] = []
    for start in range(0, len(todo), CHUNK):
        chunk = todo[start:start + CHUNK]
        shas = repo.run("hash-object", "-w", "--no-filters", "--", *chunk).split()
        lines += [f"{entries[path][0]} {sha}\t{path}"
                  for path, sha in zip(chunk, shas, strict=True) if sha != entries[path][1]]
    if lines:
        repo.run("update-index", "-z", "--index-info", env=env, stdin_bytes=_nul_joined(lines))


def write_raw(repo: GitRepo, tree: str) -> None:
    """Rewrite the files of ``tree`` that a checkout converted, with their blobs' raw bytes."""
    entries = _file_entries(repo.run("ls-tree", "-r", "-z", tree, strip=False), tree=True)
    for path in converted_paths(repo, sorted(entries)):
        target = repo.root / path
        if target.is_symlink() or not target.is_file():
            continue
        data = repo.blob_bytes(entries[path][1])
        if target.read_bytes() != data:
            target.write_bytes(data)


def _file_entries(listing: str, *, tree: bool = False) -> dict[str, tuple[str, str]]:
    """``path -> (mode, sha)`` of the regular files of ``ls-files -s -z`` / ``ls-tree -r -z``."""
    entries: dict[str, tuple[str, str]] = {}
    for entry in filter(None, listing.split("\0")):
        meta, path = entry.split("\t", 1)
        fields = meta.split(" ")
        mode, sha = fields[0], fields[2] if tree else fields[1]
        if mode in _FILE_MODES:
            entries[path] = (mode, sha)
    return entries


def odd_modes(repo: GitRepo, env: dict[str, str]) -> dict[str, int]:
    """Permission bits of the files in the index ``env`` names that a checkout would not give.

    A tree stores only "executable or not"; a ``0600`` file would come back ``0644``.
    """
    mask = os.umask(0)
    os.umask(mask)
    odd: dict[str, int] = {}
    root = str(repo.root)
    for path, (mode, _sha) in _file_entries(
            repo.run("ls-files", "-s", "-z", env=env, strip=False)).items():
        try:
            info = os.lstat(os.path.join(root, path))
        except OSError:
            continue
        expected = (0o777 if mode == "100755" else 0o666) & ~mask
        if stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) != expected:
            odd[path] = stat.S_IMODE(info.st_mode)
    return odd


def apply_modes(repo: GitRepo, modes: dict[str, int]) -> None:
    """Give files back the permission bits :func:`odd_modes` recorded."""
    for path, mode in modes.items():
        target = repo.root / path
        if target.is_file() and not target.is_symlink():
            target.chmod(mode)


def _is_regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False
