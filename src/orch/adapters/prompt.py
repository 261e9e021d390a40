"""The words every agent gets: a stable prefix (role, conventions, plan) and the task itself.

Both are bounded, so the request for the 50th task of a chain is about the size of the first:
handoffs come only from direct dependencies, each summary and file list is cut, and the whole
handoff section has a ceiling.
"""

from __future__ import annotations

from orch.adapters.base import AgentContext, Handoff

MAX_HANDOFF_SUMMARY = 800
MAX_HANDOFF_FILES = 20
MAX_HANDOFFS_CHARS = 6_000
MAX_FEEDBACK_CHARS = 4_000
MAX_DESCRIPTION_CHARS = 6_000

BASE_INSTRUCTIONS = """\
You are a coding agent working inside a software project, driven by orch, an implementation \
orchestrator. You are given one task of a phased plan. Make the changes the task asks for, \
directly in the project's files, and keep them small and focused on this task. Do not commit: \
orch commits after it has verified the work. When you are finished, reply with a short summary \
of what you changed and anything the next task should know."""


def _clip(text: str, limit: int, *, tail: bool = False) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    if tail:
        return "[… cut]\n" + text[-limit:]
    return text[:limit] + " [… cut]"


def system_prefix(context: AgentContext) -> str:
    """The stable part: base instructions, the role's prompt, project conventions, the
    feature's design documents, plan title.

    It is the same for every task of a plan run by the same role, so it is worth caching."""
    parts = [BASE_INSTRUCTIONS]
    if context.role.prompt.strip():
        parts.append(f"# Your role: {context.role.name}\n\n{context.role.prompt.strip()}")
    if context.conventions.strip():
        parts.append(f"# Project conventions\n\n{context.conventions.strip()}")
    if context.spec_docs.strip():
        parts.append("# Feature design documents\n\nThe spec-kit feature this plan implements; "
                     "follow its specification, data model and contracts.\n\n"
                     + context.spec_docs.strip())
    if context.plan_title:
        parts.append(f"# Plan\n\n{context.plan_title}")
    return "\n\n".join(parts)


def handoff_text(handoffs: list[Handoff], limit: int = MAX_HANDOFFS_CHARS) -> str:
    """The direct dependencies' records, each cut, all together at most ``limit`` characters."""
    blocks: list[str] = []
    used = 0
    for index, handoff in enumerate(handoffs):
        files = handoff.files_changed[:MAX_HANDOFF_FILES]
        more = len(handoff.files_changed) - len(files)
        file_line = ", ".join(files) + (f" (+{more} more)" if more > 0 else "")
        block = f"- {handoff.task_id} ({handoff.status}): {handoff.title}"
        if handoff.summary.strip():
            summary = _clip(handoff.summary, MAX_HANDOFF_SUMMARY).replace("\n", "\n  ")
            block += f"\n  summary: {summary}"
        if file_line:
            block += f"\n  files changed: {file_line}"
        if used + len(block) > limit:
            blocks.append(f"- … {len(handoffs) - index} more dependencies not shown")
            break
        blocks.append(block)
        used += len(block) + 1
    return "\n".join(blocks)


def task_prompt(context: AgentContext) -> str:
    """The task-specific part: phase, task, files, acceptance criteria, handoffs, retry feedback."""
    task, phase = context.task, context.phase
    lines = [f"# Phase {phase.id}: {phase.title}"]
    if phase.description.strip():
        lines.append(_clip(phase.description, 1_500))
    lines.append(f"\n# Your task: {task.id} — {task.title}")
    if task.description.strip():
        lines.append(_clip(task.description, MAX_DESCRIPTION_CHARS))
    if task.files:
        lines.append("Files involved: " + ", ".join(task.files))
    if task.acceptance:
        lines.append("Acceptance criteria:\n" + "\n".join(f"- {a}" for a in task.acceptance))
    if context.checks:
        lines.append(context.checks)
    if context.handoffs:
        lines.append("\n# Finished dependencies\n" + handoff_text(context.handoffs))
    if context.retry_feedback:
        lines.append(f"\n# Attempt {context.attempt}: the previous attempt failed\n"
                     + _clip(context.retry_feedback, MAX_FEEDBACK_CHARS, tail=True))
    return "\n".join(lines)


def full_prompt(context: AgentContext) -> str:
    """System prefix and task in one text, for agents that take a single prompt (CLIs)."""
    return f"{system_prefix(context)}\n\n{task_prompt(context)}\n"


def named_paths(context: AgentContext) -> set[str]:
    """Paths the task names (its ``files:`` and any path-like word of its text): these may be
    read even when they look like secrets (``.env``)."""
    task = context.task
    words = " ".join([task.title, task.description, *task.acceptance]).split()
    names = {w.strip("`'\",;:()[]") for w in words}
    paths = {p.strip() for p in [*task.files, *names] if p.strip()}
    return {p[2:] if p.startswith("./") else p for p in paths}
