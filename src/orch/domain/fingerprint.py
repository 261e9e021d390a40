"""Task fingerprints: what a task asks for, so a resume can tell which tasks an edit changed.

A fingerprint covers the parts of a task that decide what gets done and how it is checked —
title, ``verify:`` commands, ``files:``, shell blocks (with their interpreters) and agent — and
nothing else: checkbox marks, line numbers, descriptions and dependencies never change it.
"""

from __future__ import annotations

import hashlib
import json

from orch.domain.plan import Plan, Task


def task_fingerprint(task: Task) -> str:
    """A short stable hash of the task's title, verify, files, shell blocks and agent."""
    shells = [task.shell_for(index) for index in range(len(task.commands))]
    content = {
        "title": task.title.strip(),
        "verify": task.verify,
        "files": task.files,
        "commands": task.commands,
        "shells": shells,
        "agent": task.agent,
    }
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()[:16]


def plan_fingerprints(plan: Plan) -> dict[str, str]:
    """Every task's fingerprint, by id."""
    return {task.id: task_fingerprint(task) for task in plan.tasks()}
