"""Selective runs: --only, --from, --until and --phase, alone and combined."""

from __future__ import annotations

import pytest

from orch.domain.graph import execution_order
from orch.errors import UsageError
from orch.parsing.markdown import parse_plan
from orch.runner.selection import parse_id_list, select_tasks

PLAN = parse_plan(
    "# P\n\n## Phase 1: A\n\n- [ ] T1 one\n- [ ] T2 two\n\n"
    "## Phase 2: B\n\n- [ ] T3 three\n- [ ] T4 four\n- [ ] T5 five\n"
).plan
ORDER = execution_order(PLAN)


def test_from_and_until_bound_the_order() -> None:
    assert select_tasks(PLAN, ORDER, from_task="T2", until_task="T4") == ["T2", "T3", "T4"]


def test_only_combined_with_from_keeps_positions_of_the_whole_plan() -> None:
    assert select_tasks(PLAN, ORDER, only=["T3", "T4", "T5"], from_task="T4") == ["T4", "T5"]
    assert select_tasks(PLAN, ORDER, only=["T1", "T5"], from_task="T3") == ["T5"]


def test_phase_and_unknown_ids() -> None:
    assert select_tasks(PLAN, ORDER, phase="2") == ["T3", "T4", "T5"]
    with pytest.raises(UsageError, match="--until T9"):
        select_tasks(PLAN, ORDER, until_task="T9")
    with pytest.raises(UsageError, match="--phase 7"):
        select_tasks(PLAN, ORDER, phase="7")


def test_id_lists_split_on_commas() -> None:
    assert parse_id_list(["T1,T2", " T5 "]) == ["T1", "T2", "T5"]
    assert parse_id_list(None) is None
