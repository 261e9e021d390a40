"""A new `orch run` says which unfinished run it takes the place of (issue 27, item 11)."""

from __future__ import annotations

from pathlib import Path

from conftest import OrchRunner
from orch.store.layout import Layout
from orch.store.runs import current_run_id
from test_rollback import ran  # noqa: F401 - the fixture


def test_run_after_a_rollback_names_the_run_it_replaces(ran: Path,  # noqa: F811
                                                        orch: OrchRunner) -> None:
    rolled = current_run_id(Layout(ran))
    assert orch("rollback", "phase-1", "--yes", cwd=ran).returncode == 0
    out = orch("run", "plan.md", "--yes", cwd=ran)
    assert out.returncode == 0, out.stdout + out.stderr
    assert (f"starting a new run in place of run {rolled} (interrupted), which stays as it is; "
            f"`orch resume {rolled}` continues that one instead") in out.stderr
    assert current_run_id(Layout(ran)) != rolled
    again = orch("run", "plan.md", "--yes", cwd=ran)  # the latest run completed: nothing said
    assert "in place of run" not in again.stderr
