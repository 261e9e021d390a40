"""Warnings for CLI agents whose cost orch cannot know.

Where an adapter's cost comes from is its declared ability ``cost_source`` (read with
:func:`cost_source`), never its name: ``reported`` (the default: the tool reports what it cost,
as Claude Code does), ``price_table`` (it reports tokens only, as Codex and Gemini CLI do: orch
prices them from the price table and the config's ``prices:``) or ``self_priced`` (it prices
itself, as aider does through litellm, and reports $0 for a model it does not know).
A model with no price costs $0 in orch's books, so a cost cap
(``--max-cost``, ``budgets:``, a role's ``max_cost_usd``) cannot stop it. orch says so once per
run and model: before the run for a role whose model is known to be unpriced, else after the
first attempt that used tokens at no cost.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from orch.adapters.base import Adapter, Role
from orch.adapters.pricing import model_price
from orch.errors import OrchError

_warned: set[tuple[str, str]] = set()
_lock = threading.Lock()


def cost_source(adapter: object) -> str:
    """``reported``, ``price_table`` or ``self_priced``: where the adapter's cost comes from."""
    return str(getattr(adapter, "cost_source", "reported"))


def may_be_unpriced(adapter: object) -> bool:
    """Whether an attempt of this adapter can use tokens that orch counts as $0."""
    return cost_source(adapter) != "reported"


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


def preflight_warnings(roles: list[Role], project_dir: Path, *, capped: bool,
                       adapter_of: Callable[[str], Adapter] | None = None) -> list[str]:
    """Before a run: one warning per role whose adapter orch prices from its table and whose
    model it cannot (an adapter that ``reports_model`` — gemini — names the model it ran only
    when it runs; that is checked then)."""
    if adapter_of is None:
        from orch.adapters.registry import get_adapter

        adapter_of = get_adapter
    warnings: list[str] = []
    for role in roles:
        try:
            adapter = adapter_of(role.adapter)
        except OrchError:  # an adapter that cannot load is reported where it is used
            continue
        if cost_source(adapter) != "price_table":
            continue
        model = role.model if role.model and role.model != "inherit" else None
        if model is None and getattr(adapter, "reports_model", False):
            continue
        if model is not None and model_price(model, project_dir) is not None:
            continue
        if first_time(role.adapter, model):
            capped_role = capped or role.max_cost_usd is not None
            warnings.append(f"role {role.name!r}: "
                            + unpriced_warning(role.adapter, model, capped=capped_role))
    return warnings
