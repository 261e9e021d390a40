"""Model-drafted plans: ask, parse with orch's own parser, send the errors back, at most twice.

One ``messages.create`` call per round on the official Anthropic SDK (``ANTHROPIC_API_KEY`` and
``ANTHROPIC_BASE_URL`` are read by the SDK). The reply is checked exactly as ``orch validate``
checks a plan file; an invalid reply is answered with the validator's messages and a request for
the whole corrected plan. :func:`draft_with_model` never writes files: the caller decides where
a valid plan, or a failed draft and its errors, go.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from orch.adapters.anthropic_settings import api_credentials, choose_model
from orch.adapters.base import Usage
from orch.adapters.pricing import cost_usd, estimate_tokens, price_for
from orch.config import Price
from orch.domain.plan import Diagnostic
from orch.errors import BudgetExceededError, ConfigError, OrchError
from orch.meter import Meter, reserve_call
from orch.planning.checking import Checked, check_text
from orch.planning.prompts import SYSTEM_PROMPT, repair_prompt, user_prompt
from orch.reporting.summary import format_cost, format_usd

MAX_REPAIR_ROUNDS = 2
MAX_TOKENS = 16_000
MIN_OUTPUT_TOKENS = 4_096
"""The smallest reply worth paying for: a short plan, or a structured answer."""
REQUEST_TIMEOUT_S = 300.0


class DraftError(OrchError):
    """The model's plan was still invalid after the repair rounds, or the model call failed."""

    exit_code = 1


class ModelClient(Protocol):
    """Something that answers a conversation with text: the SDK in production, fakes in tests."""

    def complete(self, system: str, messages: list[dict[str, str]]) -> str:
        """The model's reply to ``messages`` under the ``system`` prompt."""
        ...


@dataclass(frozen=True)
class ToolReply:
    """A structured reply: the forced tool call's input (``None`` when the model made none)
    and any text that came with it (a CLI adapter's strict JSON block, for instance)."""

    arguments: Any
    text: str = ""


class ToolClient(Protocol):
    """Something that answers with one structured tool call (questions, reviews)."""

    def use_tool(self, system: str, messages: list[dict[str, str]],
                 tool: dict[str, Any]) -> ToolReply:
        """The model's call of ``tool`` in reply to ``messages``."""
        ...


@dataclass
class DraftOutcome:
    """How drafting ended: the last draft, its check, and how many requests it took."""

    checked: Checked
    requests: int
    transcript: list[dict[str, str]] = field(default_factory=list)
    stopped: BudgetExceededError | None = None
    """The cost cap refused a repair round: ``checked`` is the last (invalid) draft."""

    @property
    def ok(self) -> bool:
        return self.checked.ok

    @property
    def text(self) -> str:
        return self.checked.text

    @property
    def errors(self) -> list[Diagnostic]:
        return self.checked.errors


class AnthropicClient:
    """:class:`ModelClient` on ``anthropic.Anthropic().messages.create``, one call per round.

    The system prompt is marked for prompt caching: it is the same in every round. Every call
    goes through ``meter`` (:mod:`orch.meter`): it reserves its worst case before it starts
    (``max_tokens`` lowered to what the cap still pays for) and its real cost is counted after;
    :attr:`cost_usd` is what the calls so far cost.
    """

    def __init__(self, model: str, *, max_tokens: int = MAX_TOKENS,
                 timeout_s: float = REQUEST_TIMEOUT_S, meter: Meter | None = None,
                 prices: Mapping[str, Price] | None = None) -> None:
        self.model = model
        self.max_tokens = max_tokens
        self.timeout_s = timeout_s
        self.meter = meter or Meter(None)
        self.price = price_for(model, prices)
        self.cost_usd = 0.0
        self._client: Any = None

    def complete(self, system: str, messages: list[dict[str, str]]) -> str:
        message = self._create(system, messages)
        return "".join(block.text for block in message.content
                       if getattr(block, "type", "") == "text")

    def use_tool(self, system: str, messages: list[dict[str, str]],
                 tool: dict[str, Any]) -> ToolReply:
        """Ask for one call of ``tool`` (forced with ``tool_choice``); its input and any text."""
        message = self._create(system, messages, tools=[tool],
                               tool_choice={"type": "tool", "name": tool["name"]})
        calls = [block.input for block in message.content
                 if getattr(block, "type", "") == "tool_use" and block.name == tool["name"]]
        text = "".join(block.text for block in message.content
                       if getattr(block, "type", "") == "text")
        return ToolReply(arguments=calls[0] if calls else None, text=text)

    def _create(self, system: str, messages: list[dict[str, str]], **extra: Any) -> Any:
        held = reserve_call(self.meter, "plan", self.price,
                            estimate_tokens([system, messages, extra]),
                            min(MIN_OUTPUT_TOKENS, self.max_tokens), self.max_tokens)
        if held is None:
            cap = self.meter.cap_usd or 0.0
            raise BudgetExceededError(
                f"the next model call could pass the cost cap {format_usd(cap)} "
                f"(spent {format_cost(self.meter.spent())}); stopped before it",
                hint="raise --max-cost (or budgets.run.max_cost_usd), or work without a "
                     "model: --offline")
        message: Any = None
        try:
            message = self._call(system, messages, held.max_tokens, **extra)
            return message
        finally:
            spent = 0.0
            if message is not None:
                usage = message.usage
                spent = cost_usd(Usage(
                    input_tokens=usage.input_tokens or 0,
                    output_tokens=usage.output_tokens or 0,
                    cache_creation_input_tokens=usage.cache_creation_input_tokens or 0,
                    cache_read_input_tokens=usage.cache_read_input_tokens or 0), self.price)
            self.cost_usd += spent
            self.meter.settle("plan", held.amount, spent)

    def _call(self, system: str, messages: list[dict[str, str]], max_tokens: int,
              **extra: Any) -> Any:
        import anthropic

        if self._client is None:
            self._client = anthropic.Anthropic(timeout=self.timeout_s, max_retries=2)
        try:
            return self._client.messages.create(
                model=self.model,
                max_tokens=max_tokens,
                system=[{"type": "text", "text": system,
                         "cache_control": {"type": "ephemeral"}}],
                messages=messages,
                **extra,
            )
        except (anthropic.AuthenticationError, anthropic.PermissionDeniedError) as exc:
            raise ConfigError(
                f"the model API refused the credentials ({exc.status_code})",
                hint="check ANTHROPIC_API_KEY, or work without a model: --offline",
            ) from None
        except anthropic.APIStatusError as exc:
            raise DraftError(
                f"the model API answered {exc.status_code}: {_api_message(exc)}",
                hint="retry later, or work without a model: --offline",
            ) from None
        except anthropic.APIConnectionError as exc:
            raise DraftError(
                f"cannot reach the model API: {exc}",
                hint="check the network and ANTHROPIC_BASE_URL, or use --offline",
            ) from None


