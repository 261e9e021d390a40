"""The ``anthropic`` adapter: an agent loop on the official SDK (docs/agents.md).

Loop: check the budget → call the model (with retries) → record usage and cost → run the tool
calls it asked for → repeat until ``stop_reason == "end_turn"``. The budget is checked before
every call against the cost so far plus a conservative estimate of the next call; when the cap
would be passed the attempt ends ``budget_exceeded`` without calling.
"""

from __future__ import annotations

import copy
import functools
import time
from collections.abc import Callable
from typing import Any

from orch import proc
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
from orch.adapters.anthropic_settings import MISSING_CREDENTIALS, api_credentials, choose_model
from orch.adapters.base import AgentContext, AgentResult, AgentStatus, Usage
from orch.adapters.pricing import (
    add_usage,
    cost_usd,
    estimate_tokens,
    price_for,
    total_tokens,
    worst_case_cost,
)
from orch.adapters.prompt import named_paths, system_prefix, task_prompt
from orch.adapters.tools import TOOL_NAMES, TOOL_SPECS, ProjectTools
from orch.adapters.transcript import Transcript
from orch.config import config_or_defaults
from orch.envflags import env_flag
from orch.meter import reserve_call
from orch.secrets import Redactor
from orch.store.layout import Layout

MAX_OUTPUT_TOKENS = 8_192
MIN_OUTPUT_TOKENS = 1_024
DEFAULT_MAX_TURNS = 50
EPHEMERAL = {"type": "ephemeral"}


