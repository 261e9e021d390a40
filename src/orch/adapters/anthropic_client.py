"""Calling the Messages API through the official SDK, with orch's own retry policy.

The SDK's built-in retries are switched off (``max_retries=0``) so that orch decides, and says
so: every retry is reported (reason, attempt, delay) through a callback. 429 waits for
``retry-after``; 500/502/503/504/529, overloaded stream errors, connection errors and timeouts
back off exponentially; a DNS failure, or a refused connection to a host that is not this
machine, is tried twice at most; everything else (bad request, authentication, permission)
fails at once. Retrying stops once ``max_total_s`` seconds have passed since the first try.

Each call runs in a daemon thread while the caller's thread waits in short steps, so Ctrl-C and
the task's deadline end a call in flight — a blocked socket read does not wait for the server.
``ANTHROPIC_BASE_URL`` is honoured by the SDK itself.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import random
import socket
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anthropic
from anthropic.types import Message

from orch.adapters.anthropic_settings import Credentials

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
RETRY_ERROR_TYPES = frozenset({"overloaded_error", "api_error", "rate_limit_error"})
DEFAULT_RETRY_SECONDS = 120.0
CONNECT_TIMEOUT_S = 10.0
UNREACHABLE_ATTEMPTS = 2
"""Tries for a DNS failure or a refused connection to another machine: it will not heal soon."""
POLL_S = 0.1


class ApiFailure(Exception):
    """The API could not be reached or kept refusing: the attempt ends ``api_error``."""


class Cancelled(Exception):
    """The run was interrupted while a call was in flight or waiting to be retried."""


class DeadlineReached(Exception):
    """The attempt's deadline passed while a call was in flight or waiting to be retried."""


@dataclass
class RetryPolicy:
    """Exponential backoff: ``base_delay * 2**n`` (with jitter) up to ``max_delay`` per wait,
    at most ``max_attempts`` calls, and no retry that would start more than ``max_total_s``
    seconds after the first try."""

    base_delay: float = 1.0
    max_delay: float = 60.0
    max_attempts: int = 8
    max_total_s: float = DEFAULT_RETRY_SECONDS

    @classmethod
    def from_env(cls, max_total_s: float | None = None) -> RetryPolicy:
        """Defaults, ``max_total_s`` from config ``api_retry_seconds``, and
        ``ORCH_RETRY_BASE_DELAY`` / ``ORCH_RETRY_MAX_ATTEMPTS`` / ``ORCH_RETRY_MAX_TOTAL``
        (seconds) overriding them — tests make retries instant."""
        policy = cls() if max_total_s is None else cls(max_total_s=max_total_s)
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


def make_client(credentials: Credentials, timeout_s: float = 600.0) -> anthropic.Anthropic:
    """An SDK client with retries off; the base URL comes from ``ANTHROPIC_BASE_URL`` if set."""
    return anthropic.Anthropic(api_key=credentials.api_key, auth_token=credentials.auth_token,
                               max_retries=0, timeout=request_timeout(timeout_s))


def request_timeout(seconds: float) -> anthropic.Timeout:
    """``seconds`` for the whole call, but at most :data:`CONNECT_TIMEOUT_S` to connect."""
    return anthropic.Timeout(seconds, connect=min(CONNECT_TIMEOUT_S, seconds))


