"""One error taxonomy for every CLI adapter (docs/agents.md).

- ``api_error``: a transient provider fault — 429, 5xx, 529, overload, a dropped connection.
  The run halts resumable and ``orch resume --retry-failed`` tries again.
- ``failed``: a client error — 400, 404, and 401/403 with a hint about the API key. Retrying
  the same request cannot help.
- ``timeout`` is orch's own limit and never comes from here.

Each adapter keeps ONE :class:`ErrorTable`: the error texts its CLI is documented or observed
to print, each mapped to a kind, ahead of the HTTP-status and keyword rules every table shares.
The first rule that matches decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from orch.adapters.base import AgentStatus

TRANSIENT = AgentStatus.API_ERROR
CLIENT = AgentStatus.FAILED
KEY_HINT = "check the API key the CLI uses (is it set, valid and allowed this model?)"

_TRANSIENT_STATUSES = {408, 409, 429, 500, 502, 503, 504, 529}
_CLIENT_STATUSES = {400, 401, 403, 404, 413, 422}


@dataclass(frozen=True)
class Rule:
    """Text matching ``pattern`` (case-insensitive) is an error of ``status``."""

    pattern: str
    status: AgentStatus
    hint: str | None = None


@dataclass(frozen=True)
class Verdict:
    """What an error message means: a status and, where there is a remedy, a hint."""

    status: AgentStatus
    hint: str | None = None

    def describe(self, message: str) -> str:
        """``message`` (one line, bounded) followed by the hint, for ``AgentResult.error``."""
        line = " ".join(message.split())[:300] or "error"
        return f"{line} (hint: {self.hint})" if self.hint else line


def status_verdict(status: int) -> Verdict | None:
    """The verdict for an HTTP status code; ``None`` for one that says nothing."""
    if status in (401, 403):
        return Verdict(CLIENT, KEY_HINT)
    if status in _CLIENT_STATUSES:
        return Verdict(CLIENT)
    if status in _TRANSIENT_STATUSES or 500 <= status < 600:
        return Verdict(TRANSIENT)
    return None


COMMON: tuple[Rule, ...] = (
    Rule(r"\b(401|403)\b|unauthori[sz]ed|forbidden|authentication|invalid.{0,12}api.?key"
         r"|incorrect api key|permission.denied", CLIENT, KEY_HINT),
    Rule(r"\b(400|404|413|422)\b|bad request|invalid_request|invalid_argument|not_found",
         CLIENT),
    Rule(r"\b(408|429|500|502|503|504|529)\b|rate.?limit|too many requests|overloaded"
         r"|resource_exhausted|quota|unavailable|internal server error|server error"
         r"|high demand|try again later", TRANSIENT),
    Rule(r"connection (error|refused|reset|closed)|econnrefused|econnreset|etimedout"
         r"|network error|stream disconnected|socket hang up|fetch failed", TRANSIENT),
)
"""Rules every table ends with: explicit statuses and provider words."""


class ErrorTable:
    """An adapter's rules (its CLI's own texts first), then :data:`COMMON`."""

    def __init__(self, *rules: Rule) -> None:
        self.rules = (*rules, *COMMON)
        self._compiled = [(re.compile(rule.pattern, re.I), rule) for rule in self.rules]

    def classify(self, text: str, default: AgentStatus = CLIENT) -> Verdict:
        """The verdict of the first rule that matches ``text``; ``default`` when none does."""
        for pattern, rule in self._compiled:
            if pattern.search(text):
                return Verdict(rule.status, rule.hint)
        return Verdict(default)

    def matches(self, text: str) -> bool:
        """Whether any rule recognises ``text`` as a provider error."""
        return any(pattern.search(text) for pattern, _ in self._compiled)