class AnthropicAdapter:
    """An agent loop with file and shell tools confined to the project directory."""

    name = "anthropic"
    priced_before_call = True
    structured_review = True
    """Answers a phase review through a forced ``submit_decision`` tool call."""

    def __init__(self, *, retry_policy: RetryPolicy | None = None, stream: bool | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.retry_policy = retry_policy
        self.stream = stream
        self.sleep = sleep

    def available(self) -> str | None:
        if api_credentials() is None:
            return f"{MISSING_CREDENTIALS}, or choose another agent with --agent"
        return None

    def run(self, context: AgentContext) -> AgentResult:
        return _Attempt(self, context).run()


class _Attempt:
    """One attempt at one task: the conversation, its spending and its transcript."""

    def __init__(self, adapter: AnthropicAdapter, context: AgentContext) -> None:
        self.context = context
        self.redactor = Redactor()
        self.log = Transcript(context.log_path, self.redactor)
        self.started = time.monotonic()
        config = config_or_defaults(Layout(context.project_dir).config)
        self.model = choose_model(context.role.model, config.model)
        self.price = price_for(self.model, dict(config.prices))
        self.policy = adapter.retry_policy or RetryPolicy.from_env(config.api_retry_seconds)
        stream = adapter.stream
        if stream is None:
            stream = env_flag("ORCH_ANTHROPIC_STREAM", default=True)
        self.streaming = stream
        self.sleep = adapter.sleep
        self.usage = Usage()
        self.cost = 0.0
        self.turns = 0
        self.reserved = 0.0
        """Dollars reserved for the call under way from the run's shared budget."""
        self.session_id: str | None = None
        self.last_context_tokens = 0
        self.tools = ProjectTools(
            project_dir=context.project_dir, log_path=context.log_path,
            allowed_secrets=named_paths(context), env=dict(context.env),
            redactor=self.redactor, seconds_left=self._seconds_left, cancelled=self._cancelled)

    # -- limits --------------------------------------------------------------------------------

    def _deadline(self) -> tuple[float | None, bool]:
        """The earliest deadline (monotonic) and whether it comes from the budget."""
        options = []
        if self.context.timeout_s:
            options.append((self.started + self.context.timeout_s, False))
        if self.context.budget.max_seconds:
            options.append((self.started + self.context.budget.max_seconds, True))
        if not options:
            return None, False
        return min(options)

    def _seconds_left(self) -> float | None:
        deadline, _ = self._deadline()
        return None if deadline is None else deadline - time.monotonic()

    def _cancelled(self) -> bool:
        check = self.context.cancel_check
        return proc.interrupted() or (check is not None and check())

    def _limit(self, request: dict[str, Any]) -> AgentResult | None:
        """Checked before every call: a result to stop with, or ``None`` (and ``request``'s
        ``max_tokens`` lowered to what the budget still allows)."""
        budget = self.context.budget
        max_turns = budget.max_turns or self.context.role.max_turns or DEFAULT_MAX_TURNS
        if self.turns >= max_turns:
            return self._end(AgentStatus.MAX_TURNS, f"turn limit reached ({max_turns} turns)")
        deadline, _ = self._deadline()
        if deadline is not None and time.monotonic() >= deadline:
            return self._out_of_time()
        # The next request holds the last one, its reply and the new tool results: never fewer
        # input tokens than the server last counted plus what was added since.
        input_estimate = max(
            estimate_tokens([request["system"], request["tools"], request["messages"]]),
            self.last_context_tokens + estimate_tokens(request["messages"][-1]))
        output = MAX_OUTPUT_TOKENS
        if budget.max_tokens is not None:
            output = min(output, budget.max_tokens - total_tokens(self.usage) - input_estimate)
        if budget.max_cost_usd is not None and self.price is not None:
            left = budget.max_cost_usd - self.cost - worst_case_cost(input_estimate, 0, self.price)
            output = min(output, _affordable(left, self.price.output))
        if output < MIN_OUTPUT_TOKENS:
            what = (f"cost cap ${budget.max_cost_usd:.4f} (spent ${self.cost:.4f})"
                    if budget.max_cost_usd is not None and self.price is not None
                    and worst_case_cost(input_estimate, MIN_OUTPUT_TOKENS, self.price)
                    > budget.max_cost_usd - self.cost
                    else f"token cap {budget.max_tokens} (used {total_tokens(self.usage)})")
            return self._end(AgentStatus.BUDGET_EXCEEDED,
                             f"the next model call could pass the {what}; stopped before it")
        return self._reserve(request, input_estimate, output)

    def _reserve(self, request: dict[str, Any], input_estimate: int,
                 output: int) -> AgentResult | None:
        """Reserve the call's worst case from the run's meter (shared with other lanes and
        the phase reviewers); ``max_tokens`` becomes what the reservation pays for."""
        if self.context.spend is not None:
            held = reserve_call(self.context.spend, self.context.task.id, self.price,
                                input_estimate, MIN_OUTPUT_TOKENS, output)
            if held is None:
                return self._end(AgentStatus.BUDGET_EXCEEDED,
                                 "the next model call could pass the run's cost cap (shared "
                                 "with the tasks running at once); stopped before it")
            self.reserved, output = held.amount, held.max_tokens
        request["max_tokens"] = output
        return None

    def _settle(self, spent: float) -> None:
        if self.context.spend is not None:
            self.context.spend.settle(self.context.task.id, self.reserved, spent)
        self.reserved = 0.0

    # -- the loop ------------------------------------------------------------------------------

    def run(self) -> AgentResult:
        try:
            return self._loop()
        except Cancelled:
            return self._end(AgentStatus.INTERRUPTED, "interrupted")
        except DeadlineReached:
            return self._out_of_time()
        except ApiFailure as exc:
            return self._end(AgentStatus.API_ERROR, str(exc))
        except Exception as exc:  # noqa: BLE001 - an adapter never raises for a task failure
            return self._end(AgentStatus.FAILED, f"{exc.__class__.__name__}: {exc}")

    def _loop(self) -> AgentResult:
        credentials = api_credentials()
        if credentials is None:
            return self._end(AgentStatus.API_ERROR, MISSING_CREDENTIALS)
        for secret in credentials.secrets:
            self.redactor.add(secret)
        client = make_client(credentials)
        tools = [dict(spec) for spec in TOOL_SPECS
                 if self.context.role.tools is None or spec["name"] in self.context.role.tools
                 or not set(self.context.role.tools) & set(TOOL_NAMES)]
        tools[-1]["cache_control"] = EPHEMERAL
        system = [{"type": "text", "text": system_prefix(self.context),
                   "cache_control": EPHEMERAL}]
        messages: list[dict[str, Any]] = [
            {"role": "user", "content": [{"type": "text", "text": task_prompt(self.context)}]}]
        self.log.section(f"anthropic · model {self.model} · "
                         f"{'streaming' if self.streaming else 'plain'} requests")
        self.log.section("system prompt", system_prefix(self.context))
        self.log.section("task prompt", task_prompt(self.context))
        final_text = ""
        while True:
            if self._cancelled():
                raise Cancelled()
            request: dict[str, Any] = {"model": self.model, "system": system, "tools": tools,
                                       "messages": _with_moving_cache_mark(messages)}
            stop = self._limit(request)
            if stop is not None:
                return stop
            deadline, _ = self._deadline()
            if deadline is not None:
                request["timeout"] = request_timeout(max(1.0, deadline - time.monotonic()))
            try:
                response = call_with_retries(
                    functools.partial(create_message, client, request, stream=self.streaming,
                                      cancel=self._cancelled),
                    self.policy, cancel=self._cancelled, sleep=self.sleep, deadline=deadline,
                    note=self._retry_note, host=client.base_url.host)
            except BaseException:
                self._settle(0.0)
                raise
            self.turns += 1
            self.session_id = self.session_id or response.id
            usage = _usage_of(response)
            self.usage = add_usage(self.usage, usage)
            self.last_context_tokens = total_tokens(usage)
            self.cost += cost_usd(usage, self.price)
            self._settle(cost_usd(usage, self.price))
            content = [_block_param(block) for block in response.content]
            text = "\n".join(b.get("text", "") for b in content if b.get("type") == "text")
            final_text = text or final_text
            self.log.section(
                f"turn {self.turns} · stop {response.stop_reason} · in {usage.input_tokens} "
                f"(+{usage.cache_read_input_tokens} cached, +{usage.cache_creation_input_tokens} "
                f"cache write) · out {usage.output_tokens} · ${self.cost:.4f}", text)
            messages.append({"role": "assistant", "content": content})
            calls = [b for b in content if b.get("type") == "tool_use"]
            if response.stop_reason == "tool_use" or calls:
                if not calls:
                    return self._end(AgentStatus.FAILED, "stop_reason tool_use without a call")
                messages.append({"role": "user", "content": self._run_tools(calls)})
                continue
            if response.stop_reason in ("end_turn", "stop_sequence"):
                return self._end(AgentStatus.COMPLETED, None, summary=final_text)
            if response.stop_reason == "pause_turn":
                continue
            if response.stop_reason == "max_tokens":
                return self._end(AgentStatus.MAX_TURNS, "the model's reply hit max_tokens",
                                 summary=final_text)
            if response.stop_reason == "refusal":
                return self._end(AgentStatus.FAILED, "the model refused the task",
                                 summary=final_text)
            return self._end(AgentStatus.FAILED, f"unexpected stop_reason "
                                                 f"{response.stop_reason!r}", summary=final_text)

    def _run_tools(self, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        for call in calls:
            if self._cancelled():
                raise Cancelled()
            self.log.json(f"tool call {call.get('name')}", call.get("input"))
            outcome = self.tools.execute(str(call.get("name")), call.get("input"))
            self.log.section(f"tool result{' (error)' if outcome.is_error else ''}",
                             outcome.content, limit=4_000)
            results.append({"type": "tool_result", "tool_use_id": call.get("id"),
                            "content": outcome.content or "(no output)",
                            "is_error": outcome.is_error})
        return results

    def _retry_note(self, text: str) -> None:
        """A retry is shown, not only logged: the live display and the journal get a note."""
        self.log.section("api retry", text)
        if self.context.notify is not None:
            self.context.notify(self.redactor(f"{self.context.task.id}: anthropic API {text}"))

    def _out_of_time(self) -> AgentResult:
        _, from_budget = self._deadline()
        if from_budget:
            return self._end(AgentStatus.BUDGET_EXCEEDED,
                             f"time cap of {self.context.budget.max_seconds:g}s reached")
        return self._end(AgentStatus.TIMEOUT, f"timed out after {self.context.timeout_s:g}s")

    def _end(self, status: AgentStatus, error: str | None, summary: str = "") -> AgentResult:
        self.log.section(f"anthropic result: {status.value}"
                         f"{' · ' + error if error else ''} · {self.turns} turns · "
                         f"{total_tokens(self.usage)} tokens · ${self.cost:.4f}")
        return AgentResult(
            status=status, summary=self.redactor(summary.strip()),
            files_changed=sorted(self.tools.files_changed), usage=self.usage,
            cost_usd=round(self.cost, 6), session_id=self.session_id,
            log_path=str(self.context.log_path), turns=self.turns,
            error=self.redactor(error) if error else None)


def _block_param(block: Any) -> dict[str, Any]:
    """A response content block as a request block (only the fields the API takes back)."""
    kind = getattr(block, "type", "")
    if kind == "text":
        return {"type": "text", "text": block.text}
    if kind == "tool_use":
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    if kind == "thinking":
        return {"type": "thinking", "thinking": block.thinking, "signature": block.signature}
    dumped: dict[str, Any] = block.model_dump(exclude_none=True)
    return dumped


def _usage_of(response: Any) -> Usage:
    usage = response.usage
    return Usage(input_tokens=usage.input_tokens or 0, output_tokens=usage.output_tokens or 0,
                 cache_creation_input_tokens=getattr(usage, "cache_creation_input_tokens", 0)
                 or 0,
                 cache_read_input_tokens=getattr(usage, "cache_read_input_tokens", 0) or 0)


def _with_moving_cache_mark(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy of ``messages`` whose last block carries ``cache_control``, so each turn reads the
    conversation so far from the cache (system + tools + this mark: 3 of the 4 breakpoints)."""
    marked = copy.deepcopy(messages)
    last = marked[-1]["content"]
    if isinstance(last, list) and last:
        last[-1]["cache_control"] = EPHEMERAL
    return marked


def _affordable(left: float, per_million: float) -> int:
    """Output tokens ``left`` dollars pay for at ``per_million`` a million (a free model's: all
    of them, unless nothing is left)."""
    if per_million <= 0:
        return MAX_OUTPUT_TOKENS if left >= 0 else 0
    return int(left * 1_000_000 / per_million)
