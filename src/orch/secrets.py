"""Redaction of secrets from everything orch writes (logs, events, reports, commits)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

_SECRET_NAME = re.compile(r"(API_?KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?|AUTH)", re.I)
_MIN_SECRET_LEN = 8
REDACTED = "[REDACTED]"


def secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """Values of environment variables whose names look like secrets, longest first."""
    env = os.environ if environ is None else environ
    values = {
        value
        for name, value in env.items()
        if _SECRET_NAME.search(name) and len(value) >= _MIN_SECRET_LEN
    }
    return sorted(values, key=len, reverse=True)


class Redactor:
    """Replaces known secret values with ``[REDACTED]``."""

    def __init__(self, values: list[str] | None = None) -> None:
        self.values = secret_values() if values is None else values

    def __call__(self, text: str) -> str:
        for value in self.values:
            if value in text:
                text = text.replace(value, REDACTED)
        return text

    def bytes(self, data: bytes) -> bytes:
        for value in self.values:
            encoded = value.encode()
            if encoded in data:
                data = data.replace(encoded, REDACTED.encode())
        return data


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


_DEFAULT: Redactor | None = None


def default_redactor() -> Redactor:
    """The process-wide redactor over this process's environment (built once)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Redactor()
    return _DEFAULT
