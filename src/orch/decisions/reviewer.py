"""Asking a ``**Review**: role`` agent for a phase decision (docs/decisions.md).

The anthropic adapter answers through a forced ``submit_decision`` tool call; every other adapter
runs once on a review task and must print one JSON decision block, read strictly. Whatever goes
wrong (no key, API failure, no block, bad JSON) is ESCALATE with the reason, never an approval.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from orch.adapters.base import AgentContext, Role
from orch.decisions.model import (
    DECISION_SCHEMA,
    Decision,
    decision_from_dict,
    escalate,
    read_decision,
)
from orch.domain.plan import Phase, Task

SUBMIT_DECISION = "submit_decision"
INSTRUCTIONS = (
    "You review one phase of an implementation plan. Judge each acceptance criterion as met or "
    "not, with evidence from the diff and the checks. Decide APPROVE, CONDITIONAL (give "
    "conditions), REVISE (name the tasks to redo) or ESCALATE (a person must decide)."
)


def review_prompt(facts: dict[str, Any]) -> str:
    """The review request: instructions, the decision schema and the phase's facts as JSON."""
    return "\n\n".join([
        INSTRUCTIONS,
        "Answer with exactly one ```json block holding an object of this JSON schema:\n"
        + json.dumps(DECISION_SCHEMA),
        "The phase:\n```text\n" + json.dumps(facts, indent=2) + "\n```",
    ])


def review_anthropic(role: Role, facts: dict[str, Any], model: str) -> Decision:
    """One Messages API call forced to use ``submit_decision``; its input is the decision."""
    from orch.adapters.anthropic_client import (
        ApiFailure,
        RetryPolicy,
        call_with_retries,
        create_message,
        make_client,
    )
    from orch.adapters.anthropic_settings import api_credentials

    credentials = api_credentials()
    if credentials is None:
        return escalate("the reviewer could not run: ANTHROPIC_API_KEY is not set")
    request: dict[str, Any] = {
        "model": model,
        "max_tokens": 4096,
        "system": "\n\n".join(filter(None, [role.prompt, INSTRUCTIONS])),
        "tools": [{"name": SUBMIT_DECISION, "description": "Submit the phase decision.",
                   "input_schema": DECISION_SCHEMA}],
        "tool_choice": {"type": "tool", "name": SUBMIT_DECISION},
        "messages": [{"role": "user", "content": review_prompt(facts)}],
    }
    client = make_client(credentials)
    try:
        message = call_with_retries(
            lambda: create_message(client, request, stream=False, cancel=lambda: False),
            RetryPolicy.from_env(), cancel=lambda: False, note=lambda _text: None)
    except ApiFailure as exc:
        return escalate(f"the reviewer could not run: {exc}")
    for block in message.content:
        if block.type == "tool_use" and block.name == SUBMIT_DECISION:
            return decision_from_dict(block.input, decided_by=f"reviewer:{role.name}")
    return escalate(f"unreadable review: the reviewer did not call {SUBMIT_DECISION}")


def review_with_adapter(role: Role, phase: Phase, facts: dict[str, Any],
                        project_dir: Path, log_path: Path) -> Decision:
    """Run a CLI (or shell) adapter once on a review task and read its JSON decision block.

    A ``shell`` reviewer runs its role's prompt as a script, the request in ``$ORCH_REVIEW_FILE``.
    """
    from orch.adapters.registry import get_adapter

    prompt = review_prompt(facts)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.unlink(missing_ok=True)  # one review per log: an earlier round's block would count
    request_file = log_path.with_suffix(".request.md")
    request_file.write_text(prompt, encoding="utf-8")
    commands = [role.prompt] if role.adapter == "shell" and role.prompt else []
    task = Task(id=f"review-{phase.id}", title=f"Review phase {phase.id}", phase_id=phase.id,
                line=phase.line, description=prompt, commands=commands)
    context = AgentContext(task=task, phase=phase, project_dir=project_dir, log_path=log_path,
                           role=role, env={"ORCH_REVIEW_FILE": str(request_file)})
    try:
        result = get_adapter(role.adapter).run(context)
    except Exception as exc:  # noqa: BLE001 - a broken reviewer escalates, never approves
        return escalate(f"the reviewer could not run: {exc.__class__.__name__}: {exc}")
    if role.adapter == "shell":  # the script's output is in the log; a CLI's is its answer
        output = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
    else:
        output = result.summary
    decision = read_decision(output, decided_by=f"reviewer:{role.name}")
    if result.error and decision.reason.startswith("unreadable"):
        return escalate(f"{decision.reason} (reviewer: {result.error})")
    return decision