def is_local_host(host: str) -> bool:
    """Whether ``host`` is this machine (``localhost`` or a loopback address)."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


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


def _unreachable(exc: BaseException, host: str) -> str | None:
    """``"DNS"`` or ``"refused"`` when ``exc`` was caused by a failed name lookup, or by a refused
    connection to another machine; ``None`` otherwise."""
    seen: BaseException | None = exc
    for _ in range(12):
        if seen is None:
            return None
        if isinstance(seen, socket.gaierror):
            return "DNS"
        if isinstance(seen, ConnectionRefusedError) and not is_local_host(host):
            return "refused"
        seen = seen.__cause__ or seen.__context__
    return None


@dataclass(frozen=True)
class Verdict:
    """How to treat one failed call."""

    retryable: bool
    retry_after: float | None
    text: str
    max_attempts: int | None = None


def classify(exc: Exception, host: str = "") -> Verdict:
    """Whether a failure from the SDK is worth retrying, and how to describe it in one line."""
    if isinstance(exc, anthropic.APITimeoutError):
        return Verdict(True, None, "request timed out")
    if isinstance(exc, anthropic.APIConnectionError):
        kind = _unreachable(exc, host)
        if kind == "DNS":
            return Verdict(True, None, f"cannot resolve {host or 'the API host'} (DNS failure)",
                           UNREACHABLE_ATTEMPTS)
        if kind == "refused":
            return Verdict(True, None, f"connection to {host} refused", UNREACHABLE_ATTEMPTS)
        cause = exc.__cause__
        return Verdict(True, None, f"connection error: {cause or exc.message}")
    if isinstance(exc, anthropic.APIStatusError):
        kind = getattr(exc, "type", None) or ""
        detail = getattr(exc, "api_message", None) or exc.message
        text = f"HTTP {exc.status_code}{' ' + kind if kind else ''}: {detail}"
        retryable = exc.status_code in RETRY_STATUSES or exc.status_code >= 500 or (
            exc.status_code == 200 and kind in RETRY_ERROR_TYPES)
        return Verdict(retryable, _retry_after(exc), text)
    if isinstance(exc, anthropic.APIError):
        return Verdict(False, None, exc.message)
    return Verdict(False, None, f"{exc.__class__.__name__}: {exc}")


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


def call_abandonable(call: Callable[[], Message], *, cancel: Callable[[], bool],
                     deadline: float | None) -> Message:
    """``call()`` in a daemon thread; raises :class:`Cancelled` or :class:`DeadlineReached` as
    soon as either happens, leaving the thread to finish (or die with the process) unheard."""
    outcome: list[Message | BaseException] = []
    done = threading.Event()

    def work() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:  # noqa: BLE001 - handed over to the waiting thread
            outcome.append(exc)
        finally:
            done.set()

    threading.Thread(target=work, name="orch-model-call", daemon=True).start()
    while not done.wait(POLL_S):
        if cancel():
            raise Cancelled()
        if deadline is not None and time.monotonic() >= deadline:
            raise DeadlineReached()
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


def call_with_retries(
    call: Callable[[], Message],
    policy: RetryPolicy,
    *,
    cancel: Callable[[], bool],
    note: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
    deadline: float | None = None,
    host: str = "",
) -> Message:
    """``call()`` until it succeeds, retrying what is worth retrying under ``policy``.

    ``note`` hears every retry before its wait. Raises :class:`ApiFailure` when a call fails
    for good, :class:`Cancelled` when ``cancel`` turns true, and :class:`DeadlineReached` when
    ``deadline`` (a ``time.monotonic()`` value) passes.
    """
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        try:
            return call_abandonable(call, cancel=cancel, deadline=deadline)
        except (Cancelled, DeadlineReached):
            raise
        except (anthropic.APIError, ValueError) as exc:
            verdict = classify(exc, host)
            text = verdict.text
            if deadline is not None and time.monotonic() >= deadline:
                raise DeadlineReached() from None
            if not verdict.retryable:
                raise ApiFailure(text) from None
            limit = min(policy.max_attempts, verdict.max_attempts or policy.max_attempts)
            if attempt >= limit:
                raise ApiFailure(f"{text} (gave up after {attempt} attempts)") from None
            wait = policy.delay(attempt, verdict.retry_after)
            spent = time.monotonic() - started
            if spent + wait > policy.max_total_s:
                raise ApiFailure(f"{text} (gave up after {attempt} attempts in {spent:.0f}s; "
                                 f"the retry limit is {policy.max_total_s:g}s)") from None
            if deadline is not None and time.monotonic() + wait >= deadline:
                raise ApiFailure(f"{text} (no time left to retry)") from None
            note(f"{text}; retry {attempt}/{limit - 1} in {wait:.1f}s")
            _wait(wait, cancel, sleep)


def _wait(seconds: float, cancel: Callable[[], bool], sleep: Callable[[float], None]) -> None:
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        if cancel():
            raise Cancelled()
        sleep(min(left, 0.2))
