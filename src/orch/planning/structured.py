"""Structured model replies: a forced tool call (Anthropic ``tool_use``) or a strict JSON block.

An adapter that can force a tool call hands back the call's input; one that can only answer in
text (a CLI agent) must answer with exactly one JSON document, bare or in one ```` ```json ````
fence, and nothing else. Either way the document is validated against a pydantic model, and
anything unreadable is a :class:`StructuredReplyError` (exit 1) — never an empty result.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from orch.errors import OrchError

M = TypeVar("M", bound=BaseModel)
_FENCED = re.compile(r"\A```(?:json)?[ \t]*\n(?P<body>.*)\n```\Z", re.DOTALL)


class StructuredReplyError(OrchError):
    """The model's structured reply could not be read."""

    exit_code = 1


def read_reply(model: type[M], arguments: Any, text: str, *, what: str) -> M:
    """``arguments`` (a tool call's input) or else ``text`` (a strict JSON block) as ``model``."""
    document = arguments if arguments is not None else _json_block(text, what)
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the reply"
        raise StructuredReplyError(
            f"the model's {what} reply is unreadable: {where}: {first['msg']} "
            f"({exc.error_count()} problem(s))",
            hint="run it again, or use --offline for the rules that need no model",
        ) from None


def _json_block(text: str, what: str) -> Any:
    stripped = text.strip()
    fenced = _FENCED.match(stripped)
    body = fenced.group("body") if fenced else stripped
    if not body:
        raise StructuredReplyError(
            f"the model's {what} reply is unreadable: it made no tool call and sent no JSON",
            hint="run it again, or use --offline for the rules that need no model")
    try:
        return json.loads(body)
    except ValueError as exc:
        raise StructuredReplyError(
            f"the model's {what} reply is unreadable: not one JSON document ({exc})",
            hint="run it again, or use --offline for the rules that need no model") from None
