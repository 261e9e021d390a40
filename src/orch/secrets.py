"""Redaction of secrets from everything orch writes (logs, events, snapshots, tool results).

Two kinds of secret are replaced by ``[REDACTED]``: the values of environment variables whose
names look like secrets, and secrets recognisable by their shape wherever they come from —
credentials inside URLs (``postgres://user:PASS@host``,
``https://x-access-token:TOKEN@github.com/…``), ``Authorization:`` header values and tokens
with a well-known prefix (``sk-ant-…``, ``ghp_…``, ``github_pat_…``, ``glpat-…``, ``xoxb-…``,
``AKIA…``, ``AIza…``), and chat webhooks' secrets (Slack's, Discord's and Teams' URL paths,
``?token=``, ``sig=`` and ``key=`` query values).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping
from typing import Any, TextIO

_SECRET_NAME = re.compile(
    r"API_?KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIALS?|AUTH|PRIVATE"
    r"|(?:^|_)(?:KEY|PASS|PAT|DSN)(?:$|_)", re.I)
_MIN_SECRET_LEN = 8
_MIN_USER_TOKEN_LEN = 20
"""A URL's user name alone (``https://TOKEN@host``) is redacted from this length on."""
REDACTED = "[REDACTED]"

_SHAPES = "|".join((
    # scheme://user:password@ or scheme://token@ (the user name is kept when a password follows)
    # (a scheme is short: unbounded, a long dotted word before a "://" took quadratic time)
    r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]{0,31}://)(?P<user>[^\s:/?#@'\"<>]*)"
    r"(?::(?P<password>[^\s/?#@'\"<>]+))?@",
    r"(?P<auth>(?i:authorization:[ \t]*(?:bearer|basic|token)[ \t]+))(?P<credential>[^\s'\"]+)",
    r"(?P<token>\b(?:sk-ant-[\w\-]{16,}|sk-(?:proj-)?[\w\-]{32,}|gh[pousr]_[A-Za-z0-9]{30,}"
    r"|github_pat_\w{30,}|glpat-[\w\-]{20,}|xox[abposr]-[A-Za-z0-9\-]{10,}"
    r"|(?:AKIA|ASIA)[0-9A-Z]{16}|AIza[\w\-]{35})\b)",
    # chat webhooks carry their secret in the path: Slack, Discord, Teams (incoming webhooks)
    r"(?P<hook>(?:hooks\.slack(?:-gov)?\.com/(?:services|workflows|triggers)"
    r"|discord(?:app)?\.com/api/webhooks|/webhookb2|/IncomingWebhook)/)(?P<hookpath>[^\s?#'\"<>]+)",
    # ... or in the query (Teams workflows' sig=, ?token=, ?key=)
    r"(?P<query>[?&](?i:token|access_token|api_?key|key|secret|sig|signature|password)=)"
    r"(?P<queryvalue>[^\s&#'\"<>]{6,})",
))
_SHAPE_TEXT = re.compile(_SHAPES)
_SHAPE_BYTES = re.compile(_SHAPES.encode())
_HINTS = ("://", "uthorization", "UTHORIZATION", "sk-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
          "github_pat_", "glpat-", "xox", "AKIA", "ASIA", "AIza", "hooks.slack", "/webhooks/",
          "/webhookb2/", "/IncomingWebhook/", "token=", "Token=", "TOKEN=", "key=", "Key=", "KEY=",
          "sig=", "signature=", "secret=", "SECRET=", "password=", "PASSWORD=")
"""Every shape contains one of these: text without any is left alone at the cost of a scan."""
_HINTS_BYTES = tuple(hint.encode() for hint in _HINTS)


def _replace_shape(match: re.Match[str]) -> str:
    if match.group("token"):
        return REDACTED
    if match.group("hook"):
        return match.group("hook") + REDACTED
    if match.group("query"):
        return match.group("query") + REDACTED
    if match.group("auth"):
        return match.group("auth") + REDACTED
    user, password = match.group("user"), match.group("password")
    if password:
        return f"{match.group('scheme')}{user}:{REDACTED}@"
    if len(user) >= _MIN_USER_TOKEN_LEN:
        return f"{match.group('scheme')}{REDACTED}@"
    return match.group(0)


def _replace_shape_bytes(match: re.Match[bytes]) -> bytes:
    text = match.group(0).decode("utf-8", "surrogateescape")
    return _SHAPE_TEXT.sub(_replace_shape, text).encode("utf-8", "surrogateescape")


def looks_secret(name: str) -> bool:
    """Whether an environment variable's name looks like it holds a secret."""
    return bool(_SECRET_NAME.search(name))


def secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """Values of environment variables whose names look like secrets, longest first."""
    env = os.environ if environ is None else environ
    values = {
        value
        for name, value in env.items()
        if _SECRET_NAME.search(name) and len(value) >= _MIN_SECRET_LEN
    }
    return sorted(values, key=len, reverse=True)


def _written_forms(values: list[str]) -> list[str]:
    """``values`` and the forms they take inside JSON (a CLI agent's event stream, ``--json``
    lines): a quote, backslash, newline or non-ASCII character is escaped there. Longest first."""
    forms = set(values)
    for value in values:
        forms.add(json.dumps(value)[1:-1])
        forms.add(json.dumps(value, ensure_ascii=False)[1:-1])
    return sorted(forms, key=len, reverse=True)


class Redactor:
    """Replaces known secret values, and secrets recognisable by shape, with ``[REDACTED]``."""

    def __init__(self, values: list[str] | None = None) -> None:
        self.values = secret_values() if values is None else values
        self._forms = _written_forms(self.values)

    @property
    def longest(self) -> int:
        """The length in bytes of the longest text this redactor replaces by its value."""
        return len(self._forms[0].encode()) if self._forms else 0

    @property
    def multiline_reach(self) -> int:
        """The length in bytes of the longest such text that spans lines (0 if none does)."""
        return max((len(form.encode()) for form in self._forms if "\n" in form), default=0)

    def add(self, value: str) -> None:
        """Also redact ``value`` from now on (a key read from somewhere else than the env)."""
        if len(value) >= _MIN_SECRET_LEN and value not in self.values:
            self.values = sorted([*self.values, value], key=len, reverse=True)
            self._forms = _written_forms(self.values)

    def __call__(self, text: str) -> str:
        for value in self._forms:
            if value in text:
                text = text.replace(value, REDACTED)
        if not any(hint in text for hint in _HINTS):
            return text
        return _SHAPE_TEXT.sub(_replace_shape, text)

    def bytes(self, data: bytes) -> bytes:
        for value in self._forms:
            encoded = value.encode()
            if encoded in data:
                data = data.replace(encoded, REDACTED.encode())
        if not any(hint in data for hint in _HINTS_BYTES):
            return data
        return _SHAPE_BYTES.sub(_replace_shape_bytes, data)


_SECRET_FILE_NAMES = {
    ".env",
    ".netrc",
    ".npmrc",
    ".pypirc",
    ".git-credentials",
    "credentials",
    "credentials.json",
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    ".htpasswd",
}
_SECRET_FILE_SUFFIXES = (".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".asc", ".gpg")


def is_secret_file(path: str) -> bool:
    """Whether a project-relative path looks like a file of secrets (``.env``, keys, tokens).

    Such files are never sent to a model unless the task names them."""
    name = path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].lower()
    if name in _SECRET_FILE_NAMES or name.startswith(".env."):
        return not name.endswith((".example", ".sample", ".template", ".dist"))
    if name.startswith(("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519")):
        return not name.endswith(".pub")
    return name.endswith(_SECRET_FILE_SUFFIXES)


def redact_data(value: Any, redactor: Redactor) -> Any:
    """``value`` (JSON-like: dicts, lists, strings, numbers) with every string redacted."""
    if isinstance(value, str):
        return redactor(value)
    if isinstance(value, dict):
        return {key: redact_data(item, redactor) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(item, redactor) for item in value]
    return value


_DEFAULT: Redactor | None = None


def default_redactor() -> Redactor:
    """The process-wide redactor over this process's environment (built once)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Redactor()
    return _DEFAULT


class RedactingStream:
    """A text stream that redacts everything written through it, then passes it on.

    Every other attribute (``isatty``, ``fileno``, ``encoding``, ``flush``…) is the wrapped
    stream's, so rich and click treat it as the terminal or pipe it wraps."""

    def __init__(self, stream: TextIO, redactor: Redactor | None = None) -> None:
        self._stream = stream
        self._redactor = redactor

    def write(self, text: str) -> int:
        """Write ``text`` redacted; returns ``len(text)`` as a text stream's ``write`` does."""
        self._stream.write((self._redactor or default_redactor())(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        """Write each line redacted."""
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def redact_standard_streams() -> None:
    """Route ``sys.stdout`` and ``sys.stderr`` through the redactor (once per process): the
    console, ``--json`` lines, errors and warnings can then never print a secret. Text the
    stream cannot encode is printed escaped instead of failing."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None or isinstance(stream, RedactingStream):
            continue
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            # A file name that is not UTF-8 must not turn a listing into an internal error.
            stream.reconfigure(errors="backslashreplace")
        setattr(sys, name, RedactingStream(stream))
