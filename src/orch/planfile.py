"""Read a plan file from disk: the only place plan text meets the filesystem."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from orch.domain.plan import ParseResult
from orch.errors import PlanError

_BINARY_SAMPLE = 8192
MAX_PLAN_BYTES = 16 * 1024 * 1024
"""A plan file larger than this is refused (a 500-task plan is about 100 KB)."""


def read_plan_text(path: Path, *, within: Path | None = None) -> str:
    """The text of the plan at ``path``.

    :class:`PlanError` (exit 2) with a one-line message when the file is missing, a directory,
    unreadable, empty, larger than :data:`MAX_PLAN_BYTES`, or not UTF-8 text. With ``within``
    (a resolved directory) every file read must resolve inside it and be a regular file: a
    FIFO or a device is refused without blocking (the MCP server's confinement).
    """
    shown = str(path)
    if not path.exists():
        raise PlanError(f"{shown}: no such file", hint="check the path of the plan file")
    tree = claudio_tree(path)
    if tree is not None:
        return read_claudio_tree(tree, within=within)
    if path.is_dir():
        raise PlanError(
            f"{shown}: is a directory, not a plan file",
            hint=f"pass a markdown file, e.g. {Path(shown) / 'tasks.md'}",
        )
    data = read_bounded(path, within=within)
    if not data.strip():
        raise PlanError(
            f"{shown}: the plan file is empty", hint="write at least one phase with tasks"
        )
    if b"\x00" in data[:_BINARY_SAMPLE]:
        raise PlanError(f"{shown}: not a text file (binary data)", hint="pass a markdown plan")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlanError(
            f"{shown}: not UTF-8 text (invalid byte at offset {exc.start})",
            hint="save the plan as UTF-8",
        ) from None
    if _mostly_control(text):
        raise PlanError(f"{shown}: not a text file (binary data)", hint="pass a markdown plan")
    return text


def read_bounded(path: Path, *, within: Path | None = None,
                 limit: int = MAX_PLAN_BYTES) -> bytes:
    """At most ``limit`` bytes of ``path`` (more is a :class:`PlanError`), read so that
    ``/dev/zero`` cannot exhaust memory; with ``within``, confined as :func:`read_plan_text`
    says."""
    shown = str(path)
    if within is not None:
        try:
            inside = path.resolve().is_relative_to(within)
        except (OSError, RuntimeError):  # a loop of symbolic links
            raise PlanError(f"{shown}: cannot resolve the path") from None
        if not inside:
            raise PlanError(f"{shown}: outside the project", hint="name a file inside the project")
    flags = os.O_RDONLY | (os.O_NONBLOCK if within is not None else 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise PlanError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        if within is not None and not stat.S_ISREG(os.fstat(fd).st_mode):
            raise PlanError(f"{shown}: not a regular file", hint="name a plan file")
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise PlanError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise PlanError(f"{shown}: larger than {limit // (1024 * 1024)} MiB, not a plan",
                        hint="pass a markdown plan")
    return data


def claudio_tree(path: Path) -> Path | None:
    """The ``.claudio`` directory ``path`` names (itself, or a project holding one), else None."""
    if not path.is_dir():
        return None
    for candidate in (path, path / ".claudio"):
        if candidate.is_dir() and any(candidate.glob("phase*/tasks.md")):
            return candidate
    return None


def read_claudio_tree(tree: Path, *, within: Path | None = None) -> str:
    """The files of a ``.claudio`` tree that make its plan, bundled into one text."""
    from orch.parsing.claudio import bundle

    wanted = [tree / "plan.md", *sorted(tree.glob("phase*/tasks.md"))]
    wanted += sorted(tree.glob("phase*/task*/status.md"))
    files: dict[str, str] = {}
    for file in wanted:
        if not file.is_file():
            continue
        if file.name == "status.md":  # only its status line matters; stray bytes may not stop it
            text = read_bounded(file, within=within).decode("utf-8", "replace")
        else:
            text = read_plan_text(file, within=within)
        files[file.relative_to(tree).as_posix()] = text
    return bundle(files)


def _mostly_control(text: str) -> bool:
    sample = text[:_BINARY_SAMPLE]
    control = sum(1 for char in sample if ord(char) < 32 and char not in "\n\r\t\f")
    return control * 10 > len(sample)


def load_plan(path: Path, *, strict: bool = False, text: str | None = None) -> ParseResult:
    """Read and parse the plan at ``path``, with the graph checks' errors merged in.

    Plan problems are returned as diagnostics, never raised; only read errors raise
    :class:`PlanError`. ``strict`` makes duplicate task IDs errors. ``text`` is the file's
    text when the caller has already read it with :func:`read_plan_text`.
    """
    from orch.domain.graph import check_plan
    from orch.parsing.formats import parse_any

    if text is None:
        text = read_plan_text(path)
    result = parse_any(text, str(path), strict=strict)
    if result.plan.phases:
        graph_errors = check_plan(result.plan)
        if graph_errors:
            result.errors = sorted([*result.errors, *graph_errors], key=lambda d: d.line)
    return result
