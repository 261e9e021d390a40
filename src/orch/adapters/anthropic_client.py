"""Calling the Messages API through the official SDK, with orch's own retry policy.

The SDK's built-in retries are switched off (``max_retries=0``) so that orch decides: 429 waits
for ``retry-after``; 500/502/503/504/529, overloaded stream errors, connection errors and
timeouts back off exponentially; everything else (bad request, authentication, permission) fails
at once. The total time spent waiting is capped, then the call fails with :class:`ApiFailure`.
``ANTHROPIC_BASE_URL`` is honoured by the SDK itself.
"""

from __future__ import annotations

import contextlib
import os
import random
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anthropic
from anthropic.types import Message

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
RETRY_ERROR_TYPES = frozenset({"overloaded_error", "api_error", "rate_limit_error"})


class ApiFailure(Exception):
    """The API could not be reached or kept refusing: the attempt ends ``api_error``."""


class Cancelled(Exception):
    """The run was interrupted while a call was in flight or waiting to be retried."""


@dataclass
class RetryPolicy:
    """Exponential backoff: ``base_delay * 2**n`` (with jitter) up to ``max_delay`` per wait,
    ``max_attempts`` calls and ``max_total_s`` seconds of waiting in all."""

    base_delay: float = 1.0
    max_delay: float = 60.0
    max_attempts: int = 8
    max_total_s: float = 300.0

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """Defaults, with ``ORCH_RETRY_BASE_DELAY`` / ``ORCH_RETRY_MAX_ATTEMPTS`` /
        ``ORCH_RETRY_MAX_TOTAL`` (seconds) overriding them — tests make retries instant."""
        policy = cls()
        for name, attr, kind in (("ORCH_RETRY_BASE_DELAY", "base_delay", float),
                                 ("ORCH_RETRY_MAX_ATTEMPTS", "max_attempts", int),
                                 ("ORCH_RETRY_MAX_TOTAL", "max_total_s", float)):
            raw = os.environ.get(name)
            if raw:
                with contextlib.suppress(ValueError):
                    setattr(policy, attr, kind(raw))
        return policy

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """How long to wait before retry number ``attempt`` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        backoff: float = self.base_delay * 2.0 ** (attempt - 1)
        return min(backoff * (0.75 + random.random() / 2), self.max_delay)


def make_client(api_key: str, timeout_s: float = 600.0) -> anthropic.Anthropic:
    """An SDK client with retries off; the base URL comes from ``ANTHROPIC_BASE_URL`` if set."""
    return anthropic.Anthropic(api_key=api_key, max_retries=0, timeout=timeout_s)


def _retry_after(exc: anthropic.APIStatusError) -> float | None:
    headers = exc.response.headers
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw:
            try:
                return float(raw) * scale
            except ValueError:
                continue
    return None


def classify(exc: Exception) -> tuple[bool, float | None, str]:
    """``(retryable, retry_after_s, one-line description)`` for an exception from the SDK."""
    if isinstance(exc, anthropic.APITimeoutError):
        return True, None, "request timed out"
    if isinstance(exc, anthropic.APIConnectionError):
        return True, None, f"connection error: {exc.message}"
    if isinstance(exc, anthropic.APIStatusError):
        kind = getattr(exc, "type", None) or ""
        detail = getattr(exc, "api_message", None) or exc.message
        text = f"HTTP {exc.status_code}{' ' + kind if kind else ''}: {detail}"
        retryable = exc.status_code in RETRY_STATUSES or exc.status_code >= 500 or (
            exc.status_code == 200 and kind in RETRY_ERROR_TYPES)
        return retryable, _retry_after(exc), text
    if isinstance(exc, anthropic.APIError):
        return False, None, exc.message
    return False, None, f"{exc.__class__.__name__}: {exc}"


def create_message(client: anthropic.Anthropic, request: dict[str, Any], *, stream: bool,
                   cancel: Callable[[], bool]) -> Message:
    """One Messages API call, plain or streamed (SSE), checking ``cancel`` between events.

    The SDK's model-deprecation warnings are silenced: an adapter never writes to the terminal.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if not stream:
            message: Message = client.messages.create(**request)
            return message
        with client.messages.stream(**request) as events:
            for _event in events:
                if cancel():
                    raise Cancelled()
            final: Message = events.get_final_message()
            return final


def call_with_retries(
    call: Callable[[], Message],
    policy: RetryPolicy,
    *,
    cancel: Callable[[], bool],
    note: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
    deadline: float | None = None,
) -> Message:
    """``call()`` until it succeeds, retrying what is worth retrying under ``policy``.

    Raises :class:`ApiFailure` when a call fails for good and :class:`Cancelled` when ``cancel``
    turns true while waiting. ``deadline`` (a ``time.monotonic()`` value) also ends the waiting.
    """
    waited = 0.0
    attempt = 0
    while True:
        attempt += 1
        try:
            return call()
        except Cancelled:
            raise
        except (anthropic.APIError, ValueError) as exc:
            retryable, retry_after, text = classify(exc)
            if not retryable:
                raise ApiFailure(text) from None
            if attempt >= policy.max_attempts:
                raise ApiFailure(f"{text} (gave up after {attempt} attempts)") from None
            wait = policy.delay(attempt, retry_after)
            if waited + wait > policy.max_total_s:
                raise ApiFailure(f"{text} (gave up after {waited:.0f}s of retries)") from None
            if deadline is not None and time.monotonic() + wait >= deadline:
                raise ApiFailure(f"{text} (no time left to retry)") from None
            note(f"{text}; retry {attempt} in {wait:.1f}s")
            end = time.monotonic() + wait
            while (left := end - time.monotonic()) > 0:
                if cancel():
                    raise Cancelled() from None
                sleep(min(left, 0.2))
            waited += wait
