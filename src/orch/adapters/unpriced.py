"""Warnings for CLI agents whose cost orch cannot know.

Codex reports no cost and Gemini CLI none either: orch prices their token counts from the price
table and the config's ``prices:``. aider prices itself (through litellm) and reports $0 for a
model litellm does not know. A model with no price costs $0 in orch's books, so a cost cap
(``--max-cost``, ``budgets:``, a role's ``max_cost_usd``) cannot stop it. orch says so once per
run and model: before the run for a role whose model is known to be unpriced, else after the
first attempt that used tokens at no cost.
"""

from __future__ import annotations

import threading
from pathlib import Path

from orch.adapters.base import Role
from orch.adapters.pricing import model_price

PRICED_BY_ORCH = ("codex", "gemini")
"""Adapters whose cost orch computes from its price table (their CLIs report none)."""

_warned: set[tuple[str, str]] = set()
_lock = threading.Lock()


def first_time(adapter: str, model: str | None) -> bool:
    """``True`` the first time in this process (one run) an adapter/model pair is warned about."""
    key = (adapter, model or "")
    with _lock:
        if key in _warned:
            return False
        _warned.add(key)
        return True


def unpriced_warning(adapter: str, model: str | None, *, capped: bool) -> str:
    """One line: the model has no price, what that means for the budget, and the remedy."""
    if model:
        what = f"{adapter} model {model!r} has no known price"
        remedy = f"add `{model}: {{input: USD, output: USD}}` (per million tokens) under " \
                  "`prices:` in .specify/orch/config.yaml"
    else:
        what = f"{adapter} runs its own default model, which orch cannot price"
        remedy = "give the role a `model:` (and its price under `prices:` in " \
                 ".specify/orch/config.yaml unless built in)"
    cap = ("; the cost cap cannot be enforced for it" if capped else "")
    return f"{what}: its cost counts as $0{cap}; {remedy}"


def preflight_warnings(roles: list[Role], project_dir: Path, *, capped: bool) -> list[str]:
    """Before a run: one warning per role whose adapter orch prices and whose model it cannot
    (gemini without a model names its model only when it runs; that is checked then)."""
    warnings: list[str] = []
    for role in roles:
        if role.adapter not in PRICED_BY_ORCH:
            continue
        model = role.model if role.model and role.model != "inherit" else None
        if model is None and role.adapter == "gemini":
            continue
        if model is not None and model_price(model, project_dir) is not None:
            continue
        if first_time(role.adapter, model):
            capped_role = capped or role.max_cost_usd is not None
            warnings.append(f"role {role.name!r}: "
                            + unpriced_warning(role.adapter, model, capped=capped_role))
    return warnings