def model_name(role_model: str | None = None, config_model: str | None = None) -> str:
    """The drafting model, chosen exactly as the agent loop chooses its own."""
    return choose_model(role_model, config_model)


def planning_meter(config_cap: float | None, max_cost: float | None) -> Meter:
    """The meter of one ``orch plan`` / ``orch review``: ``--max-cost`` and the config's
    ``budgets.run.max_cost_usd``, the smaller one, cap its model calls together."""
    caps = [cap for cap in (config_cap, max_cost) if cap is not None]
    return Meter(min(caps) if caps else None)


def spent_note(client: object) -> str:
    """``, $0.0123`` for a metered client that spent something, else ``""``."""
    spent = getattr(client, "cost_usd", 0.0)
    return f", {format_cost(spent)}" if spent else ""


def model_available() -> bool:
    """Whether a model can be asked at all (an API key or auth token is set)."""
    return api_credentials() is not None


def draft_with_model(
    goal: str,
    context: str,
    client: ModelClient,
    *,
    source: str,
    known_roles: set[str] | None = None,
    default_agent: str | None = None,
    max_repairs: int = MAX_REPAIR_ROUNDS,
    clarified: str = "",
) -> DraftOutcome:
    """Ask ``client`` for a plan and repair it until it validates, at most ``max_repairs`` times.

    ``source`` names the target in the validator messages sent back to the model;
    ``clarified`` holds the answers to the clarifying questions, when there were any.
    """
    messages = [{"role": "user",
                 "content": user_prompt(goal, context, default_agent, clarified)}]
    requests = 0
    checked: Checked | None = None
    while True:
        try:
            reply = client.complete(SYSTEM_PROMPT, list(messages))
        except BudgetExceededError as exc:
            if checked is None:
                raise
            return DraftOutcome(checked=checked, requests=requests, transcript=messages,
                                stopped=exc)
        requests += 1
        checked = check_text(extract_plan(reply), source, known_roles)
        messages.append({"role": "assistant", "content": reply})
        if checked.ok or requests > max_repairs:
            return DraftOutcome(checked=checked, requests=requests, transcript=messages)
        messages.append({"role": "user",
                         "content": repair_prompt(source, checked.errors, checked.warnings)})


_OPEN_FENCE = re.compile(r"^(`{3,}|~{3,})[ \t]*(?:markdown|md)?[ \t]*$")


def extract_plan(reply: str) -> str:
    """The plan inside a model reply.

    A reply wrapped in a markdown fence (possibly with prose around it) is unwrapped up to the
    *last* matching closing fence, so ```` ```sh ```` blocks inside the plan survive; otherwise
    the plan starts at the first ``# `` heading; otherwise it is the whole reply.
    """
    lines = reply.strip().splitlines()
    for index, line in enumerate(lines):
        opening = _OPEN_FENCE.match(line)
        if not opening:
            continue
        fence = opening.group(1)
        closing = [at for at in range(len(lines) - 1, index, -1) if lines[at].strip() == fence]
        body = lines[index + 1:closing[0]] if closing else []
        if any(row.startswith("# ") for row in body):
            return "\n".join(body).strip() + "\n"
        break
    text = "\n".join(lines)
    heading = re.search(r"^# ", text, re.MULTILINE)
    return (text[heading.start():] if heading else text).strip() + "\n"


def _api_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
    return str(getattr(exc, "message", exc))
