"""Which Claude model and which credentials: one answer for the agent loop and ``orch plan``.

Kept free of the SDK import, so ``orch plan --offline`` and ``orch agents`` stay quick.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from orch.adapters.pricing import DEFAULT_MODEL, resolve_model_alias

CREDENTIAL_VARIABLES = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")
MISSING_CREDENTIALS = (
    "neither ANTHROPIC_API_KEY nor ANTHROPIC_AUTH_TOKEN is set: create a key at "
    "https://console.anthropic.com/settings/keys and `export ANTHROPIC_API_KEY=...`")


def choose_model(role_model: str | None = None, config_model: str | None = None) -> str:
    """The model: the role's, else config ``model:``, else ``ORCH_MODEL``, else the default.

    Claude Code aliases (``sonnet``, ``opus``, ``haiku``) become API model ids; ``inherit``
    (a subagent file's "the parent's model") means the next source down."""
    for candidate in (role_model, config_model, os.environ.get("ORCH_MODEL")):
        if candidate and candidate.strip() and candidate.strip() != "inherit":
            return resolve_model_alias(candidate.strip())
    return DEFAULT_MODEL


@dataclass(frozen=True)
class Credentials:
    """What authenticates to the Messages API: an API key (``x-api-key``) and/or a bearer
    token (``Authorization: Bearer``, e.g. from a gateway)."""

    api_key: str | None = None
    auth_token: str | None = None

    @property
    def secrets(self) -> list[str]:
        """The values to redact from everything orch writes."""
        return [value for value in (self.api_key, self.auth_token) if value]


def api_credentials() -> Credentials | None:
    """``ANTHROPIC_API_KEY`` and ``ANTHROPIC_AUTH_TOKEN`` from the environment; ``None`` when
    neither is set (empty values count as unset)."""
    key = os.environ.get("ANTHROPIC_API_KEY", "").strip() or None
    token = os.environ.get("ANTHROPIC_AUTH_TOKEN", "").strip() or None
    if key is None and token is None:
        return None
    return Credentials(api_key=key, auth_token=token)
