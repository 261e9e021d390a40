"""The one meter for every model call orch makes (docs/agents.md, "Budgets").

Task agents on every adapter, phase reviewers and the model calls of ``orch plan`` /
``orch review`` all spend through one :class:`Meter` per run (or per planning command). Each
call first *reserves* what it may cost at worst; when it ends it *settles*: the reservation is
released and what it really cost is counted for its key (a task id, ``review-<phase>``, ``plan``)
until the caller has journalled it (:meth:`Meter.journalled`; from then on the journal's total,
``journalled()``, counts it). A call is refused when the cap minus the journalled spending, the
unjournalled spending and the other open reservations cannot pay even its smallest useful reply,
so calls running at once (``--jobs`` lanes) never spend past the cap together.

How a call is priced before it starts is the adapter's declared ability, never its name:

- ``priced_before_call`` (the ``anthropic`` loop): the adapter knows the model's price and the
  request's size, reserves each call itself from ``context.spend`` and lowers ``max_tokens`` to
  what the reservation pays for (:meth:`Meter.reserve_call`);
- any other adapter that ``calls_model`` (the CLI agents): its cost is known only once it exits,
  so the whole attempt reserves its budget share up front and settles with the cost the tool
  reported (:func:`run_metered`); the share is passed on as ``budget.max_cost_usd`` (Claude Code's
  ``--max-budget-usd``);
- ``calls_model = False`` (shell, manual): nothing to meter.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from orch.adapters.base import (
    Adapter,
    AgentContext,
    AgentResult,
    AgentStatus,
    SpendGate,
    calls_model,
    priced_before_call,
)
from orch.adapters.pricing import worst_case_cost

if TYPE_CHECKING:
    from orch.config import Price

SMALLEST_ATTEMPT_USD = 0.0001
"""What a CLI agent's attempt must at least be able to spend to be worth starting."""


@dataclass(frozen=True)
class CallReservation:
    """A model call's reservation: the dollars held and the output tokens they pay for."""

    amount: float
    max_tokens: int


class Meter:
    """Reservations and spending against one cost cap; thread-safe (lanes reserve, settle).

    ``journalled`` returns what the run's journal already counts (``RunState.cost_usd``), so
    spending recorded there is never counted twice; a planning command has no journal.
    """

    def __init__(self, cap_usd: float | None,
                 journalled: Callable[[], float] = lambda: 0.0) -> None:
        self.cap_usd = cap_usd
        self._journalled = journalled
        self._lock = threading.Lock()
        self._reserved = 0.0
        self._unjournalled: dict[str, float] = {}

    # -- the seam every caller uses -----------------------------------------------------------

    def reserve(self, key: str, minimum: float, wanted: float) -> float | None:
        """Reserve up to ``wanted`` dollars (at least ``minimum``): the amount, or ``None``
        when the cap cannot pay ``minimum``. Without a cap every reservation is granted."""
        with self._lock:
            if self.cap_usd is None:
                return wanted
            free = self._free()
            if free < minimum or free <= 0:
                return None
            amount = min(wanted, free)
            self._reserved += amount
            return amount

    def settle(self, key: str, reserved: float, spent: float) -> None:
        """A call ended: release its reservation and count what it cost against ``key``."""
        with self._lock:
            if self.cap_usd is not None:
                self._reserved = max(0.0, self._reserved - reserved)
            self._unjournalled[key] = self._unjournalled.get(key, 0.0) + spent

    def journalled(self, key: str) -> None:
        """``key``'s spending is in the journal now (its ``task_finished``, its decision)."""
        with self._lock:
            self._unjournalled.pop(key, None)

    # -- views ---------------------------------------------------------------------------------

    def spent(self) -> float:
        """Everything spent so far: journalled plus settled but not yet journalled."""
        with self._lock:
            return self._journalled() + sum(self._unjournalled.values())

    def free(self) -> float | None:
        """What the cap still allows beyond spending and open reservations (``None``: no cap)."""
        with self._lock:
            return None if self.cap_usd is None else max(0.0, self._free())

    def _free(self) -> float:
        assert self.cap_usd is not None
        return (self.cap_usd - self._journalled() - sum(self._unjournalled.values())
                - self._reserved)


def reserve_call(meter: SpendGate, key: str, price: Price | None, input_tokens: int,
                 min_output: int, max_output: int) -> CallReservation | None:
    """Reserve one API call whose request is about ``input_tokens`` long: its worst case with
    ``max_output`` output tokens, at least with ``min_output``. The reservation says how many
    output tokens it pays for; ``None`` when not even ``min_output`` fits.

    An unpriced model (``price`` None) reserves nothing: its cost counts as $0 and orch warns
    about it (:mod:`orch.adapters.unpriced`)."""
    if price is None:
        return CallReservation(0.0, max_output)
    got = meter.reserve(key, worst_case_cost(input_tokens, min_output, price),
                        worst_case_cost(input_tokens, max_output, price))
    if got is None:
        return None
    left = got - worst_case_cost(input_tokens, 0, price)
    affordable = max_output if price.output <= 0 else int(left * 1_000_000 / price.output)
    return CallReservation(got, max(min_output, min(max_output, affordable)))


def reserve_attempt(meter: SpendGate, key: str, wanted: float | None) -> float | None:
    """Reserve a whole attempt's share of the cap: ``wanted`` (the attempt's own cap) or all
    that is free, whichever is less; ``None`` when not even the smallest attempt fits. For an
    agent whose spending is known only when it ends (a CLI agent, a remote worker)."""
    free = meter.free()
    if wanted is None:
        wanted = free if free is not None else 0.0
    elif free is not None:
        wanted = min(wanted, free)
    return meter.reserve(key, SMALLEST_ATTEMPT_USD, wanted)


def run_metered(adapter: Adapter, context: AgentContext, key: str) -> AgentResult:
    """Run ``adapter`` once, metered: the seam every task attempt and CLI reviewer goes through.

    An adapter ``priced_before_call`` reserves each of its calls itself from ``context.spend``;
    any other model-calling adapter reserves its budget share for the whole attempt here and
    settles with the cost it reported. With no meter (or no model) the adapter just runs.
    """
    meter = context.spend
    if meter is None or not calls_model(adapter) or priced_before_call(adapter):
        return adapter.run(context)
    capped = meter.free() is not None
    got = reserve_attempt(meter, key, context.budget.max_cost_usd)
    if got is None:
        return AgentResult(status=AgentStatus.BUDGET_EXCEEDED, log_path=str(context.log_path),
                           error="the run's cost cap (shared with the tasks running at once) "
                                 "leaves nothing for another model call; not started")
    if capped:
        context.budget = context.budget.model_copy(update={"max_cost_usd": got})
    result: AgentResult | None = None
    try:
        result = adapter.run(context)
        return result
    finally:
        meter.settle(key, got if capped else 0.0, result.cost_usd if result else 0.0)
