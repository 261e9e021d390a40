"""Recognise a plan's format by its content and parse it with that format's module.

Formats: orch / spec-kit markdown (:mod:`~orch.parsing.markdown`), Kiro ``tasks.md``
(:mod:`~orch.parsing.kiro`), Taskmaster ``tasks.json`` (:mod:`~orch.parsing.taskmaster`) and
bundled Claudio trees (:mod:`~orch.parsing.claudio`). Text that is recognisably something else
(JSON without task lists, YAML) gets an error naming what was recognised and what is supported.
"""

from __future__ import annotations

import json
import re

from orch.domain.plan import Diagnostic, ParseResult, Plan

SUPPORTED = (
    "orch reads markdown plans (orch, spec-kit tasks.md, plain phase checklists), Kiro tasks.md, "
    "Taskmaster tasks.json and Claudio .claudio/ trees"
)
CLAUDIO_MARKER = "<!-- orch:claudio "
"""How a bundled ``.claudio`` tree (:func:`orch.parsing.claudio.bundle`) begins."""
_KIRO_ITEM = re.compile(r"^[ \t]*[-*+][ \t]+\[[ xX~-]\]\*?[ \t]+\d+(?:\.\d+)*\.?[ \t]", re.M)
_TASK_ID_ITEM = re.compile(
    r"^[ \t>]*(?:[-*+]|\d+[.)])[ \t]+\[[^\]]{1,3}\][ \t]+(?:\*\*)?T-?\d", re.M
)
_YAML = re.compile(r"\A(?:---\s*\n)?(?:[A-Za-z_][\w-]*:(?:[ \t].*)?\n){3,}")


def detect(text: str) -> str:
    """The format of ``text``: ``markdown``, ``kiro``, ``taskmaster``, ``claudio``, or ``json``
    / ``yaml`` for data orch cannot read as a plan."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith(CLAUDIO_MARKER):
        return "claudio"
    if stripped.startswith(("{", "[")):
        from orch.parsing.taskmaster import task_lists

        try:
            data = json.loads(stripped)
        except ValueError:
            return "markdown"
        return "taskmaster" if task_lists(data) else "json"
    if _KIRO_ITEM.search(text) and not _TASK_ID_ITEM.search(text):
        return "kiro"
    if _YAML.match(stripped) and "#" not in stripped[:200] and "- [" not in text:
        return "yaml"
    return "markdown"


def parse_any(text: str, source: str = "<plan>", *, strict: bool = False) -> ParseResult:
    """Parse ``text`` in whatever format it is; never raises."""
    from orch.parsing.markdown import parse_plan

    found = detect(text)
    try:
        if found == "taskmaster":
            from orch.parsing.taskmaster import parse_taskmaster

            return parse_taskmaster(text, source, strict=strict)
        if found == "claudio":
            from orch.parsing.claudio import parse_claudio

            return parse_claudio(text, source, strict=strict)
        if found == "kiro":
            from orch.parsing.kiro import parse_kiro

            return parse_kiro(text, source, strict=strict)
    except Exception as exc:  # noqa: BLE001 - the parser's promise is to never raise
        message = f"internal parser error ({found}): {exc.__class__.__name__}: {exc}"
        error = Diagnostic(line=1, message=message, hint="this is a bug in orch; please report it")
        return ParseResult(plan=Plan(source=source, format=found), errors=[error])
    if found in ("json", "yaml"):
        why = "JSON without a Taskmaster task list" if found == "json" else "YAML"
        message = f"this file is {why}, not a plan format orch reads"
        error = Diagnostic(line=1, message=message, hint=SUPPORTED)
        return ParseResult(plan=Plan(source=source, format=found), errors=[error])
    return parse_plan(text, source, strict=strict)
