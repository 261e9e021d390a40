"""The anthropic agent's tools (docs/agents.md), every path confined to the project directory.

A path that is absolute, contains ``..``, or resolves (through symlinks) outside the project is
refused with an error result and nothing outside is read or written. ``.git/`` and
``.specify/orch/`` are never read, listed, searched or written, and files of secrets (``.env``,
keys) are never read or searched unless the task names them — also not through a symlink with
an innocent name. Files are streamed, never loaded whole; every result is redacted; every
failure, ``MemoryError`` included, becomes an error result for the model.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from orch.adapters.filesearch import (
    OutOfTime,
    SearchClock,
    SearchFailure,
    compile_pattern,
    is_regular_file,
    read_head,
    search_lines,
)
from orch.proc import run_shell
from orch.secrets import REDACTED, Redactor, is_secret_file

MAX_READ_CHARS = 100_000
MAX_EDIT_BYTES = 8 * 1024 * 1024
MAX_RESULT_CHARS = 20_000
MAX_LIST_ENTRIES = 500
MAX_SEARCH_MATCHES = 200
MAX_COMMAND_TIMEOUT_S = 600.0
DEFAULT_COMMAND_TIMEOUT_S = 120.0
SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".mypy_cache",
             ".pytest_cache", ".ruff_cache", ".tox"}
PROTECTED = (".git", ".specify/orch")


def _schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required}


_PATH = {"type": "string", "description": "Path relative to the project root."}
TOOL_SPECS: list[dict[str, Any]] = [
    {"name": "read_file", "description": "Read a text file of the project.",
     "input_schema": _schema({"path": _PATH}, ["path"])},
    {"name": "write_file", "description": "Create or overwrite a file with the given content.",
     "input_schema": _schema({"path": _PATH, "content": {"type": "string"}},
                             ["path", "content"])},
    {"name": "edit_file",
     "description": "Replace the exact text `old` (which must occur once) with `new` in a file.",
     "input_schema": _schema({"path": _PATH, "old": {"type": "string"},
                              "new": {"type": "string"}}, ["path", "old", "new"])},
    {"name": "list_files",
     "description": "List files under a directory of the project (recursively; '.' for all).",
     "input_schema": _schema({"path": _PATH}, ["path"])},
    {"name": "search",
     "description": "Search files under `path` for a regular expression; returns file:line: text.",
     "input_schema": _schema({"pattern": {"type": "string"}, "path": _PATH}, ["pattern"])},
    {"name": "run_command",
     "description": "Run a shell command in the project directory; returns the exit code and "
                    "the tail of its output.",
     "input_schema": _schema({"command": {"type": "string"},
                              "timeout": {"type": "number",
                                          "description": "Seconds (default 120, at most 600)."}},
                             ["command"])},
]
TOOL_NAMES = tuple(spec["name"] for spec in TOOL_SPECS)


class ToolError(Exception):
    """A refused or failed tool call; its message goes back to the model as an error result."""


@dataclass
class ToolOutcome:
    """One tool result: the text for the model and whether it is an error."""

    content: str
    is_error: bool = False


@dataclass
class ProjectTools:
    """Executes tool calls for one attempt and remembers which files it changed."""

    project_dir: Path
    log_path: Path | None = None
    allowed_secrets: set[str] = field(default_factory=set)
    env: dict[str, str] = field(default_factory=dict)
    redactor: Redactor = field(default_factory=Redactor)
    seconds_left: Callable[[], float | None] = lambda: None
    cancelled: Callable[[], bool] = lambda: False
    files_changed: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.root = self.project_dir.resolve()

    def execute(self, name: str, arguments: Any) -> ToolOutcome:
        """Run tool ``name``; every failure becomes an error outcome, never an exception."""
        handler = getattr(self, f"_tool_{name}", None)
        if name not in TOOL_NAMES or handler is None:
            return ToolOutcome(f"unknown tool {name!r}; available: {', '.join(TOOL_NAMES)}",
                               is_error=True)
        if not isinstance(arguments, dict):
            return ToolOutcome("tool input must be a JSON object", is_error=True)
        try:
            content: str = handler(arguments)
        except (ToolError, SearchFailure) as exc:
            return ToolOutcome(self.redactor(str(exc)), is_error=True)
        except MemoryError:
            return ToolOutcome(f"{name} failed: out of memory", is_error=True)
        except Exception as exc:  # noqa: BLE001 - every failure is a tool error for the model
            return ToolOutcome(self.redactor(f"{name} failed: {exc.__class__.__name__}: {exc}"),
                               is_error=True)
        if len(content) > MAX_RESULT_CHARS:
            content = content[:MAX_RESULT_CHARS] + f"\n[… {len(content) - MAX_RESULT_CHARS} " \
                                                   "more characters cut]"
        return ToolOutcome(self.redactor(content))

    # -- paths ---------------------------------------------------------------------------------

    def resolve(self, raw: Any, *, for_write: bool = False) -> Path:
        """The real path of ``raw`` inside the project, or a :class:`ToolError` saying why not."""
        if not isinstance(raw, str) or not raw.strip():
            raise ToolError("a non-empty relative `path` is required")
        text = raw.strip()
        pure = PurePosixPath(text)
        if pure.is_absolute() or text.startswith("~") or re.match(r"^[A-Za-z]:[\\/]", text):
            raise ToolError(f"refused: {text!r} is absolute; use a path relative to the project")
        if ".." in pure.parts or ".." in text.split("\\"):
            raise ToolError(f"refused: {text!r} contains '..'; paths must stay in the project")
        real = (self.root / pure).resolve()
        if real != self.root and not real.is_relative_to(self.root):
            raise ToolError(f"refused: {text!r} leads outside the project (through a symlink)")
        for rel in {pure.as_posix(), self.relative(real)}:
            if _protected(rel):
                raise ToolError(f"refused: {rel!r} belongs to git or orch; the file tools do "
                                "not read, list or write it")
        return real

    def relative(self, real: Path) -> str:
        """``real`` relative to the project root, with forward slashes ('.' for the root)."""
        return real.relative_to(self.root).as_posix() if real != self.root else "."

    def _readable(self, path: Path) -> bool:
        """Whether ``path`` (as walked, maybe a symlink) may be read: its own name and the file
        it resolves to must both be inside the project, not git's or orch's, not secrets."""
        try:
            real = path.resolve()
        except (OSError, RuntimeError):
            return False
        if real != self.root and not real.is_relative_to(self.root):
            return False
        names = {self.relative(real)}
        if path.is_relative_to(self.root):
            names.add(path.relative_to(self.root).as_posix())
        return not any(_protected(name) or is_secret_file(name) and name not in
                       self.allowed_secrets for name in names)

    def _check_secret(self, real: Path, asked: Any) -> None:
        """Refuse ``real`` when it, or the name it was asked by (a symlink), holds secrets."""
        if not self._readable(self.root / str(asked).strip()):
            raise ToolError(f"refused: {self.relative(real)!r} looks like a file of secrets; it "
                            "is only readable when the task names it")

    # -- tools ---------------------------------------------------------------------------------

    def _tool_read_file(self, args: dict[str, Any]) -> str:
        real = self.resolve(args.get("path"))
        if not is_regular_file(real):
            raise ToolError(f"no such file: {self.relative(real)}")
        self._check_secret(real, args.get("path"))
        text, more = read_head(real, MAX_READ_CHARS)
        if more:
            size = real.stat().st_size
            text += f"\n[… file cut at {MAX_READ_CHARS} characters of {size} bytes]"
        return text

    def _tool_write_file(self, args: dict[str, Any]) -> str:
        real = self.resolve(args.get("path"), for_write=True)
        content = args.get("content")
        if not isinstance(content, str):
            raise ToolError("`content` must be a string")
        self._refuse_placeholder(content, real)
        if real.is_dir():
            raise ToolError(f"{self.relative(real)} is a directory")
        real.parent.mkdir(parents=True, exist_ok=True)
        # Re-check after creating parents: nothing may have appeared as a symlink meanwhile.
        self.resolve(self.relative(real), for_write=True)
        real.write_text(content, encoding="utf-8")
        self.files_changed.add(self.relative(real))
        return f"wrote {len(content)} characters to {self.relative(real)}"

    def _tool_edit_file(self, args: dict[str, Any]) -> str:
        real = self.resolve(args.get("path"), for_write=True)
        old, new = args.get("old"), args.get("new")
        if not isinstance(old, str) or not isinstance(new, str) or not old:
            raise ToolError("`old` (non-empty) and `new` must be strings")
        if not is_regular_file(real):
            raise ToolError(f"no such file: {self.relative(real)}")
        self._check_secret(real, args.get("path"))
        if real.stat().st_size > MAX_EDIT_BYTES:
            raise ToolError(f"{self.relative(real)} is over {MAX_EDIT_BYTES // 2**20} MiB; edit "
                            "it with run_command (sed, a script) instead")
        text = real.read_text(encoding="utf-8")
        self._refuse_placeholder(new, real, text)
        count = text.count(old)
        if count != 1:
            raise ToolError(f"`old` occurs {count} times in {self.relative(real)}; it must "
                            "occur exactly once (include more surrounding lines)")
        real.write_text(text.replace(old, new, 1), encoding="utf-8")
        self.files_changed.add(self.relative(real))
        return f"edited {self.relative(real)}"

    def _refuse_placeholder(self, text: str, real: Path, current: str | None = None) -> None:
        """The model saw ``[REDACTED]`` in place of a secret in this file; writing the
        placeholder back would destroy the secret, so such a write is refused."""
        if REDACTED not in text or not is_regular_file(real):
            return
        if current is None:
            if real.stat().st_size > MAX_EDIT_BYTES:
                return
            current = real.read_text(encoding="utf-8", errors="replace")
        if self.redactor(current) != current:
            raise ToolError(f"refused: the text contains {REDACTED}, which orch shows in place "
                            "of a secret of this file; leave those lines out (change the rest "
                            "with edit_file)")

    def _walk(self, top: Path) -> list[Path]:
        found: list[Path] = []
        for dirpath, dirnames, filenames in os.walk(top):
            here = Path(dirpath)
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS
                                 and not _protected(self.relative(here / d)))
            for name in sorted(filenames):
                if _protected(self.relative(here / name)):
                    continue
                found.append(here / name)
                if len(found) > MAX_LIST_ENTRIES * 20:
                    return found
        return found

    def _tool_list_files(self, args: dict[str, Any]) -> str:
        real = self.resolve(args.get("path") or ".")
        if real.is_file():
            return self.relative(real)
        if not real.is_dir():
            raise ToolError(f"no such directory: {self.relative(real)}")
        entries = [self.relative(p) for p in self._walk(real)]
        shown = entries[:MAX_LIST_ENTRIES]
        more = len(entries) - len(shown)
        return "\n".join(shown) + (f"\n[… {more} more files]" if more > 0 else "") or "(empty)"

    def _tool_search(self, args: dict[str, Any]) -> str:
        pattern = args.get("pattern")
        if not isinstance(pattern, str) or not pattern:
            raise ToolError("`pattern` must be a non-empty regular expression")
        regex = compile_pattern(pattern)
        real = self.resolve(args.get("path") or ".")
        if real.is_file():
            self._check_secret(real, args.get("path"))
        files = [real] if real.is_file() else self._walk(real)
        clock = SearchClock.start(self.seconds_left(), self.cancelled)
        matches: list[str] = []
        try:
            for path in files:
                if not self._readable(path) or not is_regular_file(path):
                    continue
                for number, line in search_lines(path, regex, clock):
                    matches.append(f"{self.relative(path)}:{number}: {line}")
                    if len(matches) >= MAX_SEARCH_MATCHES:
                        return "\n".join(matches) + "\n[… more matches not shown]"
        except OutOfTime:
            matches.append("[search stopped: time limit reached; narrow `path` or the pattern]")
        return "\n".join(matches) or "no matches"

    def _tool_run_command(self, args: dict[str, Any]) -> str:
        command = args.get("command")
        if not isinstance(command, str) or not command.strip():
            raise ToolError("`command` must be a non-empty string")
        timeout = args.get("timeout", DEFAULT_COMMAND_TIMEOUT_S)
        if not isinstance(timeout, int | float) or timeout <= 0:
            timeout = DEFAULT_COMMAND_TIMEOUT_S
        timeout = min(float(timeout), MAX_COMMAND_TIMEOUT_S)
        left = self.seconds_left()
        if left is not None:
            timeout = max(1.0, min(timeout, left))
        result = run_shell(command, cwd=self.root, log_path=self.log_path, timeout_s=timeout,
                           env=self.env, redactor=self.redactor)
        if result.timed_out:
            status = f"timed out after {timeout:g}s (process group killed)"
        elif result.interrupted:
            status = "interrupted"
        else:
            status = f"exit code {result.returncode}"
        return f"{status}\n{result.tail}" if result.tail else status


def _protected(rel: str) -> bool:
    """Whether a project-relative path is git's or orch's (case-insensitively, for macOS)."""
    lowered = rel.lower().strip("/")
    return any(lowered == p or lowered.startswith(p + "/") for p in PROTECTED)
