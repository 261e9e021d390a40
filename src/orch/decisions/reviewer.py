"""Asking a ``**Review**: role`` agent for a phase decision (docs/decisions.md).

An adapter that answers structurally (``structured_review``: the anthropic adapter) answers
through a forced ``submit_decision`` tool call; every other adapter runs once on a review task
and must print one JSON decision block, read strictly from its output. Every call goes through
the run's meter (:mod:`orch.meter`): it reserves before it starts and its cost is counted after.

Whatever goes wrong is ESCALATE with the reason, never an approval: no key, an API failure, no
block, bad JSON, and a reviewer that failed (exit != 0), timed out, was interrupted or ran out
of budget, whatever it printed before. Only a call the run's cost cap refuses before it starts
is not a decision at all (:attr:`Review.refused`): the run stops ``budget_exceeded``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orch import proc
from orch.adapters.base import (
    AgentContext,
    AgentResult,
    AgentStatus,
    Budget,
    Role,
    SpendGate,
    Usage,
)
from orch.config import Price
from orch.decisions.model import (
    DECISION_SCHEMA,
    Decision,
    decision_from_dict,
    escalate,
    read_decision,
)
from orch.domain.plan import Phase, Task
from orch.secrets import default_redactor

SUBMIT_DECISION = "submit_decision"
MAX_REVIEW_TOKENS = 4096
MIN_REVIEW_TOKENS = 1024
"""The smallest reply worth paying for: a decision with a few criteria and issues."""
INSTRUCTIONS = (
    "You review one phase of an implementation plan. Judge each acceptance criterion as met or "
    "not, with evidence from the diff and the checks. Decide APPROVE, CONDITIONAL (give "
    "conditions), REVISE (name the tasks to redo) or ESCALATE (a person must decide)."
)


@dataclass
class Review:
    """A reviewer's answer and what asking cost."""

    decision: Decision
    cost_usd: float = 0.0
    usage: Usage = field(default_factory=Usage)
    refused: str | None = None
    """The run's cost cap refused the call before it started (no decision was made)."""


@dataclass
class ReviewSetting:
    """How the review runs: the run's meter, the reviewer's limits, the project's prices."""

    meter: SpendGate | None = None
    budget: Budget = field(default_factory=Budget)
    timeout_s: float | None = None
    prices: dict[str, Price] = field(default_factory=dict)


def review_prompt(facts: dict[str, Any]) -> str:
    """The review request: instructions, the decision schema and the phase's facts as JSON."""
    return "\n\n".join([
        INSTRUCTIONS,
        "Answer with exactly one ```json block holding an object of this JSON schema:\n"
        + json.dumps(DECISION_SCHEMA),
        "The phase:\n```text\n" + json.dumps(facts, indent=2) + "\n```",
    ])


def review_structured(role: Role, phase: Phase, facts: dict[str, Any], model: str,
                      setting: ReviewSetting) -> Review:
    """One Messages API call forced to use ``submit_decision``; its input is the decision.

    The call reserves its worst case from the meter first (``max_tokens`` lowered to what the
    reservation pays for, never below :data:`MIN_REVIEW_TOKENS`) and settles its real cost."""
    from orch.adapters.anthropic_client import (
        ApiFailure,
        Cancelled,
        DeadlineReached,
        RetryPolicy,
        call_with_retries,
        create_message,
        make_client,
        request_timeout,
    )
    from orch.adapters.anthropic_settings import api_credentials
    from orch.adapters.pricing import cost_usd, estimate_tokens, price_for

    credentials = api_credentials()
    if credentials is None:
        return Review(escalate("the reviewer could not run: ANTHROPIC_API_KEY is not set"))
    request: dict[str, Any] = {
        "model": model,
        "system": "\n\n".join(filter(None, [role.prompt, INSTRUCTIONS])),
        "tools": [{"name": SUBMIT_DECISION, "description": "Submit the phase decision.",
                   "input_schema": DECISION_SCHEMA}],
        "tool_choice": {"type": "tool", "name": SUBMIT_DECISION},
        "messages": [{"role": "user", "content": review_prompt(facts)}],
    }
    price = price_for(model, setting.prices)
    key = f"review-{phase.id}"
    limit = _limit(setting.budget, price)
    if limit is not None and limit < MIN_REVIEW_TOKENS:
        return Review(escalate(f"the reviewer's budget (${setting.budget.max_cost_usd:.4f}) "
                               "cannot pay for a review call"))
    max_tokens = min(MAX_REVIEW_TOKENS, limit or MAX_REVIEW_TOKENS)
    reserved = 0.0
    if setting.meter is not None:
        from orch.meter import reserve_call

        held = reserve_call(setting.meter, key, price, estimate_tokens(request),
                            MIN_REVIEW_TOKENS, max_tokens)
        if held is None:
            return Review(escalate("the phase review was not started: the run's cost cap"),
                          refused=f"the phase {phase.id} review's model call could pass the "
                                  "run's cost cap; stopped before it")
        reserved, max_tokens = held.amount, held.max_tokens
    request["max_tokens"] = max_tokens
    deadline = None
    if setting.timeout_s:  # the task timeout bounds a review as it bounds a task
        deadline = time.monotonic() + setting.timeout_s
        request["timeout"] = request_timeout(setting.timeout_s)
    client = make_client(credentials)
    message: Any = None
    try:
        message = call_with_retries(
            lambda: create_message(client, request, stream=False, cancel=proc.interrupted),
            RetryPolicy.from_env(), cancel=proc.interrupted, note=lambda _text: None,
            deadline=deadline)
    except (ApiFailure, Cancelled, DeadlineReached) as exc:
        what = ("was interrupted" if isinstance(exc, Cancelled)
                else f"timed out after {setting.timeout_s:g}s"
                if isinstance(exc, DeadlineReached) else f"could not run: {exc}")
        return Review(escalate(f"the reviewer {what}"))
    finally:
        usage = _usage_of(message)
        if setting.meter is not None:
            setting.meter.settle(key, reserved, cost_usd(usage, price))
    cost = cost_usd(usage, price)
    for block in message.content:
        if block.type == "tool_use" and block.name == SUBMIT_DECISION:
            decision = decision_from_dict(block.input, decided_by=f"reviewer:{role.name}")
            return Review(decision, cost, usage)
    return Review(escalate(f"unreadable review: the reviewer did not call {SUBMIT_DECISION}"),
                  cost, usage)


