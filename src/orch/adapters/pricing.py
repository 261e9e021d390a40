"""Model prices (USD per million tokens) and the cost of a call; config ``prices:`` overrides.

Prices are looked up by the longest table key that prefixes the model name, so dated model ids
(``claude-sonnet-4-5-20250929``) find their family. Anthropic cache writes cost 1.25× the input
price and cache reads 0.1× unless a price says otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from orch.adapters.base import Usage
from orch.config import Price, config_or_defaults
from orch.store.layout import Layout

DEFAULT_MODEL = "claude-sonnet-4-6"

MODEL_ALIASES = {
    "sonnet": "claude-sonnet-4-6",
    "opus": "claude-opus-4-6",
    "haiku": "claude-haiku-4-5",
}
"""Claude Code's model aliases (used in ``.claude/agents/*.md``) mapped to API model ids."""

PRICES: dict[str, Price] = {
    "claude-opus-4-6": Price(input=5.0, output=25.0),
    "claude-opus-4-5": Price(input=5.0, output=25.0),
    "claude-opus-4-1": Price(input=15.0, output=75.0),
    "claude-opus-4": Price(input=15.0, output=75.0),
    "claude-3-opus": Price(input=15.0, output=75.0),
    "claude-sonnet-4-6": Price(input=3.0, output=15.0),
    "claude-sonnet-4-5": Price(input=3.0, output=15.0),
    "claude-sonnet-4": Price(input=3.0, output=15.0),
    "claude-3-7-sonnet": Price(input=3.0, output=15.0),
    "claude-3-5-sonnet": Price(input=3.0, output=15.0),
    "claude-haiku-4-5": Price(input=1.0, output=5.0),
    "claude-3-5-haiku": Price(input=0.8, output=4.0),
    "claude-3-haiku": Price(input=0.25, output=1.25),
    "gpt-5-codex": Price(input=1.25, output=10.0, cache_read=0.125),
    "gpt-5-mini": Price(input=0.25, output=2.0, cache_read=0.025),
    "gpt-5": Price(input=1.25, output=10.0, cache_read=0.125),
    "gemini-2.5-pro": Price(input=1.25, output=10.0, cache_read=0.31),
    "gemini-2.5-flash": Price(input=0.30, output=2.50, cache_read=0.075),
}

_FAMILY_FALLBACK = (("opus", "claude-opus-4-1"), ("haiku", "claude-haiku-4-5"),
                    ("claude", "claude-sonnet-4-6"))


def resolve_model_alias(model: str) -> str:
    """``sonnet`` → ``claude-sonnet-4-5``; any other name unchanged."""
    return MODEL_ALIASES.get(model.strip().lower(), model.strip())


def price_for(model: str, overrides: Mapping[str, Price] | None = None) -> Price | None:
    """The price of ``model``: an exact or longest-prefix match in ``overrides``, then the
    built-in table, then a Claude family guess; ``None`` for a model orch knows nothing about."""
    model = resolve_model_alias(model)
    for table in (overrides or {}, PRICES):
        if model in table:
            return table[model]
        matches = [key for key in table if model.startswith(key)]
        if matches:
            return table[max(matches, key=len)]
    lowered = model.lower()
    for needle, key in _FAMILY_FALLBACK:
        if needle in lowered:
            return PRICES[key]
    return None


def project_prices(project_dir: Path) -> dict[str, Price]:
    """The project config's ``prices:`` (none when the config cannot be read)."""
    return dict(config_or_defaults(Layout(project_dir).config).prices)


def model_price(model: str | None, project_dir: Path) -> Price | None:
    """The price of ``model`` for a CLI adapter: the project's ``prices:`` first, then the
    built-in table; ``None`` when the model is unknown or not given."""
    return price_for(model, project_prices(project_dir)) if model else None


def cost_usd(usage: Usage, price: Price | None) -> float:
    """What ``usage`` cost at ``price`` (0.0 when the price is unknown)."""
    if price is None:
        return 0.0
    cache_write = price.cache_write if price.cache_write is not None else price.input * 1.25
    cache_read = price.cache_read if price.cache_read is not None else price.input * 0.1
    total = (usage.input_tokens * price.input + usage.output_tokens * price.output
             + usage.cache_creation_input_tokens * cache_write
             + usage.cache_read_input_tokens * cache_read)
    return total / 1_000_000


def worst_case_cost(input_tokens: int, output_tokens: int, price: Price | None) -> float:
    """A conservative estimate of one call: every input token written to the cache (the
    dearest input rate) and every allowed output token used."""
    if price is None:
        return 0.0
    dearest_input = max(price.input, price.cache_write or price.input * 1.25)
    return (input_tokens * dearest_input + output_tokens * price.output) / 1_000_000


def estimate_tokens(payload: Any) -> int:
    """A deliberately high estimate of a request's input tokens (about 3 characters each)."""
    return len(json.dumps(payload, ensure_ascii=False)) // 3 + 16


def add_usage(total: Usage, more: Usage) -> Usage:
    """The sum of two usages."""
    return Usage(
        input_tokens=total.input_tokens + more.input_tokens,
        output_tokens=total.output_tokens + more.output_tokens,
        cache_creation_input_tokens=(total.cache_creation_input_tokens
                                     + more.cache_creation_input_tokens),
        cache_read_input_tokens=total.cache_read_input_tokens + more.cache_read_input_tokens,
        reasoning_output_tokens=total.reasoning_output_tokens + more.reasoning_output_tokens,
    )


def total_tokens(usage: Usage) -> int:
    """Every token an attempt consumed, cached or not."""
    return (usage.input_tokens + usage.output_tokens + usage.cache_creation_input_tokens
            + usage.cache_read_input_tokens)
