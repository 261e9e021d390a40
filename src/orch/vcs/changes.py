"""What a subprocess agent changed in a working tree: content digests of every dirty or
untracked path, a local (unversioned) ignore rule for an agent's own bookkeeping files, and the
diff a phase reviewer reads.

The CLI adapters snapshot the tree before and after the tool runs and compare the two, so the
files changed come from git, never from the tool's word.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from orch.proc import run_argv
from orch.store.layout import ORCH_DIR

_GIT_TIMEOUT_S = 60
_ORCH_PREFIX = f"{ORCH_DIR.as_posix()}/"


def status_digests(project_dir: Path) -> dict[str, str] | None:
    """Every dirty or untracked path mapped to a hash of its content; ``None`` outside git."""
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain=v1", "-z", "--untracked-files=all"],
            cwd=project_dir, capture_output=True, timeout=_GIT_TIMEOUT_S, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    state: dict[str, str] = {}
    entries = out.decode("utf-8", "replace").split("\0")
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
        if "R" in code or "C" in code:
            index += 1  # the original path of a rename/copy follows
        if path.startswith(_ORCH_PREFIX):
            continue
        state[path] = _digest(project_dir / path)
    return state


def _digest(path: Path) -> str:
    try:
        return hashlib.sha1(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    except OSError:
        return "deleted"


def exclude_locally(project_dir: Path, patterns: list[str]) -> bool:
    """Add ``patterns`` to the repository's ``info/exclude`` (never to a versioned
    ``.gitignore``) unless already there; ``False`` outside git or when it cannot be written."""
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--git-path", "info/exclude"], cwd=project_dir,
            capture_output=True, text=True, timeout=_GIT_TIMEOUT_S, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return False
    exclude = Path(found) if Path(found).is_absolute() else project_dir / found
    try:
        lines = exclude.read_text(encoding="utf-8").splitlines() if exclude.exists() else []
        missing = [p for p in patterns if p not in lines]
        if missing:
            exclude.parent.mkdir(parents=True, exist_ok=True)
            text = exclude.read_bytes() if exclude.exists() else b""
            prefix = "\n" if text and not text.endswith(b"\n") else ""
            with exclude.open("a", encoding="utf-8") as out:
                out.write(prefix + "".join(f"{p}\n" for p in missing))
    except OSError:
        return False
    return True


def diff_to_head(project_dir: Path, max_chars: int) -> str:
    """The end (up to ``max_chars``) of the tree's diff against HEAD, stat and patch, redacted
    as every command output is; ``""`` outside git or when git fails."""
    result = run_argv(["git", "diff", "HEAD", "--stat", "--patch"], cwd=project_dir)
    return result.tail[-max_chars:] if result.ok else ""