def _limit(budget: Budget, price: Price | None) -> int | None:
    """The output tokens the reviewer's own cost cap pays for (``None``: no cap)."""
    if budget.max_cost_usd is None or price is None or price.output <= 0:
        return None
    return int(budget.max_cost_usd * 1_000_000 / price.output)


def _usage_of(message: Any) -> Usage:
    """A Messages API reply's usage (none for a call that never answered)."""
    if message is None:
        return Usage()
    usage = message.usage
    return Usage(input_tokens=usage.input_tokens or 0, output_tokens=usage.output_tokens or 0,
                 cache_creation_input_tokens=usage.cache_creation_input_tokens or 0,
                 cache_read_input_tokens=usage.cache_read_input_tokens or 0)


def review_with_adapter(role: Role, phase: Phase, facts: dict[str, Any],
                        project_dir: Path, log_path: Path,
                        setting: ReviewSetting | None = None) -> Review:
    """Run a CLI (or shell) adapter once on a review task and read its JSON decision block.

    A ``shell`` reviewer runs its role's prompt as a script, the request in ``$ORCH_REVIEW_FILE``;
    its decision is read from what the script printed (not orch's ``$ command`` line in the log).
    """
    from orch.adapters.registry import get_adapter
    from orch.meter import run_metered

    setting = setting or ReviewSetting()
    prompt = review_prompt(facts)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.unlink(missing_ok=True)  # one review per log: an earlier round's block would count
    request_file = log_path.with_suffix(".request.md")
    request_file.write_text(prompt, encoding="utf-8")
    script = role.prompt if role.adapter == "shell" and role.prompt else None
    task = Task(id=f"review-{phase.id}", title=f"Review phase {phase.id}", phase_id=phase.id,
                line=phase.line, description=prompt, commands=[script] if script else [])
    context = AgentContext(task=task, phase=phase, project_dir=project_dir, log_path=log_path,
                           role=role, env={"ORCH_REVIEW_FILE": str(request_file)},
                           budget=setting.budget, timeout_s=setting.timeout_s,
                           cancel_check=proc.interrupted, spend=setting.meter)
    try:
        result = run_metered(get_adapter(role.adapter), context, task.id)
    except Exception as exc:  # noqa: BLE001 - a broken reviewer escalates, never approves
        return Review(escalate(f"the reviewer could not run: {exc.__class__.__name__}: {exc}"))
    failed = _failure(result)
    if failed is not None:
        return Review(escalate(failed), result.cost_usd, result.usage)
    output = result.summary if script is None else _script_output(log_path, script)
    decision = read_decision(output, decided_by=f"reviewer:{role.name}")
    return Review(decision, result.cost_usd, result.usage)


def _failure(result: AgentResult) -> str | None:
    """Why a reviewer's run cannot be a decision, whatever it printed; ``None`` if it can."""
    if result.status is AgentStatus.COMPLETED and not proc.interrupted():
        return None
    how = {
        AgentStatus.TIMEOUT: "timed out",
        AgentStatus.INTERRUPTED: "was interrupted",
        AgentStatus.BUDGET_EXCEEDED: "ran out of budget",
    }.get(result.status, f"ended {result.status.value}")
    if proc.interrupted():
        how = "was interrupted"
    detail = f": {result.error}" if result.error else ""
    return f"the reviewer {how}{detail}; its output is not taken as a decision"


def _script_output(log_path: Path, script: str) -> str:
    """What a shell reviewer printed: its log without the ``$ command`` line orch wrote."""
    text = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
    header = f"$ {default_redactor()(script)}\n"
    return text[len(header):] if text.startswith(header) else text
